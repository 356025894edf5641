import type { PrismaClient } from '../generated/prisma/client';
import type { CopyOut } from '../db/database';
import { type StatusTable, splitPseudonym } from './statusTable';

/** Where a load puts its rows (a StatusTable; the national bench also passes the table as it was before issue 15). */
export type StatusSink = Pick<StatusTable, 'set'>;

/**
 * The status index's start-up load: every non-clean row of number_history into a StatusTable.
 *
 * On PostgreSQL, one `COPY … TO STDOUT (FORMAT binary)` per half of the pseudonym range, parsed straight into the
 * table's (hi, lo) int32 pairs: no text, no BigInt, no row objects. Measured at national scale (20M non-clean numbers of
 * 100M, docs/performance.md "National scale"), it is several times faster than the keyset pages it replaced, which
 * remain for the embedded database (PGlite has no COPY TO STDOUT stream; its histories are small).
 *
 * Either load may read its rows under several snapshots (one per page, or per half): StatusIndex.start() makes that
 * safe by fixing its watermark before the load and re-reading every change above it afterwards.
 */

const PAGE = 50_000;
/** Every status but clean (0): unconfirmed, invalid, probation (docs/rules.md). */
const NON_CLEAN = [1, 2, 3];

/**
 * Two halves, each on a connection of its own: PostgreSQL scans and encodes one half while the other is parsed
 * here (the 2-core machine runs a backend and this process at once). A pseudonym never moves between halves.
 */
const HALVES = ['pseudonym < 0', 'pseudonym >= 0'];

/**
 * The rows the load will read, counted (an index-only scan: 2.4 s at 20M of 100M) rather than estimated from the
 * planner's statistics: the table must be sized for all of them before the first insert (StatusTable, "home slot"),
 * and statistics can be far off (a restored dump before its first ANALYZE).
 */
export async function countNonClean(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<{ n: string }[]>(`SELECT count(*)::text AS n FROM number_history WHERE status IN (${NON_CLEAN.join(', ')})`);
  return Number(row?.n ?? 0);
}

/** The PostgreSQL load: binary COPY of the non-clean rows, both halves at once. Returns the rows read. */
export async function loadByCopy(copyOut: CopyOut, table: StatusSink): Promise<number> {
  const counts = await Promise.all(
    HALVES.map(async (half) => {
      const reader = new StatusCopyReader(table);
      for await (const chunk of copyOut(`COPY (SELECT pseudonym, status, status_version FROM number_history WHERE status IN (${NON_CLEAN.join(', ')}) AND ${half}) TO STDOUT (FORMAT binary)`)) {
        reader.feed(chunk);
      }
      return reader.finish();
    }),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * The embedded database's load: keyset pages per status along the (status, pseudonym, …) index. Returns the rows read.
 * `stopAfter` ends it early (the national bench times this path on a part of a 20M-row load: all of it takes minutes).
 */
export async function loadByKeyset(prisma: PrismaClient, table: StatusSink, stopAfter = Infinity): Promise<number> {
  let read = 0;
  // No page rescans what the previous ones read.
  for (const status of NON_CLEAN) {
    let after: string | undefined;
    while (read < stopAfter) {
      const rows = await prisma.$queryRawUnsafe<{ p: string; v: string }[]>(
        `SELECT pseudonym::text AS p, status_version::text AS v FROM number_history
         WHERE status = $1::smallint ${after === undefined ? '' : 'AND pseudonym > $2::bigint'}
         ORDER BY pseudonym LIMIT ${PAGE}`,
        ...(after === undefined ? [status] : [status, after]),
      );
      for (const row of rows) {
        const { hi, lo } = splitPseudonym(BigInt(row.p));
        table.set(hi, lo, status, Number(row.v));
      }
      read += rows.length;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.p;
    }
  }
  return read;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** The fixed part of the header: signature, flags (int32), extension length (int32). */
const HEADER = SIGNATURE.length + 8;
/**
 * One row of (pseudonym int8, status int2, status_version int8), all NOT NULL: a field count (int16), then per field
 * its length (int32) and its bytes, big-endian.
 */
const ROW = 2 + (4 + 8) + (4 + 2) + (4 + 8);

/** Parses the binary COPY stream of (pseudonym, status, status_version) rows, chunk by chunk, into a StatusTable. */
export class StatusCopyReader {
  private carry: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private rows = 0;

  constructor(private readonly table: StatusSink) {}

  feed(chunk: Buffer): void {
    // A row may straddle two chunks: the few bytes left over go in front of the next one.
    const buffer = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    let offset = 0;
    if (!this.headerRead) {
      if (buffer.length >= SIGNATURE.length && !buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('status load: not a binary COPY stream');
      if (buffer.length < HEADER || buffer.length < HEADER + buffer.readInt32BE(HEADER - 4)) {
        this.carry = buffer;
        return;
      }
      offset = HEADER + buffer.readInt32BE(HEADER - 4);
      this.headerRead = true;
    }
    const { table } = this;
    const end = buffer.length;
    while (offset + 2 <= end) {
      const fields = buffer.readInt16BE(offset);
      if (fields === -1) {
        this.ended = true;
        offset += 2;
        break;
      }
      if (offset + ROW > end) break;
      if (fields !== 3 || buffer.readInt32BE(offset + 2) !== 8 || buffer.readInt32BE(offset + 14) !== 2 || buffer.readInt32BE(offset + 20) !== 8) {
        throw new Error('status load: unexpected COPY row layout (expected pseudonym int8, status int2, status_version int8)');
      }
      const version = buffer.readInt32BE(offset + 24) * 4_294_967_296 + buffer.readUInt32BE(offset + 28);
      table.set(buffer.readInt32BE(offset + 6), buffer.readInt32BE(offset + 10), buffer.readInt16BE(offset + 18), version);
      this.rows++;
      offset += ROW;
    }
    // A copy: the leftover must not keep the whole chunk alive.
    if (offset < end && !this.ended) this.carry = Buffer.from(buffer.subarray(offset));
  }

  /** The rows read; throws if the stream stopped before its trailer. */
  finish(): number {
    if (!this.ended) throw new Error('status load: the COPY stream ended without its trailer');
    return this.rows;
  }
}
