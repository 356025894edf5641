import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { PubSub } from '../infra/pubsub';
import type { PseudonymBatch } from '../domain/pseudonym';
import type { DatabaseAvailability } from '../db/availability';
import type { CopyOut } from '../db/database';
import { StatusTable, splitPseudonym, type TableArrays } from './statusTable';
import { STATUS } from '../domain/trust';
import { countNonClean, loadByCopy, loadByKeyset } from './statusLoad';

/** A number's new status in the pool, or (with `source`) in one tenant's own view: -1 when that view no longer differs. */
export type StatusChange = { pseudonym: bigint; status: number; version: bigint; source?: bigint };

const NUDGE_CHANNEL = 'status:changed';
/** Past this many changes a nudge carries none: the other instances read them in their poll. */
const NUDGE_MAX_CHANGES = 1000;

/**
 * A nudge: the sender's instance id, then its changes (`pseudonym,status,version[,source]` separated by `;`) when
 * there are few. Carrying them lets the other instances apply them at once, with no database round trip, which under
 * load was most of a change's way to them (each awaited poll query queued behind the loop's work). The poll it also
 * starts stays the system of record: versions make a change applied twice, or late, harmless (StatusTable.set keeps
 * the newest). An instance of an older build reads the id alone and polls, so a rolling deploy mixes them safely.
 */
export function encodeNudge(instanceId: string, changes: readonly StatusChange[]): string {
  if (changes.length > NUDGE_MAX_CHANGES) return instanceId;
  const parts = changes.map((c) => `${c.pseudonym},${c.status},${c.version}${c.source === undefined ? '' : `,${c.source}`}`);
  return `${instanceId}|${parts.join(';')}`;
}

export function decodeNudge(message: string): { sender: string; changes: StatusChange[] } {
  const bar = message.indexOf('|');
  if (bar < 0) return { sender: message, changes: [] };
  const changes: StatusChange[] = [];
  for (const part of message.slice(bar + 1).split(';')) {
    const [p, status, version, source] = part.split(',');
    if (p === undefined || status === undefined || version === undefined) continue;
    changes.push({ pseudonym: BigInt(p), status: Number(status), version: BigInt(version), ...(source === undefined ? {} : { source: BigInt(source) }) });
  }
  return { sender: message.slice(0, bar), changes };
}
const PAGE = 50_000;
/**
 * A horizon older than this counts as settled even if some transaction of the cluster is older still (a long
 * report, a backup in another database): every transaction that writes status versions ends within its 20 s
 * timeout, so a longer wait would only make each poll re-read more.
 */
const SETTLE_MS = 30_000;

/**
 * A horizon: `version` was the sequence's value before transaction id `xid` was handed out. Every writer takes
 * its transaction id before its first status version (the receipts insert comes first; forget and maintenance
 * call pg_current_xact_id() first), and ids are handed out in order, so every version up to `version` belongs
 * to a transaction with an id below `xid`. Once the oldest running transaction's id is at least `xid`, all of
 * them are committed or rolled back, and one read shows every one of those versions.
 *
 * `xid` is a fresh transaction id of our own (pg_current_xact_id() in a one-statement transaction), not
 * `pg_snapshot_xmax(pg_current_snapshot())`: that is the latest *completed* id + 1, and a transaction that got
 * its id after the latest completion is running yet not below it, so a batch still holding versions looked
 * settled and the watermark passed them for good (test/realtime/instances.test.ts reproduces it).
 */
type Horizon = { version: bigint; xid: bigint; capturedAt: number };

/**
 * What filtering reads of the statuses (services/phoneClassifier.ts): the StatusIndex itself on the main thread, or
 * a filter worker's view of the same shared tables (mailingFilter/filterWorker.ts).
 */
export interface StatusReader {
  /** Called before each batch of lookups: a worker takes the tables grown or added since its last batch. */
  beginBatch(): void;
  statusAt(batch: PseudonymBatch, i: number): number;
  /** A tenant's own view of a number (statusFor in domain/trust.ts), or -1 when it is the pool's. */
  overrideAt(viewer: bigint, batch: PseudonymBatch, i: number): number;
  hasOverrides(viewer: bigint): boolean;
}

