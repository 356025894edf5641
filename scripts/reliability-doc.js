// Writes the measured table of docs/reliability.md from test-artifacts/reliability.jsonl (rows recorded by the
// fault suite). Rows are keyed by fault: a run that covers only some faults replaces only their rows, and each
// row keeps the time it was measured. Everything below the END marker is hand-written and kept.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ROWS = path.join(ROOT, 'test-artifacts', 'reliability.jsonl');
const DOC = path.join(ROOT, 'docs', 'reliability.md');
const BEGIN = '<!-- BEGIN measured by the fault suite: do not edit by hand -->';
const END = '<!-- END measured -->';

const cell = (value) => String(value ?? '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const number = (value) => (typeof value === 'number' ? value.toLocaleString('en-US') : '—');

function parseTable(section) {
  const rows = new Map();
  for (const line of section.split('\n')) {
    const match = /^<!-- row (.*) -->$/.exec(line.trim());
    if (match) {
      const row = JSON.parse(match[1]);
      rows.set(row.fault, row);
    }
  }
  return rows;
}

function render(rows) {
  const lines = [
    BEGIN,
    '',
    '| fault | load | sent | counted | lost | doubled | what the client saw | recovery | measured |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | --- |',
  ];
  for (const row of [...rows.values()].sort((a, b) => a.fault.localeCompare(b.fault))) {
    const recovery = typeof row.recoveryMs === 'number' ? `${(row.recoveryMs / 1000).toFixed(2)} s` : '—';
    lines.push(
      `| ${cell(row.fault)} | ${cell(row.load)} | ${number(row.sent)} | ${number(row.counted)} | ${number(row.lost)} | ${number(row.doubled)} | ${cell(row.clientSaw)} | ${recovery} | ${cell(row.measuredAt?.slice(0, 16).replace('T', ' '))} |`,
    );
  }
  lines.push('');
  for (const row of rows.values()) lines.push(`<!-- row ${JSON.stringify(row)} -->`);
  lines.push(END);
  return lines.join('\n');
}

function writeReliabilityDoc() {
  if (!existsSync(ROWS)) return;
  const fresh = readFileSync(ROWS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  if (fresh.length === 0) return;
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : `# Reliability\n\n${BEGIN}\n${END}\n`;
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < 0) throw new Error(`${DOC} lost its markers`);
  const rows = parseTable(doc.slice(begin, end));
  for (const row of fresh) rows.set(row.fault, row);
  writeFileSync(DOC, doc.slice(0, begin) + render(rows) + doc.slice(end + END.length));
}

module.exports = { writeReliabilityDoc };
if (require.main === module) writeReliabilityDoc();
