import { PhoneError, parsePhoneFast } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import type { StatusIndex } from './statusIndex';

/**
 * Verdicts for a batch of phone cells, the hot path of filtering: fast parse, one cipher call for the batch,
 * and in-memory status lookups. verdicts[i] is the number's status (0 clean, 1 unconfirmed, 2 invalid) or the
 * negated PhoneError code when the cell is not a valid Brazilian number.
 */
export class PhoneClassifier {
  private digits = new Float64Array(4096);
  private positions = new Int32Array(4096);

  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly statusIndex: StatusIndex,
  ) {}

  private shared = new Int8Array(4096);

  classify(phones: readonly string[], ddds?: readonly string[]): Int8Array {
    return this.classifyInto(new Int8Array(phones.length), phones, ddds);
  }

  /**
   * As classify, without allocating: the answer is a view of a buffer that the next call overwrites, so it must be
   * read before any await (the mailing filter's batches).
   */
  classifyShared(phones: readonly string[], ddds?: readonly string[]): Int8Array {
    const count = phones.length;
    if (this.shared.length < count) this.shared = new Int8Array(count);
    return this.classifyInto(count === this.shared.length ? this.shared : this.shared.subarray(0, count), phones, ddds);
  }

  /** Every verdicts[i] is written (a parse error or a status), so a reused buffer needs no clearing. */
  private classifyInto(verdicts: Int8Array, phones: readonly string[], ddds: readonly string[] | undefined): Int8Array {
    const count = phones.length;
    if (this.digits.length < count) {
      this.digits = new Float64Array(count);
      this.positions = new Int32Array(count);
    }
    let valid = 0;
    for (let i = 0; i < count; i++) {
      let parsed = parsePhoneFast(phones[i] as string);
      // Brazilian mailings often keep the DDD in a column of its own.
      const ddd = ddds?.[i];
      if (parsed === -PhoneError.TOO_SHORT && ddd) parsed = parsePhoneFast(ddd + (phones[i] as string));
      if (parsed < 0) {
        verdicts[i] = parsed;
      } else {
        this.digits[valid] = parsed;
        this.positions[valid++] = i;
      }
    }
    if (valid > 0) {
      const batch = this.pseudonymizer.phones(this.digits, valid);
      for (let j = 0; j < valid; j++) verdicts[this.positions[j] as number] = this.statusIndex.statusAt(batch, j);
    }
    return verdicts;
  }
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
