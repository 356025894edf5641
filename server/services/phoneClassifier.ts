import { PhoneError, parsePhoneFast } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import type { StatusReader } from './statusIndex';
import { STATUS } from '../domain/trust';
import { SUPPRESSED_VERDICT, type SuppressionMatcher } from '../domain/suppression';

/**
 * classifyInto's scratch, one per thread: it is used only between its first and last line (no await in between),
 * and a classifier is made per check and per mailing, so 48 KiB of arrays each would be garbage for every check.
 */
let digits = new Float64Array(4096);
let positions = new Int32Array(4096);

/**
 * Verdicts for a batch of phone cells, the hot path of filtering: fast parse, one cipher call for the batch,
 * and in-memory status lookups. verdicts[i] is the number's status (0 clean, 1 unconfirmed, 2 invalid) or the
 * negated PhoneError code when the cell is not a valid Brazilian number.
 */
export class PhoneClassifier {
  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly statusIndex: StatusReader,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** classifyShared's answer, grown on first use (most classifiers never use it). */
  private shared = new Int8Array(0);

  /**
   * The same classifier as one tenant sees the pool: its own views (own 10 tabulations, own contact, contest;
   * see statusFor in domain/trust.ts) take precedence over the pool's status.
   */
  forTenant(tenantId: string): PhoneClassifier {
    const scoped = new PhoneClassifier(this.pseudonymizer, this.statusIndex, this.clock);
    scoped.viewer = this.pseudonymizer.source(tenantId);
    return scoped;
  }

  private viewer: bigint | undefined;
  /** The suppression lists of the mailing this (per-mailing) classifier serves, if any apply. */
  private suppression: SuppressionMatcher | undefined;
  /** False when only suppression applies (campaign hygiene off): no status lookups, malformed cells pass as clean. */
  private hygieneVerdicts = true;

  /**
   * Makes this per-mailing classifier (from forTenant) also give SUPPRESSED_VERDICT to numbers its suppression
   * lists hold (services/suppression.ts). With `hygiene` false it gives nothing else: a mailing of a campaign with
   * hygiene off keeps its rows as they came (malformed ones too) except the suppressed phones.
   */
  suppressWith(matcher: SuppressionMatcher, hygiene: boolean): this {
    this.suppression = matcher;
    this.hygieneVerdicts = hygiene;
    return this;
  }

  /**
   * `ninthDigitAdded`: when given (at least phones.length long), a mobile written before the ninth digit is read with
   * the 9 added (domain/phone.ts) and marked 1 there, every other cell 0; when absent it is MOBILE_MISSING_NINTH_DIGIT.
   */
  classify(phones: readonly string[], ddds?: readonly string[], ninthDigitAdded?: Uint8Array): Int8Array {
    return this.classifyInto(new Int8Array(phones.length), phones, ddds, ninthDigitAdded);
  }

  /**
   * As classify, without allocating: the answer is a view of a buffer that the next call overwrites, so it must be
   * read before any await (the mailing filter's batches).
   */
  classifyShared(phones: readonly string[], ddds?: readonly string[], ninthDigitAdded?: Uint8Array): Int8Array {
    const count = phones.length;
    if (this.shared.length < count) this.shared = new Int8Array(count);
    return this.classifyInto(count === this.shared.length ? this.shared : this.shared.subarray(0, count), phones, ddds, ninthDigitAdded);
  }

  /**
   * As classifyShared, for cells already parsed (parsePhoneCell, or the CSV filter's byte parser): parsed[i] is the
   * number's digits or a negated PhoneError. The answer is the same shared buffer, valid until the next call.
   */
  classifyParsedShared(parsed: Float64Array, count: number): Int8Array {
    if (this.shared.length < count) this.shared = new Int8Array(count);
    const verdicts = count === this.shared.length ? this.shared : this.shared.subarray(0, count);
    ensureScratch(count);
    let valid = 0;
    for (let i = 0; i < count; i++) {
      const value = parsed[i] as number;
      if (value < 0) {
        verdicts[i] = this.hygieneVerdicts ? value : STATUS.CLEAN;
      } else {
        digits[valid] = value;
        positions[valid++] = i;
      }
    }
    return this.lookUp(verdicts, valid);
  }

  /** Every verdicts[i] is written (a parse error or a status), so a reused buffer needs no clearing. */
  private classifyInto(verdicts: Int8Array, phones: readonly string[], ddds: readonly string[] | undefined, ninthDigitAdded: Uint8Array | undefined): Int8Array {
    const count = phones.length;
    ensureScratch(count);
    let valid = 0;
    for (let i = 0; i < count; i++) {
      const parsed = parsePhoneCell(phones[i] as string, ddds?.[i], ninthDigitAdded, i);
      if (parsed < 0) {
        verdicts[i] = this.hygieneVerdicts ? parsed : STATUS.CLEAN;
      } else {
        digits[valid] = parsed;
        positions[valid++] = i;
      }
    }
    return this.lookUp(verdicts, valid);
  }

