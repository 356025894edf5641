/**
 * The StatusTable as it was before issue 15 (git history: server/services/statusTable.ts), kept only so that
 * `npm run bench -- --national` can time the old start-up load as it really ran: keyset pages into a table that
 * starts at 2^16 slots, grows past 1/2 full, and puts a number at the slot of its pseudonym's low bits (a random
 * place for rows read in pseudonym order). Not used by the server.
 */
export class LegacyStatusTable {
  private his: Int32Array;
  private los: Int32Array;
  private statuses: Uint8Array; // 0 = empty slot, otherwise status + 1
  /** status_version of each slot's status: an older version never overwrites a newer one (reads stay on `statuses`). */
  private versions: Float64Array;
  private used = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1;
    while (capacity < initialCapacity) capacity <<= 1;
    this.his = new Int32Array(capacity);
    this.los = new Int32Array(capacity);
    this.statuses = new Uint8Array(capacity);
    this.versions = new Float64Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The status of a pseudonym, 0 (clean) when unknown. */
  get(hi: number, lo: number): number {
    const mask = this.statuses.length - 1;
    let slot = lo & mask;
    for (;;) {
      const stored = this.statuses[slot] as number;
      if (stored === 0) return 0;
      if (this.los[slot] === lo && this.his[slot] === hi) return stored - 1;
      slot = (slot + 1) & mask;
    }
  }

  /** Sets a status unless the slot already holds one of a newer version (a poll read before a local commit). */
  set(hi: number, lo: number, status: number, version: number): void {
    if ((this.used + 1) * 2 > this.statuses.length) this.grow();
    this.insert(hi, lo, status, version);
  }

  private insert(hi: number, lo: number, status: number, version: number): void {
    const mask = this.statuses.length - 1;
    let slot = lo & mask;
    for (;;) {
      const stored = this.statuses[slot] as number;
      if (stored === 0) {
        this.his[slot] = hi;
        this.los[slot] = lo;
        this.statuses[slot] = status + 1;
        this.versions[slot] = version;
        this.used++;
        return;
      }
      if (this.los[slot] === lo && this.his[slot] === hi) {
        if (version >= (this.versions[slot] as number)) {
          this.statuses[slot] = status + 1;
          this.versions[slot] = version;
        }
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { his, los, statuses, versions } = this;
    const capacity = statuses.length * 2;
    this.his = new Int32Array(capacity);
    this.los = new Int32Array(capacity);
    this.statuses = new Uint8Array(capacity);
    this.versions = new Float64Array(capacity);
    this.used = 0;
    for (let slot = 0; slot < statuses.length; slot++) {
      const stored = statuses[slot] as number;
      if (stored !== 0) this.insert(his[slot] as number, los[slot] as number, stored - 1, versions[slot] as number);
    }
  }

  /** Bytes held, for the memory figures in docs/performance.md. */
  get byteLength(): number {
    return this.statuses.length * 17;
  }
}
