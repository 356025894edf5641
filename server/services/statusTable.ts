/** The table grows before it is fuller than this (see the class comment). */
const MAX_LOAD = 0.75;

/**
 * Open-addressing hash table from 64-bit pseudonyms, held as (hi, lo) int32 pairs, to a status byte (and its version).
 * Only numbers that ever left "clean" are stored (2M at 20M numbers, 20M at national scale), so a lookup costs a
 * couple of typed-array reads and no allocation: this is what makes filtering a 1M-row mailing take milliseconds
 * of lookups instead of seconds of SQL. Pseudonyms are AES output, so every bit of them is already uniform.
 *
 * A number's home slot is the top bits of its pseudonym (`hi`), so pseudonyms inserted in ascending order fill the
 * table front to back: the start-up load reads them in index order (services/statusLoad.ts), and its 20M inserts
 * then walk memory in order instead of jumping around a half-gigabyte table (20M rows: 27 s → 7 s on this VM, where
 * a random access to a table that size costs several hundred ns of cache and TLB misses). The price: such a load must
 * `reserve` its count first. Into a table sized for fewer, the first part of a sorted sequence lands on the first
 * slots only, and they fill into one long run that every later insert walks (quadratic). Random keys (polls,
 * commits, a grow's re-insertion of a table spread over the whole range) do not care.
 *
 * Load factor: the table grows past 3/4 full (it grew past 1/2 until issue 15). At national scale this halves the
 * memory: 20M numbers fit in 2^25 slots (544 MiB, 0.60 full) instead of 2^26 (1,088 MiB, 0.30 full). The price is
 * paid by misses (a clean number, most lookups), which scan the run of occupied slots to its end: on 20M random
 * pseudonyms, a quiet machine, a miss took 96 ns at 0.30 full, 155 ns at 0.60 and 211 ns at 0.75 (the worst case
 * before growing); a hit 107 / 114 / 140 ns. A 1M-row mailing makes ~0.9M lookups: ≤ 0.1 s more at worst, against
 * half a gigabyte. (A 5-bit fingerprint of `lo` in the status byte, to skip `los` reads on the run, measured no
 * better: the run's length, not its reads, is the cost.)
 */
/**
 * The arrays a table reads, in SharedArrayBuffers: the filter workers (mailingFilter/filterWorker.ts) read the same
 * memory as the main thread, which alone writes. A grown table gets new arrays, handed to the workers once they are
 * complete; the old ones are never written again, so a worker reading them until it takes the new ones reads a
 * consistent table that lacks only the writes made since.
 */
export type TableArrays = { his: Int32Array; los: Int32Array; statuses: Uint8Array; shift: number };

function sharedArrays(capacity: number): TableArrays {
  return {
    his: new Int32Array(new SharedArrayBuffer(capacity * 4)),
    los: new Int32Array(new SharedArrayBuffer(capacity * 4)),
    statuses: new Uint8Array(new SharedArrayBuffer(capacity)),
    shift: 32 - Math.log2(capacity),
  };
}

/**
 * The lookup side of a table, over its arrays: what the main thread's StatusTable reads and what a filter worker
 * holds for each table it was given. Writes of the main thread become visible here without a lock: a status is one
 * byte, and a reader that meets a slot while it is being filled finds it empty or not yet matching, as if it had read
 * a moment earlier.
 */
export class TableView {
  constructor(readonly arrays: TableArrays) {}

  /** The status of a pseudonym, 0 (clean) when unknown. */
  get(hi: number, lo: number): number {
    const { his, los, statuses, shift } = this.arrays;
    const mask = statuses.length - 1;
    let slot = hi >>> shift;
    for (;;) {
      const stored = statuses[slot] as number;
      if (stored === 0) return 0;
      if (los[slot] === lo && his[slot] === hi) return stored - 1;
      slot = (slot + 1) & mask;
    }
  }
}

export class StatusTable {
  /** status_version of each slot's status: an older version never overwrites a newer one (reads stay on `statuses`). */
  private versions: Float64Array;
  private used = 0;
  /** The arrays read and written now; `shift` = 32 − log2(capacity), so `hi >>> shift` is the home slot. */
  private view: TableView;

  /** `onGrown`: told of the new arrays each time the table grows, once they hold every number (the filter workers). */
  constructor(
    initialCapacity = 1 << 16,
    private readonly onGrown?: (arrays: TableArrays) => void,
  ) {
    // At least 2 slots: a shift of 32 would shift by nothing in JavaScript.
    let capacity = 2;
    while (capacity < initialCapacity) capacity <<= 1;
    this.view = new TableView(sharedArrays(capacity));
    this.versions = new Float64Array(capacity);
  }

  /** The arrays read now (shared with the filter workers). */
  get arrays(): TableArrays {
    return this.view.arrays;
  }

  /** The capacity (slots, a power of two) that holds `count` numbers without growing. */
  static capacityFor(count: number): number {
    let capacity = 2;
    while (capacity * MAX_LOAD < count + 1) capacity *= 2;
    return capacity;
  }

  /**
   * Makes room for `count` numbers at once, so a bulk load (the start-up load of 20M numbers) does not grow the
   * table step by step: each step holds the old and the new arrays together, and the last one doubles the peak.
   */
  reserve(count: number): void {
    const capacity = StatusTable.capacityFor(count);
    if (capacity > this.view.arrays.statuses.length) this.rehash(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The status of a pseudonym, 0 (clean) when unknown. */
  get(hi: number, lo: number): number {
    return this.view.get(hi, lo);
  }

  /** Sets a status unless the slot already holds one of a newer version (a poll read before a local commit). */
  set(hi: number, lo: number, status: number, version: number): void {
    const capacity = this.view.arrays.statuses.length;
    if (this.used + 1 > capacity * MAX_LOAD) this.rehash(capacity * 2);
    this.insert(hi, lo, status, version);
  }

  private insert(hi: number, lo: number, status: number, version: number): void {
    const { his, los, statuses, shift } = this.view.arrays;
    const versions = this.versions;
    const mask = statuses.length - 1;
    let slot = hi >>> shift;
    for (;;) {
      const stored = statuses[slot] as number;
      if (stored === 0) {
        // The status last: a worker that sees it non-zero before the pseudonym reads a mismatch, as if too early.
        his[slot] = hi;
        los[slot] = lo;
        versions[slot] = version;
        statuses[slot] = status + 1;
        this.used++;
        return;
      }
      if (los[slot] === lo && his[slot] === hi) {
        if (version >= (versions[slot] as number)) {
          statuses[slot] = status + 1;
          versions[slot] = version;
        }
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private rehash(capacity: number): void {
    const { his, los, statuses } = this.view.arrays;
    const versions = this.versions;
    this.view = new TableView(sharedArrays(capacity));
    this.versions = new Float64Array(capacity);
    this.used = 0;
    for (let slot = 0; slot < statuses.length; slot++) {
      const stored = statuses[slot] as number;
      if (stored !== 0) this.insert(his[slot] as number, los[slot] as number, stored - 1, versions[slot] as number);
    }
    // Complete before it is shared: a worker never reads a half-filled table.
    this.onGrown?.(this.view.arrays);
  }

  /** Bytes held, for the memory figures in docs/performance.md. */
  get byteLength(): number {
    return this.view.arrays.statuses.length * 17;
  }
}

/** Splits a signed 64-bit pseudonym into the (hi, lo) pair the table uses. */
export function splitPseudonym(value: bigint): { hi: number; lo: number } {
  return { hi: Number(BigInt.asIntN(32, value >> 32n)), lo: Number(BigInt.asIntN(32, value)) };
}
