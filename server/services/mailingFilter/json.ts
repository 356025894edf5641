import type { MailingCounts } from '../../../plugin/contract/protocol';
import { AppError } from '../../errors';
import { MAX_CONTACT_DEPTH, nestedDeeperThan, tooDeepLine } from './contactDepth';
import { emptyCounts } from '../mailings';
import { withNinthDigit } from '../../domain/phone';
import { detectPhoneColumns, type PhoneClassifier } from '../phoneClassifier';
import { JSON_REASON_FIELD } from './bestOrder';
import { TimeSlice } from '../../infra/timeSlice';
import { BATCH_ROWS, judgeRow, resolveColumns, type FilterOptions, type MailingOutput } from './rowJudge';

/** A contact read from the body, with the line (NDJSON) or position (JSON array) it came from. */
export type NumberedContact = { contact: unknown; line: number };

const LF = 0x0a;

/**
 * NDJSON: one contact per line, blank lines skipped. A line that is not JSON is INVALID_JSON naming the line; a line
 * longer than `maxLineBytes` is PAYLOAD_TOO_LARGE naming it, found as soon as that many bytes of it arrived.
 *
 * Lines are cut on the bytes: a '\n' byte never occurs inside a UTF-8 sequence, so each line is decoded whole. Only
 * the new chunk is searched and an unfinished line waits as a list of pieces joined once: the former
 * `(rest + chunk).split('\n')` rescanned the whole unfinished line at every chunk (a 20 MB line: 13.8 s of CPU).
 */
export async function* ndjsonContacts(input: AsyncIterable<Buffer>, maxLineBytes = Number.POSITIVE_INFINITY): AsyncGenerator<NumberedContact> {
  let pieces: Buffer[] = [];
  let piecesBytes = 0;
  let line = 0;
  const parse = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AppError('INVALID_JSON', `line ${line}: ${(error as Error).message}`, 'body');
    }
  };
  const tooLong = (lineNumber: number) =>
    new AppError('PAYLOAD_TOO_LARGE', `line ${lineNumber}: the line is longer than the limit of ${maxLineBytes} bytes (MAX_RECORD_BYTES)`, 'body');
  for await (const chunk of input) {
    let start = 0;
    for (let end = chunk.indexOf(LF); end >= 0; end = chunk.indexOf(LF, start)) {
      line++;
      if (piecesBytes + end - start > maxLineBytes) throw tooLong(line);
      let text = pieces.length === 0 ? chunk.toString('utf8', start, end) : Buffer.concat([...pieces, chunk.subarray(start, end)]).toString('utf8');
      if (line === 1) text = withoutBom(text);
      pieces = [];
      piecesBytes = 0;
      start = end + 1;
      if (text.trim()) yield { contact: parse(text), line };
    }
    if (start < chunk.length) {
      pieces.push(chunk.subarray(start));
      piecesBytes += chunk.length - start;
      if (piecesBytes > maxLineBytes) throw tooLong(line + 1);
    }
  }
  line++;
  const rest = line === 1 ? withoutBom(Buffer.concat(pieces).toString('utf8')) : Buffer.concat(pieces).toString('utf8');
  if (rest.trim()) yield { contact: parse(rest), line };
}

/** A JSON array of contacts, or {"contacts": [...]}: parsed whole (bounded by MAX_JSON_BODY_BYTES). */
export async function* jsonArrayContacts(input: AsyncIterable<Buffer>): AsyncGenerator<NumberedContact> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk);
  let parsed: unknown;
  try {
    parsed = JSON.parse(withoutBom(Buffer.concat(chunks).toString('utf8')));
  } catch (error) {
    throw new AppError('INVALID_JSON', `the body is not valid JSON (${(error as Error).message})`, 'body');
  }
  const contacts = Array.isArray(parsed) ? parsed : (parsed as { contacts?: unknown } | null)?.contacts;
  if (!Array.isArray(contacts)) throw new AppError('VALIDATION_FAILED', 'must be an array of contacts or {"contacts": [...]}', 'body');
  let line = 0;
  for (const contact of contacts) yield { contact, line: ++line };
}

