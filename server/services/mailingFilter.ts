import type { MailingCounts, MalformedReason } from '../../plugin/src/shared/protocol';
import { CsvReader, CsvSyntaxError, formatCsvField, formatCsvRow, parseCsvRecord, type CsvColumns, type CsvRow } from '../../plugin/src/shared/csv';
import { parsePhone, phoneErrorCodeOf } from '../domain/phone';
import { AppError } from '../errors';
import { MAX_CONTACT_DEPTH, nestedDeeperThan, tooDeepLine } from './contactDepth';
import { emptyCounts } from './mailings';
import { detectDddColumn, detectPhoneColumns, type PhoneClassifier } from './phoneClassifier';

/** Where filtered rows go. `begin` is called once the input's header is accepted, before any row. */
export interface MailingOutput {
  begin(): Promise<void>;
  kept(text: string): Promise<void>;
  malformed(text: string): Promise<void>;
}

export type FilterOptions = {
  hygiene: boolean;
  /** Phone columns (CSV header names or JSON keys); detected from their names when absent. */
  phoneColumns?: readonly string[];
  onProgress?: (counts: MailingCounts) => void;
};

const BATCH_ROWS = 4096;
const INVALID = 2;
const UNCONFIRMED = 1;
const NO_PHONE: MalformedReason = { column: '*', code: 'NO_PHONE', message: 'no phone in any phone column' };

function reasonFor(column: string, verdict: number, cell: string): MalformedReason {
  const parsed = parsePhone(cell);
  return { column, code: phoneErrorCodeOf(verdict), message: parsed.ok ? 'not a valid Brazilian number' : parsed.message };
}

function resolveColumns(available: readonly string[], requested: readonly string[] | undefined, field: string): number[] {
  if (requested && requested.length > 0) {
    const lower = available.map((name) => name.trim().toLowerCase());
    return requested.map((name) => {
      const index = lower.indexOf(name.trim().toLowerCase());
      if (index < 0) throw new AppError('VALIDATION_FAILED', `column "${name}" is not in the mailing (columns: ${available.join(', ')})`, field);
      return index;
    });
  }
  const detected = detectPhoneColumns(available);
  if (detected.length === 0) {
    throw new AppError('VALIDATION_FAILED', `no phone column found among ${available.join(', ') || '(none)'}; name them with phoneColumns`, field);
  }
  return detected;
}

/**
 * Applies the verdicts of one row's phone cells: invalid ones are removed, the contact is dropped only when no
 * phone is left, a malformed cell sets the whole row apart with its reasons (the operator fixes and resubmits).
 */
type RowVerdict = { kind: 'kept' | 'dropped' | 'malformed'; removed: number[]; reasons: MalformedReason[] };

function judgeRow(cells: readonly string[], columns: readonly string[], verdicts: Int8Array, first: number, counts: MailingCounts): RowVerdict {
  const removed: number[] = [];
  const reasons: MalformedReason[] = [];
  let present = 0;
  for (let k = 0; k < cells.length; k++) {
    const cell = cells[k] as string;
    if (cell === '') continue;
    present++;
    counts.phonesTotal++;
    const verdict = verdicts[first + k] as number;
    if (verdict < 0) {
      counts.malformedPhones++;
      reasons.push(reasonFor(columns[k] as string, verdict, cell));
    } else if (verdict === INVALID) {
      counts.invalidPhones++;
      removed.push(k);
    } else if (verdict === UNCONFIRMED) {
      counts.unconfirmedPhones++;
    }
  }
  counts.hygienized = counts.invalidPhones + counts.unconfirmedPhones;
  if (present === 0) reasons.push(NO_PHONE);
  if (reasons.length > 0) {
    counts.malformedRows++;
    return { kind: 'malformed', removed, reasons };
  }
  if (removed.length === present) {
    counts.droppedRows++;
    return { kind: 'dropped', removed, reasons };
  }
  counts.keptRows++;
  return { kind: 'kept', removed, reasons };
}

const describeReasons = (reasons: readonly MalformedReason[]) => reasons.map((r) => `${r.column}: ${r.code} (${r.message})`).join('; ');

