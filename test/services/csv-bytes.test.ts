import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../server/generated/prisma/client';
import type { MailingCounts } from '../../plugin/contract/protocol';
import { prng } from '../../plugin/contract/prng';
import { parsePhone } from '../../server/domain/phone';
import { Pseudonymizer } from '../../server/domain/pseudonym';
import { STATUS } from '../../server/domain/trust';
import { MemoryPubSub } from '../../server/infra/pubsub';
import { createLogger } from '../../server/logger';
import { filterCsv, filterCsvText } from '../../server/services/mailingFilter/csv';
import type { FilterOptions, MailingOutput } from '../../server/services/mailingFilter/rowJudge';
import { PhoneClassifier } from '../../server/services/phoneClassifier';
import { StatusIndex } from '../../server/services/statusIndex';

/**
 * Issue 15, the 1M-row mailing ≤ 2× the floor: the CSV filter reads 8-bit mailings as bytes (csvBytes.ts) and copies
 * the kept rows' bytes instead of making a string per row. Its answer must be the text path's, byte for byte: these
 * tests filter generated mailings (quotes, escapes, line breaks in quotes, mixed line endings, blank lines, a BOM,
 * UTF-8 and Windows-1252 accents, phones of every spelling, a DDD column, short rows, limits) through both paths, in
 * pieces of every size, and compare the kept part, the malformed part, the counts and the errors.
 */

const NOW = new Date('2026-12-03T12:00:00Z');
const pseudonymizer = new Pseudonymizer(randomBytes(16));
let version = 1n;

function index(): StatusIndex {
  return new StatusIndex(null as unknown as PrismaClient, new MemoryPubSub(), createLogger('silent'), 60_000);
}

function mark(statusIndex: StatusIndex, phones: readonly string[], status: number): void {
  statusIndex.applyCommitted(
    phones.map((phone) => {
      const parsed = parsePhone(phone);
      if (!parsed.ok) throw new Error(`bad test phone ${phone}`);
      return { pseudonym: pseudonymizer.phone(Number(parsed.e164)), status, version: version++ };
    }),
  );
}

class Recorder implements MailingOutput {
  begun = 0;
  keptBytes: Buffer[] = [];
  malformedBytes: Buffer[] = [];
  kept: MailingOutput['kept'] = async (data) => {
    this.keptBytes.push(Buffer.isBuffer(data) ? Buffer.from(data) : Buffer.from(data, 'latin1'));
  };
  malformed: MailingOutput['malformed'] = async (data) => {
    this.malformedBytes.push(Buffer.isBuffer(data) ? Buffer.from(data) : Buffer.from(data, 'latin1'));
  };
  async begin(): Promise<void> {
    this.begun++;
  }
  get keptHex(): string {
    return Buffer.concat(this.keptBytes).toString('latin1');
  }
  get malformedHex(): string {
    return Buffer.concat(this.malformedBytes).toString('latin1');
  }
}

async function* pieces(bytes: Buffer, sizes: () => number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, sizes());
    // Each piece its own copy, as the HTTP parser gives them.
    yield Buffer.from(bytes.subarray(at, at + size));
    at += size;
  }
}

type Outcome = { counts?: MailingCounts; error?: string; kept: string; malformed: string; begun: number };

async function run(path: typeof filterCsv, bytes: Buffer, sizes: () => number, statusIndex: StatusIndex, options: FilterOptions): Promise<Outcome> {
  const output = new Recorder();
  const classifier = new PhoneClassifier(pseudonymizer, statusIndex, () => NOW).forTenant('tenant-a');
  try {
    const counts = await path(pieces(bytes, sizes), output, classifier, { ...options });
    return { counts, kept: output.keptHex, malformed: output.malformedHex, begun: output.begun };
  } catch (error) {
    const app = error as { code?: string; status?: number; message: string };
    return { error: `${app.code ?? ''} ${app.message}`, kept: output.keptHex, malformed: output.malformedHex, begun: output.begun };
  }
}

/** Valid numbers the index knows (some invalid, some unconfirmed) and every spelling a mailing may hold. */
const INVALID = Array.from({ length: 40 }, (_v, i) => `(11) 9${String(20_000_000 + i)}`);
const UNCONFIRMED = Array.from({ length: 40 }, (_v, i) => `(21) 9${String(30_000_000 + i)}`);