/**
 * A UTF-8 byte order mark before the first contact (Windows editors and Excel's "UTF-8 CSV" habit reach NDJSON
 * exports too) is not part of the JSON: JSON.parse refused the whole mailing for it (issue 12).
 */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

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
 * The kept contact with its changed phones: removed ones set to null (a field) or taken out (an array), upgraded ones
 * (a legacy mobile given its ninth digit) written in their own spelling with the 9 in place, a number staying a number.
 * Every other value is the contact's own.
 */
function editedContact(contact: JsonContact, slots: readonly [string, number][], removed: readonly number[], upgraded: readonly number[]): JsonContact {
  const result: JsonContact = { ...contact };
  const copies = new Map<string, unknown[]>();
  const arrayOf = (key: string) => {
    let copy = copies.get(key);
    if (!copy) {
      copy = [...(contact[key] as unknown[])];
      copies.set(key, copy);
    }
    return copy;
  };
  const upgrade = (value: unknown) => (typeof value === 'number' ? Number(withNinthDigit(String(value))) : withNinthDigit(String(value)));
  for (const k of upgraded) {
    const [key, position] = slots[k] as [string, number];
    if (position < 0) result[key] = upgrade(contact[key]);
    else arrayOf(key)[position] = upgrade((contact[key] as unknown[])[position]);
  }
  const REMOVED = Symbol('removed');
  for (const k of removed) {
    const [key, position] = slots[k] as [string, number];
    if (position < 0) result[key] = null;
    else arrayOf(key)[position] = REMOVED;
  }
  for (const [key, values] of copies) result[key] = values.filter((value) => value !== REMOVED);
  return result;
}

/**
 * Filters JSON contacts (an array, or NDJSON one per line). Output is NDJSON: {"kept": contact} with invalid phones
 * removed (set to null, or taken out of a phone array), {"malformed": contact, "reasons": [...]}, and the caller
 * appends {"summary": ...}.
 */
export async function filterJsonContacts(contacts: AsyncIterable<NumberedContact>, output: MailingOutput, classifier: PhoneClassifier, options: FilterOptions): Promise<MailingCounts> {
  const counts = emptyCounts();
  let started = false;
  const slice = new TimeSlice(options.sliceMs);
  let pending: NumberedContact[] = [];
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
    const ninthDigitMarks = options.ninthDigit ? new Uint8Array(phones.length) : undefined;
    const verdicts = classifier.classify(phones, undefined, ninthDigitMarks);
    let out = '';
    let first = 0;
    // order=best (bestOrder.ts): kept lines wait as objects, marked in `out` by \u0000<n>\u0000 (JSON.stringify never
    // writes a raw NUL), until the batch's phones are reordered and their reasons known.
    const toOrder: { line: Record<string, unknown>; contact: JsonContact; phoneKeys: readonly string[] }[] | undefined = options.order ? [] : undefined;
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
      const verdict = judgeRow(entry.cells, entry.names, verdicts, first, counts, ninthDigitMarks);
      first += entry.cells.length;
      const contact = entry.item.contact as JsonContact;
      if (verdict.kind === 'kept') {
        const result = verdict.removed.length > 0 || verdict.upgraded.length > 0 ? editedContact(contact, entry.slots, verdict.removed, verdict.upgraded) : contact;
        // The phones given their ninth digit are named beside the contact, never inside it (the contact is the caller's).
        const upgraded = verdict.upgraded.map((k) => entry.names[k] as string);
        const keptLine = upgraded.length > 0 ? { kept: result, ninthDigitAdded: upgraded } : { kept: result };
        if (toOrder) {
          out += `\u0000${toOrder.length}\u0000`;
          toOrder.push({ line: keptLine, contact: result, phoneKeys: phoneKeysOf(contact) });
        } else out += JSON.stringify(keptLine) + '\n';
      } else if (verdict.kind === 'malformed') {
        out += JSON.stringify({ malformed: contact, reasons: verdict.reasons }) + '\n';
      }
    }
    if (toOrder && toOrder.length > 0) {
      const reasons = await options.order!.orderContacts(toOrder, counts);
      // Split on the NULs: the odd pieces are the markers' numbers.
      const pieces = out.split('\u0000');
      for (let i = 1; i < pieces.length; i += 2) {
        const n = Number(pieces[i]);
        pieces[i] = JSON.stringify({ ...toOrder[n]!.line, [JSON_REASON_FIELD]: reasons[n] }) + '\n';
      }
      out = pieces.join('');
    }
    if (out) await output.kept(out);
    options.onProgress?.(counts);
    await slice.turn();
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