/** Filters a CSV mailing (bytes read as latin1, so every byte goes back out as it came in). */
export async function filterCsv(input: AsyncIterable<Buffer | string>, output: MailingOutput, classifier: PhoneClassifier, options: FilterOptions): Promise<MailingCounts> {
  const counts = emptyCounts();
  const reader = new CsvReader();
  let header: CsvRow | undefined;
  let phoneIndexes: number[] = [];
  let phoneNames: string[] = [];
  let dddIndex = -1;
  /** Values per row in the reader's column-selective mode: the phone cells, then the DDD cell if any. */
  let stride = 0;
  let malformedHeaderWritten = false;
  // Rows waiting for a batch, as parallel arrays (CsvReader's column-selective mode): only the phone and DDD
  // cells are materialized; a row whose fields are all needed (an invalid phone to blank) is parsed again.
  let pending: CsvColumns = { raws: [], lines: [], values: [] };
  let headerText = '';
  let begun = false;
  // The answer (a 200) starts only with the first batch: a syntax error or an oversized body found while the
  // first BATCH_ROWS rows are read (all of most mailings) is still a plain 4xx instead of an error in a summary.
  const begin = async () => {
    if (begun) return;
    begun = true;
    await output.begin();
    await output.kept(headerText);
  };

  const flush = async (batch: CsvColumns) => {
    if (batch.raws.length === 0 || !header) return;
    await begin();
    const { raws, lines, values } = batch;
    const rowCount = raws.length;
    const eol = reader.lineEnding;
    const delimiter = reader.delimiter ?? ',';
    counts.totalRows += rowCount;
    if (!options.hygiene) {
      counts.keptRows += rowCount;
      await output.kept(raws.join(eol) + eol);
      return;
    }
    // Every row holds exactly `width` phone cells, so row r's cells are phones[r * width, (r + 1) * width).
    const width = phoneIndexes.length;
    const cellCount = rowCount * width;
    let phones: string[];
    let ddds: string[] | undefined;
    if (dddIndex < 0) {
      // values has the same layout as phones: trim in place (trim() returns the same string when there is nothing to trim).
      for (let cell = 0; cell < cellCount; cell++) values[cell] = (values[cell] as string).trim();
      phones = values;
    } else {
      phones = new Array<string>(cellCount);
      ddds = new Array<string>(cellCount);
      for (let r = 0, cell = 0; r < rowCount; r++) {
        const base = r * stride;
        const ddd = (values[base + width] as string).trim();
        for (let k = 0; k < width; k++, cell++) {
          phones[cell] = (values[base + k] as string).trim();
          ddds[cell] = ddd;
        }
      }
    }
    // Read before any await below: the next batch's call reuses the buffer.
    const verdicts = classifier.classifyShared(phones, ddds);
    // Kept rows are compacted in place in `raws` (a rewritten row's new text replaces its raw text) and go out with
    // one join.
    let keptCount = 0;
    let malformed = '';
    // Counts of the fast-path rows, added once at the end (judgeRow counts the others itself).
    let present = 0;
    let unconfirmed = 0;
    let plainKept = 0;
    for (let r = 0; r < rowCount; r++) {
      const first = r * width;
      // Fast path, most rows: every phone present is clean or unconfirmed, so the row goes out as it came in.
      // Counts exactly as judgeRow would for such a row, without its per-row allocations.
      let rowPresent = 0;
      let rowUnconfirmed = 0;
      let plain = true;
      for (let cell = first; cell < first + width; cell++) {
        if (phones[cell] === '') continue;
        rowPresent++;
        const verdict = verdicts[cell] as number;
        if (verdict === UNCONFIRMED) rowUnconfirmed++;
        else if (verdict !== 0) {
          plain = false;
          break;
        }
      }
      const raw = raws[r] as string;
      if (plain && rowPresent > 0) {
        present += rowPresent;
        unconfirmed += rowUnconfirmed;
        plainKept++;
        if (keptCount !== r) raws[keptCount] = raw;
        keptCount++;
        continue;
      }
      const verdict = judgeRow(phones.slice(first, first + width), phoneNames, verdicts, first, counts);
      if (verdict.kind === 'kept') {
        if (verdict.removed.length === 0) {
          raws[keptCount++] = raw;
        } else {
          const fields = parseCsvRecord(raw, delimiter);
          for (const k of verdict.removed) fields[phoneIndexes[k] as number] = '';
          raws[keptCount++] = formatCsvRow(fields, delimiter);
        }
      } else if (verdict.kind === 'malformed') {
        if (!malformedHeaderWritten) {
          malformed += header.raw + delimiter + 'hygiene_error' + eol;
          malformedHeaderWritten = true;
        }
        malformed += raw + delimiter + formatCsvField(`linha ${lines[r] as number}: ${describeReasons(verdict.reasons)}`, delimiter) + eol;
      }
    }
    counts.phonesTotal += present;
    counts.unconfirmedPhones += unconfirmed;
    counts.keptRows += plainKept;
    counts.hygienized = counts.invalidPhones + counts.unconfirmedPhones;
    if (keptCount > 0) {
      raws.length = keptCount;
      await output.kept(raws.join(eol) + eol);
    }
    if (malformed) await output.malformed(malformed);
    options.onProgress?.(counts);
  };

  // Rows parsed in full (those after the header, in the header's chunk) join the pending arrays, where the reader
  // then appends the rows it reads in column-selective mode.
  const take = (rows: CsvRow[]) => {
    for (const row of rows) {
      if (!header) {
        header = row;
        phoneIndexes = resolveColumns(row.fields, options.phoneColumns, 'phoneColumns');
        phoneNames = phoneIndexes.map((index) => row.fields[index] as string);
        dddIndex = detectDddColumn(row.fields);
        headerText = row.raw + reader.lineEnding;
        const selected = dddIndex >= 0 ? [...phoneIndexes, dddIndex] : phoneIndexes;
        stride = selected.length;
        reader.selectColumns(selected);
        reader.takeColumns(pending);
        continue;
      }
      pending.raws.push(row.raw);
      pending.lines.push(row.line);
      for (let k = 0; k < stride; k++) {
        const index = k < phoneIndexes.length ? (phoneIndexes[k] as number) : dddIndex;
        pending.values.push(row.fields[index] ?? '');
      }
    }
  };

  // Whole batches of BATCH_ROWS rows; the rest stays pending (and the reader keeps appending to it).
  const flushFull = async () => {
    while (pending.raws.length >= BATCH_ROWS) {
      const batch = pending;
      pending =
        batch.raws.length === BATCH_ROWS
          ? { raws: [], lines: [], values: [] }
          : { raws: batch.raws.slice(BATCH_ROWS), lines: batch.lines.slice(BATCH_ROWS), values: batch.values.slice(BATCH_ROWS * stride) };
      batch.raws.length = BATCH_ROWS;
      batch.lines.length = BATCH_ROWS;
      batch.values.length = BATCH_ROWS * stride;
      reader.takeColumns(pending);
      await flush(batch);
    }
  };

  try {
    for await (const chunk of input) {
      take(reader.push(typeof chunk === 'string' ? chunk : chunk.toString('latin1')));
      await flushFull();
    }
    take(reader.end());
    await flushFull();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new AppError('INVALID_CSV', `line ${error.line}: ${error.message}`, 'body');
    throw error;
  }
  if (!header) throw new AppError('INVALID_CSV', 'the mailing is empty: a header line is required', 'body');
  reader.takeColumns();
  await flush(pending);
  await begin();
  return counts;
}

