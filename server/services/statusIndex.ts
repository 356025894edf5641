import type { PrismaClient } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { PubSub } from '../infra/pubsub';
import type { PseudonymBatch } from '../domain/pseudonym';
import { StatusTable, splitPseudonym } from './statusTable';

export type StatusChange = { pseudonym: bigint; status: number; version: bigint };

const NUDGE_CHANNEL = 'status:changed';
/** A status change younger than this may still have a commit with a smaller version in flight (see poll). */
const IN_FLIGHT_MARGIN_MS = 30_000;
const PAGE = 50_000;

/**
 * Every instance's in-memory copy of the non-clean part of the shared history, which filtering reads.
 * PostgreSQL stays the source of truth: the copy is loaded at start, updated at once by this instance's own
 * commits, and polled for other instances' changes in status_version order (a Redis message makes the poll
 * happen immediately instead of at the next tick), so all instances agree within one poll interval.
 */
export class StatusIndex {
  readonly table = new StatusTable();
  private watermark = 0n;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  async start(): Promise<void> {
    // Keyset pages per status along the (status, pseudonym) index: no page rescans what the previous ones read.
    for (const status of [1, 2]) {
      let after: string | undefined;
      for (;;) {
        const rows = await this.prisma.$queryRawUnsafe<{ p: string }[]>(
          `SELECT pseudonym::text AS p FROM number_history
           WHERE status = $1::smallint ${after === undefined ? '' : 'AND pseudonym > $2::bigint'}
           ORDER BY pseudonym LIMIT ${PAGE}`,
          ...(after === undefined ? [status] : [status, after]),
        );
        for (const row of rows) this.setOne(BigInt(row.p), status);
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.p;
      }
    }
    // Start polling from versions old enough that no commit can still be in flight below them.
    const [row] = await this.prisma.$queryRawUnsafe<{ v: string | null }[]>(
      `SELECT max(status_version)::text AS v FROM number_history WHERE status_changed_at < now() - interval '${IN_FLIGHT_MARGIN_MS} milliseconds'`,
    );
    this.watermark = BigInt(row?.v ?? '0');
    await this.poll();
    await this.pubsub.subscribe(NUDGE_CHANNEL, () => void this.poll());
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
    this.logger.info({ numbers: this.table.size }, 'status index loaded');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  statusAt(batch: PseudonymBatch, i: number): number {
    return this.table.get(batch.hi(i), batch.lo(i));
  }

  /** This instance's own committed changes: applied now, and other instances told to poll. */
  applyCommitted(changes: readonly StatusChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) this.setOne(change.pseudonym, change.status);
    this.pubsub.publish(NUDGE_CHANNEL, String(changes.length)).catch((error: Error) => {
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
        await this.pollOnce();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'status poll failed; retrying at next tick');
        return;
      }
    } while (this.pollAgain && !this.stopped);
  }

  /**
   * Reads changes above the watermark. The watermark only moves past changes older than IN_FLIGHT_MARGIN_MS:
   * a transaction that took version 5 may commit after one that took version 6, so younger changes are read
   * again until they are old enough for every smaller version to be visible (ingest transactions time out
   * long before the margin). Re-applying a row is harmless: it carries the number's current status.
   */
  private async pollOnce(): Promise<void> {
    for (;;) {
      const rows = await this.prisma.$queryRawUnsafe<{ p: string; s: number; v: string; old: boolean }[]>(
        `SELECT pseudonym::text AS p, status AS s, status_version::text AS v,
                status_changed_at < now() - interval '${IN_FLIGHT_MARGIN_MS} milliseconds' AS old
         FROM number_history WHERE status_version > $1::bigint ORDER BY status_version LIMIT ${PAGE}`,
        this.watermark.toString(),
      );
      let advancing = true;
      for (const row of rows) {
        this.setOne(BigInt(row.p), Number(row.s));
        if (advancing && row.old) this.watermark = BigInt(row.v);
        else advancing = false;
      }
      if (rows.length < PAGE || !advancing) return;
    }
  }

  private setOne(pseudonym: bigint, status: number): void {
    const { hi, lo } = splitPseudonym(pseudonym);
    this.table.set(hi, lo, status);
  }
}
