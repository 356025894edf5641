import type { MailingCounts, MalformedReason } from '../../../plugin/contract/protocol';
import { parsePhone, phoneErrorCodeOf } from '../../domain/phone';
import { STATUS } from '../../domain/trust';
import { SUPPRESSED_VERDICT } from '../../domain/suppression';
import { AppError } from '../../errors';
import { detectPhoneColumns } from '../phoneClassifier';
import type { PhoneOrderer } from './bestOrder';

/**
 * The row judge, shared by the CSV and the JSON filters: what one contact's phone verdicts (from
 * PhoneClassifier: a STATUS, or a negative PhoneError code) make of the contact, and how they count.
 */

/** Where filtered rows go. `begin` is called once the input's header is accepted, before any row. */
export interface MailingOutput {
  begin(): Promise<void>;
  /** Text, or the exact bytes to send (a CSV filter writes in the mailing's own encoding). */
  kept(text: string | Buffer): Promise<void>;
  malformed(text: string | Buffer): Promise<void>;
}

export type FilterOptions = {
  hygiene: boolean;
  /**
   * Legacy 8-digit mobiles (DDD + 6-9 + 7 digits) go out with the ninth digit added, flagged and counted
   * (the campaign's switch, on by default); false sets them apart as MOBILE_MISSING_NINTH_DIGIT.
   */
  ninthDigit?: boolean;
  /** CSV: the name of an extra last column naming, per kept row, the phone columns that were given their ninth digit. */
  ninthDigitColumn?: string;
  /** Longest CSV record or NDJSON line, in bytes (MAX_RECORD_BYTES); longer ones are refused naming their line. */
  maxRecordBytes?: number;
  /** Phone columns (CSV header names or JSON keys); detected from their names when absent. */
  phoneColumns?: readonly string[];
  onProgress?: (counts: MailingCounts) => void;
  /** order=best: kept contacts' phones reordered, with reasons (bestOrder.ts); set by MailingService. */
  order?: PhoneOrderer;
  /** Filtering work between two turns of the event loop (infra/timeSlice.ts); 4 ms by default, 0 gives a turn per batch. */
  sliceMs?: number;
};

/** Rows per classifier call: large enough to amortize the batch cipher call, small enough to stream. */
export const BATCH_ROWS = 4096;

const NO_PHONE: MalformedReason = { column: '*', code: 'NO_PHONE', message: 'no phone in any phone column' };

function reasonFor(column: string, verdict: number, cell: string): MalformedReason {
  const parsed = parsePhone(cell);
  return { column, code: phoneErrorCodeOf(verdict), message: parsed.ok ? 'not a valid Brazilian number' : parsed.message };
}

export const describeReasons = (reasons: readonly MalformedReason[]) => reasons.map((reason) => `${reason.column}: ${reason.code} (${reason.message})`).join('; ');

/**
 * Phone columns per contact. Real mailings have one to a handful; a header of 100k phone-named columns made every
 * row carry 100k cells through the classifier (and the column selection was quadratic), freezing the instance.
 */
export const MAX_PHONE_COLUMNS = 64;

/**
 * Columns of a CSV header. Mailings carry tens, exports from a CRM a few hundred; classifying the names of a
 * 100k-column header held the event loop ~70 ms at a time (npm run bench:hardening), so a header past this is
 * refused before any name is looked at.
 */
export const MAX_COLUMNS = 5_000;

/** The first names of a header, for an error message: a 100k-column header must not become a 1 MB message. */
const someNames = (names: readonly string[]) => (names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, … (${names.length} columns)`);

/** The indexes of the phone columns: the ones named (any case), or those detected from the names. */
export function resolveColumns(available: readonly string[], requested: readonly string[] | undefined, field: string): number[] {
  let columns: number[];
  if (requested && requested.length > 0) {
    if (requested.length > MAX_PHONE_COLUMNS) {
      throw new AppError('VALIDATION_FAILED', `at most ${MAX_PHONE_COLUMNS} phone columns (got ${requested.length})`, field);
    }
    // First occurrence of each name, as indexOf found it, in one pass over the header.
    const indexOfName = new Map<string, number>();
    available.forEach((name, index) => {
      const key = name.trim().toLowerCase();
      if (!indexOfName.has(key)) indexOfName.set(key, index);
    });
    columns = requested.map((name) => {
      const index = indexOfName.get(name.trim().toLowerCase());
      if (index === undefined) throw new AppError('VALIDATION_FAILED', `column "${name}" is not in the mailing (columns: ${someNames(available)})`, field);
      return index;
    });
  } else {
    columns = detectPhoneColumns(available);
    if (columns.length === 0) {
      throw new AppError('VALIDATION_FAILED', `no phone column found among ${someNames(available) || '(none)'}; name them with phoneColumns`, field);
    }
  }
  if (columns.length > MAX_PHONE_COLUMNS) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${columns.length} columns look like phone columns, more than the limit of ${MAX_PHONE_COLUMNS}; name the real ones with phoneColumns`,
      field,
    );
  }
  return columns;
}

