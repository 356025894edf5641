import type { PrismaClient } from '../generated/prisma/client';
import type { PseudonymBatch } from '../domain/pseudonym';

/**
 * In-memory copies of suppression lists, for the mailing filter's hot path (no database round trip per batch).
 *
 * Each list is two Int32Arrays (the pseudonym's hi and lo words, sorted as signed pairs) and the expiry of each entry
 * (ms, +Infinity when none): a lookup is a binary search without allocation, ~16 bytes an entry. Não Me Perturbe
 * holds a few million numbers: ~100 MB per instance, loaded once per import (docs/compliance.md).
 *
 * Freshness: every mailing and check first reads the versions of its lists (one small query) and reloads the lists
 * whose version moved, so an entry added on any instance applies to the next mailing on every instance. The version
 * is read before the entries: a change landing between the two reads leaves an older version with newer entries,
 * which the next mailing reloads again (never the reverse).
 */
export type LoadedList = { id: string; version: number; hi: Int32Array; lo: Int32Array; expires: Float64Array };

export class SuppressionIndex {
  private readonly lists = new Map<string, LoadedList>();
  private readonly loading = new Map<string, Promise<LoadedList>>();

  constructor(private readonly prisma: PrismaClient) {}

  /** The lists `ids`, reloaded where their version moved; lists that no longer exist are left out. */
  async fresh(ids: readonly string[]): Promise<LoadedList[]> {
    if (ids.length === 0) return [];
    const versions = await this.prisma.suppressionList.findMany({ where: { id: { in: [...ids] } }, select: { id: true, version: true } });
    return Promise.all(versions.map(({ id, version }) => this.loaded(id, version)));
  }

  private loaded(id: string, version: number): Promise<LoadedList> {
    const current = this.lists.get(id);
    if (current && current.version === version) return Promise.resolve(current);
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id, version).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async load(id: string, version: number): Promise<LoadedList> {
    const rows = await this.prisma.$queryRawUnsafe<{ pseudonym: bigint; expires: number | null }[]>(
      `SELECT pseudonym, (extract(epoch FROM expires_at) * 1000)::float8 AS expires FROM suppression_entries WHERE list_id = $1::uuid ORDER BY pseudonym`,
      id,
    );
    // Ordered by the signed 64-bit value, which is the order of (hi signed, lo unsigned): the search compares so.
    const hi = new Int32Array(rows.length);
    const lo = new Int32Array(rows.length);
    const expires = new Float64Array(rows.length);
    rows.forEach((row, i) => {
      hi[i] = Number(BigInt.asIntN(32, row.pseudonym >> 32n));
      lo[i] = Number(BigInt.asIntN(32, row.pseudonym));
      expires[i] = row.expires ?? Number.POSITIVE_INFINITY;
    });
    const list = { id, version, hi, lo, expires };
    this.lists.set(id, list);
    return list;
  }

  /** Forgets a list (deleted), so its memory goes. */
  drop(id: string): void {
    this.lists.delete(id);
  }
}

/** Whether pseudonym j of `batch` is in `list` with an entry not yet expired at `now` (ms). */
export function listHolds(list: LoadedList, batch: PseudonymBatch, j: number, now: number): boolean {
  const hi = batch.hi(j);
  const lo = batch.lo(j) >>> 0;
  let low = 0;
  let high = list.hi.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const midHi = list.hi[mid] as number;
    const midLo = (list.lo[mid] as number) >>> 0;
    if (midHi < hi || (midHi === hi && midLo < lo)) low = mid + 1;
    else if (midHi > hi || midLo > lo) high = mid - 1;
    else return (list.expires[mid] as number) > now;
  }
  return false;
}