/** A table's arrays as shared with the filter workers: `viewer` names a tenant's own view, absent for the pool's. */
export type SharedTable = { viewer?: bigint; arrays: TableArrays };

/** How long start() waits for its horizon to settle before falling back to the versions settled by time. */
const START_SETTLE_WAIT_MS = 2_000;

/**
 * Every instance's in-memory copy of the non-clean part of the shared history, which filtering reads.
 * PostgreSQL stays the source of truth: the copy is loaded at start, updated at once by this instance's own
 * commits, and polled for other instances' changes in status_version order (a Redis message from the
 * committing instance makes the others poll at once instead of at the next tick), so all instances agree
 * within one poll interval, and within milliseconds with Redis.
 */
export class StatusIndex implements StatusReader {
  readonly table = new StatusTable(1 << 16, (arrays) => this.shareTable({ arrays }));
  /** Every change with a version up to here is applied. */
  private watermark = 0n;
  private horizon: Horizon | undefined;
  /** Nudges carry the sender's id: an instance does not poll for its own commits, which it applied already. */
  private readonly instanceId = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private stopped = false;
  /** Date.now() at the start of the last poll that succeeded: every change committed before it is in the table (/metrics lag). */
  caughtUpAt = Date.now();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    private readonly pollMs: number,
    private readonly database?: DatabaseAvailability,
    /** PostgreSQL's binary COPY for the start-up load; absent on the embedded database (keyset pages instead). */
    private readonly copyOut?: CopyOut,
  ) {}

  async start(): Promise<void> {
    // The watermark polling starts from must hold only versions committed before the load reads anything: a
    // transaction that commits while the pages are read may be missed by both its old and its new status page.
    // So the load starts once the horizon has settled (milliseconds, normally); with a long transaction
    // elsewhere in the cluster, from the versions settled by time instead, and polling re-reads the rest.
    const start = await this.captureHorizon();
    const startWatermark = (await this.waitSettled(start, START_SETTLE_WAIT_MS)) ? start.version : await this.versionSettledByTime();
    // The non-clean rows (services/statusLoad.ts): a binary COPY on PostgreSQL, keyset pages on the embedded database.
    // Both come in pseudonym order, which the table takes fast only once it is sized for all of them (StatusTable).
    const loadStarted = performance.now();
    this.table.reserve(await countNonClean(this.prisma));
    const loaded = this.copyOut ? await loadByCopy(this.copyOut, this.table) : await loadByKeyset(this.prisma, this.table);
    const loadMs = Math.round(performance.now() - loadStarted);
    // Tenants' own views: few rows (only where a view differs from the pool's), read whole.
    await this.readOverrides(0n);
    this.watermark = startWatermark;
    await this.poll();
    // From here on, a number becoming invalid in this index is announced (the load above is not news).
    this.announcing = true;
    await this.pubsub.subscribe(NUDGE_CHANNEL, (message) => {
      let nudge: ReturnType<typeof decodeNudge>;
      try {
        nudge = decodeNudge(message);
      } catch {
        nudge = { sender: '', changes: [] }; // unreadable: the poll alone
      }
      if (nudge.sender === this.instanceId) return;
      for (const change of nudge.changes) this.setChange(change);
      this.announce();
      void this.poll();
    });
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
    this.logger.info({ numbers: this.table.size, rows: loaded, loadMs, by: this.copyOut ? 'copy' : 'keyset' }, 'status index loaded');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  /** Per source (tenant pseudonym): where its own view of a number differs from the pool's, stored as status + 1. */
  private readonly overrides = new Map<bigint, StatusTable>();

  /** Every table's arrays, now and whenever one grows or a tenant's own view gets its first table (the filter workers); returns the unsubscribe. */
  shareTables(listener: (table: SharedTable) => void): () => void {
    this.tableListeners.add(listener);
    listener({ arrays: this.table.arrays });
    for (const [viewer, table] of this.overrides) listener({ viewer, arrays: table.arrays });
    return () => this.tableListeners.delete(listener);
  }

  private readonly tableListeners = new Set<(table: SharedTable) => void>();

  private shareTable(table: SharedTable): void {
    for (const listener of this.tableListeners) listener(table);
  }

  beginBatch(): void {}

  /** A tenant's own view of a number (statusFor in domain/trust.ts), or -1 when it is the pool's. */
  overrideAt(viewer: bigint, batch: PseudonymBatch, i: number): number {
    const table = this.overrides.get(viewer);
    return table ? table.get(batch.hi(i), batch.lo(i)) - 1 : -1;
  }

  hasOverrides(viewer: bigint): boolean {
    return this.overrides.has(viewer);
  }

  statusAt(batch: PseudonymBatch, i: number): number {
    return this.table.get(batch.hi(i), batch.lo(i));
  }

  /**
   * Told of the numbers that just became invalid in this instance's index (the pool's or a tenant's own view), once
   * they are in it: a dialer on this instance pushed "numbers:invalidated" re-checks here and must read "invalid".
   * Every instance announces to its own sockets when its own index changes, never for another instance.
   */
  onInvalidated(listener: (pseudonyms: readonly bigint[]) => void): void {
    this.invalidatedListeners.push(listener);
  }

  private readonly invalidatedListeners: ((pseudonyms: readonly bigint[]) => void)[] = [];
  private announcing = false;
  private invalidatedNow: bigint[] = [];

  private announce(): void {
    if (this.invalidatedNow.length === 0) return;
    const pseudonyms = this.invalidatedNow;
    this.invalidatedNow = [];
    for (const listener of this.invalidatedListeners) {
      // A push that fails must not fail the commit that caused it (the batch is counted already) nor the poll.
      try {
        listener(pseudonyms);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'numbers:invalidated push failed; dialers re-check on reconnect');
      }
    }
  }

  /** This instance's own committed changes: applied now, and sent to the other instances with the nudge that makes them poll. */
  applyCommitted(changes: readonly StatusChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.setChange(change);
    this.announce();
    this.pubsub.publish(NUDGE_CHANNEL, encodeNudge(this.instanceId, changes)).catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'status nudge not published; other instances catch up by polling');
    });
  }

  /** Runs one poll now (or right after the one in progress) and resolves when the index is current. */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = this.pollLoop().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollLoop(): Promise<void> {
    do {
      this.pollAgain = false;
      try {
        const startedAt = Date.now();
        await this.pollOnce();
        this.caughtUpAt = startedAt;
      } catch (error) {
        // An outage is logged once by the database's availability (db/availability.ts), not once per tick.
        if (!this.database?.noteFailure(error)) this.logger.warn({ err: (error as Error).message }, 'status poll failed; retrying at next tick');
        return;
      }
    } while (this.pollAgain && !this.stopped);
  }

  /**
   * Reads every change above the watermark, then moves the watermark to the horizon captured at the previous
   * poll if every transaction that could hold a version below it has ended (see Horizon). A transaction that
   * took version 5 may commit after one that took version 6: the watermark never passes 5 before that, and the
   * changes between the watermark and the newest one (one poll interval of them) are simply read again.
   * Re-applying a row is harmless: it carries the number's current status.
   */
  private async pollOnce(): Promise<void> {
    let advanceTo: bigint | undefined;
    if (this.horizon && (await this.settled(this.horizon))) {
      advanceTo = this.horizon.version;
      this.horizon = undefined;
    }
    // A new horizon only once the previous one settled, so one always gets old enough to settle.
    this.horizon ??= await this.captureHorizon();
    let from = this.watermark;
    for (;;) {
      const rows = await this.prisma.$queryRawUnsafe<{ p: string; s: number; v: string }[]>(
        `SELECT pseudonym::text AS p, status AS s, status_version::text AS v
         FROM number_history WHERE status_version > $1::bigint ORDER BY status_version LIMIT ${PAGE}`,
        from.toString(),
      );
      for (const row of rows) this.setOne(BigInt(row.p), Number(row.s), Number(row.v));
      this.announce();
      if (rows.length < PAGE) break;
      from = BigInt(rows[rows.length - 1]!.v);
    }
    await this.readOverrides(this.watermark);
    this.announce();
    if (advanceTo !== undefined && advanceTo > this.watermark) this.watermark = advanceTo;
  }

  private async settled(horizon: Horizon): Promise<boolean> {
    return Date.now() - horizon.capturedAt > SETTLE_MS || (await this.oldestRunningXid()) >= horizon.xid;
  }

  private async waitSettled(horizon: Horizon, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.settled(horizon)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The newest version whose change is older than SETTLE_MS: a fallback start when a long transaction runs. */
  private async versionSettledByTime(): Promise<bigint> {
    const [row] = await this.prisma.$queryRawUnsafe<{ v: string | null }[]>(
      `SELECT max(status_version)::text AS v FROM number_history WHERE status_changed_at < now() - interval '${SETTLE_MS} milliseconds'`,
    );
    return BigInt(row?.v ?? '0');
  }

  private async captureHorizon(): Promise<Horizon> {
    // The sequence first, then a transaction id of our own: every version read here was taken by a transaction
    // whose id was handed out before ours. One id per settled horizon (a few a second) is a negligible cost.
    const [sequence] = await this.prisma.$queryRawUnsafe<{ v: string }[]>(
      `SELECT (CASE WHEN is_called THEN last_value ELSE last_value - 1 END)::text AS v FROM status_version_seq`,
    );
    const [own] = await this.prisma.$queryRawUnsafe<{ x: string }[]>(`SELECT pg_current_xact_id()::text AS x`);
    return { version: BigInt(sequence!.v), xid: BigInt(own!.x), capturedAt: Date.now() };
  }

  private async oldestRunningXid(): Promise<bigint> {
    const [row] = await this.prisma.$queryRawUnsafe<{ x: string }[]>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x`);
    return BigInt(row!.x);
  }

  private setChange(change: StatusChange): void {
    if (change.source === undefined) {
      this.setOne(change.pseudonym, change.status, Number(change.version));
      return;
    }
    let table = this.overrides.get(change.source);
    if (!table) {
      const viewer = change.source;
      table = new StatusTable(1 << 4, (arrays) => this.shareTable({ viewer, arrays }));
      this.overrides.set(viewer, table);
      this.shareTable({ viewer, arrays: table.arrays });
    }
    const { hi, lo } = splitPseudonym(change.pseudonym);
    const before = table.get(hi, lo);
    table.set(hi, lo, change.status + 1, Number(change.version));
    // Stored as status + 1: INVALID + 1 is the tenant's own view turning invalid.
    if (this.announcing && change.status === STATUS.INVALID && before !== STATUS.INVALID + 1 && table.get(hi, lo) === STATUS.INVALID + 1) {
      this.invalidatedNow.push(change.pseudonym);
    }
  }

  /** Overrides with a version above `from`, page by page (the start-up load reads them all from 0). */
  private async readOverrides(from: bigint): Promise<void> {
    for (;;) {
      const rows = await this.prisma.$queryRawUnsafe<{ src: string; p: string; s: number; v: string }[]>(
        `SELECT source::text AS src, pseudonym::text AS p, status AS s, version::text AS v
         FROM tenant_overrides WHERE version > $1::bigint ORDER BY version LIMIT ${PAGE}`,
        from.toString(),
      );
      for (const row of rows) this.setChange({ source: BigInt(row.src), pseudonym: BigInt(row.p), status: Number(row.s), version: BigInt(row.v) });
      if (rows.length < PAGE) return;
      from = BigInt(rows[rows.length - 1]!.v);
    }
  }

  private setOne(pseudonym: bigint, status: number, version: number): void {
    const { hi, lo } = splitPseudonym(pseudonym);
    if (!this.announcing || status !== STATUS.INVALID) {
      this.table.set(hi, lo, status, version);
      return;
    }
    // A poll re-reads changes it has applied already (pollOnce): only a real change of this index is news.
    const before = this.table.get(hi, lo);
    this.table.set(hi, lo, status, version);
    if (before !== STATUS.INVALID && this.table.get(hi, lo) === STATUS.INVALID) this.invalidatedNow.push(pseudonym);
  }
}