/** `removed`: cells to empty; `upgraded`: kept cells to rewrite with their ninth digit (a kept row only). */
export type RowVerdict = { kind: 'kept' | 'dropped' | 'malformed'; removed: number[]; upgraded: number[]; reasons: MalformedReason[] };

const NONE: number[] = [];

/**
 * Applies the verdicts of one row's phone cells (`verdicts[first + k]` for cell k): invalid ones are removed, the
 * contact is dropped only when no phone is left, a malformed cell sets the whole row apart with its reasons (the
 * operator fixes and resubmits). Counts the row and its phones into `counts`. `ninthDigitAdded[first + k]` (from the
 * classifier) marks a cell read with its ninth digit added: a kept row goes out with it rewritten, counted.
 */
export function judgeRow(cells: readonly string[], columns: readonly string[], verdicts: Int8Array, first: number, counts: MailingCounts, ninthDigitAdded?: Uint8Array): RowVerdict {
  const removed: number[] = [];
  let upgraded = NONE;
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
    } else if (verdict === STATUS.INVALID) {
      counts.invalidPhones++;
      removed.push(k);
    } else if (verdict === SUPPRESSED_VERDICT) {
      // Compliance, not hygiene: removed like an invalid phone, counted apart ("suprimidos", domain/suppression.ts).
      counts.suppressedPhones++;
      removed.push(k);
    } else {
      if (verdict === STATUS.UNCONFIRMED) counts.unconfirmedPhones++;
      if (ninthDigitAdded?.[first + k] === 1) upgraded = upgraded === NONE ? [k] : [...upgraded, k];
    }
  }
  counts.hygienized = counts.invalidPhones + counts.unconfirmedPhones;
  if (present === 0) reasons.push(NO_PHONE);
  if (reasons.length > 0) {
    counts.malformedRows++;
    return { kind: 'malformed', removed, upgraded: NONE, reasons };
  }
  if (removed.length === present) {
    counts.droppedRows++;
    return { kind: 'dropped', removed, upgraded: NONE, reasons };
  }
  counts.keptRows++;
  counts.ninthDigitAdded += upgraded.length;
  return { kind: 'kept', removed, upgraded, reasons };
}

/** plainRowPhones' second answer: how many of the row's phones are unconfirmed. */
export const plainRow = { unconfirmed: 0 };

/**
 * The fast path of judging a row, most rows: when every phone present (cells [first, first + width) not marked in
 * `blank`) is clean or unconfirmed and none was read with its ninth digit added, the row goes out as it came in.
 * Answers its phone count (plainRow.unconfirmed of them unconfirmed) for the caller to count as judgeRow would, without
 * its per-row allocations; -1 when the row must go through judgeRow (0 when it has no phone: judgeRow, too).
 */
export function plainRowPhones(verdicts: Int8Array, blank: Uint8Array, ninthDigitAdded: Uint8Array | undefined, first: number, width: number): number {
  let phones = 0;
  let unconfirmed = 0;
  for (let cell = first; cell < first + width; cell++) {
    if (blank[cell] === 1) continue;
    phones++;
    const verdict = verdicts[cell] as number;
    if (verdict === STATUS.UNCONFIRMED) unconfirmed++;
    else if (verdict !== STATUS.CLEAN) return -1;
    if (ninthDigitAdded !== undefined && ninthDigitAdded[cell] === 1) return -1;
  }
  plainRow.unconfirmed = unconfirmed;
  return phones;
}