function phoneCell(random: () => number, delimiter: string, withDdd: boolean): string {
  const n = Math.floor(random() * 40);
  const pick = Math.floor(random() * 24);
  if (withDdd && pick < 8) return random() < 0.5 ? `9${String(40_000_000 + n)}` : `3${String(2_000_000 + n)}`;
  switch (pick) {
    case 0:
      return INVALID[n] as string;
    case 1:
      return UNCONFIRMED[n] as string;
    case 2:
      return `+55 11 9${String(50_000_000 + n)}`;
    case 3:
      return `011 9${String(50_000_000 + n)}`;
    case 4:
      return `(11) 8${String(1_000_000 + n)}`; // a legacy mobile without its ninth digit
    case 5:
      return '';
    case 6:
      return '   ';
    case 7:
      return '-';
    case 8:
      return '(20) 91234-5678'; // no such DDD
    case 9:
      return '12345';
    case 10:
      return `"11 9${String(60_000_000 + n)}"`; // quoted
    case 11:
      return `"11 ""9${String(60_000_000 + n)}"""`; // escaped quotes inside
    case 12:
      return `"11 9${String(60_000_000 + n)}"x`; // text after the closing quote
    case 13:
      return `11\u20139${String(70_000_000 + n)}`; // an en dash between digits
    case 14:
      return `11\u00a09${String(70_000_000 + n)}`; // a no-break space
    case 15:
      return `0xx11 9${String(70_000_000 + n)}`;
    case 16:
      return `5511${String(970_000_000 + n)}.0`; // a spreadsheet float
    case 17:
      return `1198765432${n % 10}a`;
    case 18:
      return `"11${delimiter}9${String(80_000_000 + n)}"`; // the delimiter inside quotes
    case 19:
      return `"11\n9${String(80_000_000 + n)}"`; // a line break inside quotes
    case 20:
      return ` 11 9${String(90_000_000 + n)} `;
    default:
      return `(31) 9${String(10_000_000 + Math.floor(random() * 1e7))}`.slice(0, 15);
  }
}

function nameCell(random: () => number, delimiter: string): string {
  const pick = Math.floor(random() * 8);
  if (pick === 0) return `"Silva${delimiter} João"`;
  if (pick === 1) return '"Maria ""Mana"" Souza"';
  if (pick === 2) return '"linha\r\nquebrada"';
  if (pick === 3) return 'Conceição';
  if (pick === 4) return 'O"Brien';
  if (pick === 5) return '';
  return `Cliente ${Math.floor(random() * 1000)}`;
}

type Generated = { bytes: Buffer; options: FilterOptions };

function mailing(seed: number, rows: number): Generated {
  const random = prng(seed);
  const delimiter = ([';', ',', '\t', '|'] as const)[Math.floor(random() * 4)] as string;
  const eol = (['\n', '\r\n', '\r'] as const)[Math.floor(random() * 3)] as string;
  const withDdd = random() < 0.25;
  const twoPhones = random() < 0.4;
  const quotedHeader = random() < 0.2;
  const header = ['id', 'nome', ...(withDdd ? ['DDD'] : []), 'telefone', ...(twoPhones ? ['celular'] : [])];
  let text = (random() < 0.1 ? '\n\n' : '') + header.map((name) => (quotedHeader ? `"${name}"` : name)).join(delimiter) + eol;
  for (let r = 0; r < rows; r++) {
    if (random() < 0.03) text += eol; // a blank line
    const cells = [String(r), nameCell(random, delimiter)];
    if (withDdd) cells.push(random() < 0.9 ? '11' : '');
    cells.push(phoneCell(random, delimiter, withDdd));
    if (twoPhones) cells.push(phoneCell(random, delimiter, withDdd));
    // Some rows end early (fewer fields than the header), some carry an extra one.
    const fieldCount = random() < 0.05 ? Math.max(1, cells.length - 1 - Math.floor(random() * 2)) : cells.length;
    let line = cells.slice(0, fieldCount).join(delimiter) + (random() < 0.03 ? `${delimiter}extra` : '');
    // The line ending of a row is now and then another one than the file's.
    const ending = random() < 0.05 ? (['\n', '\r\n', '\r'] as const)[Math.floor(random() * 3)] : eol;
    if (r === rows - 1 && random() < 0.5) line += '';
    else line += ending;
    text += line;
  }
  const charset = random();
  const bytes =
    charset < 0.4
      ? Buffer.from(text, 'utf8')
      : charset < 0.6
        ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
        : Buffer.from(text.replace(/\u2013/g, '\u0096'), 'latin1'); // Windows-1252: the en dash is 0x96
  const options: FilterOptions = {
    hygiene: random() < 0.9,
    ninthDigit: random() < 0.7,
    ...(random() < 0.3 ? { ninthDigitColumn: 'nono_digito' } : {}),
    ...(random() < 0.2 ? { phoneColumns: twoPhones ? ['CELULAR', 'telefone'] : ['Telefone'] } : {}),
    maxRecordBytes: random() < 0.1 ? 40 : 1 << 16,
    sliceMs: 0,
  };
  return { bytes, options };
}