  /** The statuses of the `valid` numbers gathered in digits/positions, into their verdicts. */
  private lookUp(verdicts: Int8Array, valid: number): Int8Array {
    if (valid > 0) {
      const batch = this.pseudonymizer.phones(digits, valid);
      this.statusIndex.beginBatch();
      const week = Math.floor(this.clock().getTime() / WEEK_MS);
      const viewer = this.viewer !== undefined && this.statusIndex.hasOverrides(this.viewer) ? this.viewer : undefined;
      for (let j = 0; j < valid && !this.hygieneVerdicts; j++) verdicts[positions[j] as number] = STATUS.CLEAN;
      for (let j = 0; j < valid && this.hygieneVerdicts; j++) {
        let status = this.statusIndex.statusAt(batch, j);
        if (viewer !== undefined) {
          const own = this.statusIndex.overrideAt(viewer, batch, j);
          if (own >= 0) status = own;
        }
        verdicts[positions[j] as number] = status === STATUS.PROBATION ? probationVerdict(batch.lo(j), week) : status;
      }
      if (this.suppression) {
        const kinds = this.suppression.match(digits, valid, batch);
        for (let j = 0; j < valid; j++) if (kinds[j] !== 0) verdicts[positions[j] as number] = SUPPRESSED_VERDICT;
      }
    }
    return verdicts;
  }
}

function ensureScratch(count: number): void {
  if (digits.length >= count) return;
  digits = new Float64Array(count);
  positions = new Int32Array(count);
}

/**
 * One phone cell's digits (parsePhoneFast), or its negated PhoneError: a cell too short for a number is read again
 * after the row's DDD (Brazilian mailings often keep the DDD in a column of its own). With `ninthDigitAdded`, a
 * mobile written before the ninth digit is read with the 9 added and marked 1 at [index] (every other cell 0);
 * without it, it is MOBILE_MISSING_NINTH_DIGIT.
 */
export function parsePhoneCell(cell: string, ddd: string | undefined, ninthDigitAdded: Uint8Array | undefined, index: number): number {
  let input = cell;
  let parsed = parsePhoneFast(input);
  if (parsed === -PhoneError.TOO_SHORT && ddd) {
    input = ddd + input;
    parsed = parsePhoneFast(input);
  }
  if (ninthDigitAdded) {
    // Parsed again only for the rare legacy mobile, so the common cell pays nothing for the upgrade.
    const legacy = parsed === -PhoneError.MOBILE_MISSING_NINTH_DIGIT;
    if (legacy) parsed = parsePhoneFast(input, true);
    ninthDigitAdded[index] = legacy ? 1 : 0;
  }
  return parsed;
}

const WEEK_MS = 7 * 86_400_000;
/** A number on probation is let through one week in PROBATION_OPEN_WEEKS, a different week for each number. */
const PROBATION_OPEN_WEEKS = 4;

/**
 * Probation (server/domain/trust.ts): a number back from its quarantine is dialed a little, not by everybody at
 * once: in its open weeks it is kept (counted as unconfirmed), in the others removed (counted as invalid).
 */
export function probationVerdict(pseudonymLo: number, week: number): number {
  const mixed = Math.imul(pseudonymLo ^ Math.imul(week, 0x9e3779b1), 0x85ebca6b) >>> 0;
  return mixed % PROBATION_OPEN_WEEKS === 0 ? STATUS.UNCONFIRMED : STATUS.INVALID;
}

const PHONE_COLUMN_PREFIXES = ['telefone', 'tel', 'fone', 'celular', 'cel', 'phone', 'mobile', 'whatsapp', 'tlf'];

const normalizeColumnName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Columns that hold phones when the caller names none: telefone, tel2, celular_1, fone comercial, phone… */
export function detectPhoneColumns(columns: readonly string[]): number[] {
  const found: number[] = [];
  columns.forEach((column, index) => {
    const name = normalizeColumnName(column);
    if (PHONE_COLUMN_PREFIXES.some((prefix) => name.startsWith(prefix))) found.push(index);
  });
  return found;
}

/** A separate DDD column ("ddd", "DDD"), applied to phone cells written without it. */
export function detectDddColumn(columns: readonly string[]): number {
  return columns.findIndex((column) => normalizeColumnName(column) === 'ddd');
}