type JsonContact = Record<string, unknown>;

/** Phone cells of a JSON contact: a string/number field, or an array of them ("phones": [...]). */
function contactPhones(contact: JsonContact, keys: readonly string[]): { cells: string[]; names: string[]; slots: [string, number][] } {
  const cells: string[] = [];
  const names: string[] = [];
  const slots: [string, number][] = [];
  for (const key of keys) {
    const value = contact[key];
    const values = Array.isArray(value) ? value : [value];
    values.forEach((item, position) => {
      cells.push(item === undefined || item === null ? '' : String(item).trim());
      names.push(Array.isArray(value) ? `${key}[${position}]` : key);
      slots.push([key, Array.isArray(value) ? position : -1]);
    });
  }
  return { cells, names, slots };
}

/**
 * Filters JSON contacts (an array, or NDJSON one per line). Output is NDJSON: {"kept": contact} with invalid phones
 * removed (set to null, or taken out of a phone array), {"malformed": contact, "reasons": [...]}, and the caller
 * appends {"summary": ...}.
 */
export async function filterJsonContacts(contacts: AsyncIterable<{ contact: unknown; line: number }>, output: MailingOutput, classifier: PhoneClassifier, options: FilterOptions): Promise<MailingCounts> {
  const counts = emptyCounts();
  let started = false;
  let pending: { contact: unknown; line: number }[] = [];
  // JSON contacts need not share their keys: named columns apply to all, detected ones per key set.
  const detectedKeys = new Map<string, string[]>();
  const phoneKeysOf = (contact: JsonContact): readonly string[] => {
    if (options.phoneColumns && options.phoneColumns.length > 0) return options.phoneColumns;
    const keys = Object.keys(contact);
    const signature = keys.join('\u0000');
    let found = detectedKeys.get(signature);
    if (!found) {
      found = detectPhoneColumns(keys).map((index) => keys[index] as string);
      if (detectedKeys.size < 1000) detectedKeys.set(signature, found);
    }
    return found;
  };

  let begun = false;
  const flush = async () => {
    // As for CSV: the 200 starts with the first batch, so a bad NDJSON line among the first ones is a plain 4xx.
    if (!begun) {
      begun = true;
      await output.begin();
    }
    const items = pending;
    pending = [];
    counts.totalRows += items.length;
    if (!options.hygiene) {
      let passed = '';
      for (const item of items) {
        if (nestedDeeperThan(item.contact, MAX_CONTACT_DEPTH)) {
          counts.malformedRows++;
          passed += tooDeepLine(item.line);
        } else {
          counts.keptRows++;
          passed += JSON.stringify({ kept: item.contact }) + '\n';
        }
      }
      await output.kept(passed);
      return;
    }
    // Too deep is sorted out first: nothing below may recurse into such a contact.
    const prepared = items.map((item) => {
      const tooDeep = nestedDeeperThan(item.contact, MAX_CONTACT_DEPTH);
      const isObject = !tooDeep && typeof item.contact === 'object' && item.contact !== null && !Array.isArray(item.contact);
      return { item, tooDeep, isObject, ...(isObject ? contactPhones(item.contact as JsonContact, phoneKeysOf(item.contact as JsonContact)) : { cells: [], names: [], slots: [] }) };
    });
    const phones = prepared.flatMap((entry) => entry.cells);
    const verdicts = classifier.classify(phones);
    let out = '';
    let first = 0;
    for (const entry of prepared) {
      if (entry.tooDeep) {
        counts.malformedRows++;
        out += tooDeepLine(entry.item.line);
        continue;
      }
      if (!entry.isObject) {
        counts.malformedRows++;
        const reason = { column: '*', code: 'NOT_AN_OBJECT', message: `line ${entry.item.line}: a contact must be a JSON object` };
        out += JSON.stringify({ malformed: entry.item.contact, reasons: [reason] }) + '\n';
        continue;
      }
      const verdict = judgeRow(entry.cells, entry.names, verdicts, first, counts);
      first += entry.cells.length;
      const contact = entry.item.contact as JsonContact;
      if (verdict.kind === 'kept') {
        let result = contact;
        if (verdict.removed.length > 0) {
          result = { ...contact };
          const dropFromArrays = new Map<string, Set<number>>();
          for (const k of verdict.removed) {
            const [key, position] = entry.slots[k] as [string, number];
            if (position < 0) result[key] = null;
            else dropFromArrays.set(key, (dropFromArrays.get(key) ?? new Set()).add(position));
          }
          for (const [key, positions] of dropFromArrays) result[key] = (contact[key] as unknown[]).filter((_v, i) => !positions.has(i));
        }
        out += JSON.stringify({ kept: result }) + '\n';
      } else if (verdict.kind === 'malformed') {
        out += JSON.stringify({ malformed: contact, reasons: verdict.reasons }) + '\n';
      }
    }
    if (out) await output.kept(out);
    options.onProgress?.(counts);
  };

  for await (const item of contacts) {
    if (!started) {
      // The first contact tells whether the phones can be found at all: a 400 now beats a mailing of errors.
      const sample = typeof item.contact === 'object' && item.contact !== null && !Array.isArray(item.contact) ? Object.keys(item.contact) : [];
      if (!options.phoneColumns?.length) resolveColumns(sample, undefined, 'phoneColumns');
      started = true;
    }
    pending.push(item);
    if (pending.length >= BATCH_ROWS) await flush();
  }
  if (!started) throw new AppError('VALIDATION_FAILED', 'the mailing has no contacts', 'body');
  await flush();
  return counts;
}