describe('CSV filter on bytes (csvBytes.ts)', () => {
  let statusIndex: StatusIndex;
  beforeAll(() => {
    statusIndex = index();
    mark(statusIndex, INVALID, STATUS.INVALID);
    mark(statusIndex, UNCONFIRMED, STATUS.UNCONFIRMED);
  });

  it('when 400 generated mailings are filtered in pieces of every size, then the byte path answers what the text path answers, byte for byte', async () => {
    let compared = 0;
    let errors = 0;
    let blanked = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { bytes, options } = mailing(seed, 1 + (seed % 120));
      const sizeRandom = prng(seed * 7919);
      const pieceSize = [1, 2, 3, 7, 64, 1000, 1 << 16][seed % 7] as number;
      const sizes = () => (seed % 3 === 0 ? 1 + Math.floor(sizeRandom() * 200) : pieceSize);
      const text = await run(filterCsvText, bytes, sizes, statusIndex, options);
      const replay = prng(seed * 7919);
      const sizesAgain = () => (seed % 3 === 0 ? 1 + Math.floor(replay() * 200) : pieceSize);
      const fromBytes = await run(filterCsv, bytes, sizesAgain, statusIndex, options);
      expect({ seed, ...fromBytes }).toEqual({ seed, ...text });
      compared++;
      if (text.error) errors++;
      if ((text.counts?.invalidPhones ?? 0) > 0 && (text.counts?.keptRows ?? 0) > 0) blanked++;
    }
    expect(compared).toBe(400);
    // The generator reaches the cases that matter: errors (a record past the limit) and rows edited or dropped.
    expect(errors).toBeGreaterThan(10);
    expect(blanked).toBeGreaterThan(100);
  });

  it('when a mailing of 30,000 rows spans many windows and batches, then both paths answer the same kept bytes, malformed rows and counts', async () => {
    for (const seed of [11, 12, 14]) {
      const generated = mailing(seed, 30_000);
      const options = { ...generated.options, maxRecordBytes: 1 << 16 };
      const text = await run(filterCsvText, generated.bytes, () => 1 << 16, statusIndex, options);
      const fromBytes = await run(filterCsv, generated.bytes, () => 1 << 14, statusIndex, options);
      expect(text.error).toBeUndefined();
      expect(fromBytes).toEqual(text);
      expect(text.counts?.totalRows).toBeGreaterThan(29_000);
    }
  });

  it('when a kept row is a plain one, then its bytes go out as they came (a Windows-1252 accent stays one byte, a CRLF mailing keeps its CRLF)', async () => {
    const csv = Buffer.from('id;nome;telefone\r\n1;Conceição;(11) 91234-5678\r\n2;José;(21) 3123-4567\r\n', 'latin1');
    const output = new Recorder();
    const classifier = new PhoneClassifier(pseudonymizer, statusIndex, () => NOW).forTenant('tenant-a');
    const counts = await filterCsv(pieces(csv, () => 5), output, classifier, { hygiene: true, ninthDigit: true });
    expect(counts.keptRows).toBe(2);
    expect(Buffer.concat(output.keptBytes).equals(csv)).toBe(true);
  });
});
