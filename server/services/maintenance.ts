import type { PrismaClient } from '../generated/prisma/client';
import type { RuleConfig } from '../config';
import type { Logger } from '../logger';
import type { StatusIndex } from './statusIndex';

export type MaintenanceReport = { expired: number; erased: number; receiptsPruned: number; contributionsPruned: number };

/**
 * Periodic upkeep, safe to run on every instance at once (each step is one idempotent statement):
 * - invalid marks expire: a number with no counted invalid mark for INVALID_MARK_TTL_DAYS goes back to clean;
 * - forgotten (LGPD) rows are deleted once every instance had time to poll their clean status;
 * - idempotency receipts older than CALL_ID_RETENTION_DAYS and contribution rows of past days are pruned.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rules: RuleConfig,
    private readonly callIdRetentionDays: number,
    private readonly statusIndex: StatusIndex,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  start(intervalMs = 10 * 60_000): void {
    this.timer = setInterval(() => {
      this.run().catch((error: Error) => this.logger.warn({ err: error.message }, 'maintenance failed; next run retries'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async run(): Promise<MaintenanceReport> {
    const now = this.clock();
    const expiredBefore = new Date(now.getTime() - this.rules.invalidMarkTtlDays * 86_400_000).toISOString();
    // The transaction id first: status versions must be taken by a transaction that already has one (StatusIndex).
    const [, expired] = await this.prisma.$transaction([
      this.prisma.$queryRawUnsafe('SELECT pg_current_xact_id()::text'),
      this.prisma.$queryRawUnsafe<{ p: string; v: string }[]>(
      `UPDATE number_history SET status = 0, invalid_score = 0, status_version = nextval('status_version_seq'),
         status_changed_at = $2::timestamptz
       WHERE status > 0 AND last_invalid_at < $1::timestamptz
       RETURNING pseudonym::text AS p, status_version::text AS v`,
        expiredBefore,
        now.toISOString(),
      ),
    ]);
    this.statusIndex.applyCommitted(expired.map((row) => ({ pseudonym: BigInt(row.p), status: 0, version: BigInt(row.v) })));
    const erased = await this.prisma.$executeRawUnsafe(
      `DELETE FROM number_history WHERE status = 0 AND invalid_reports = 0 AND contact_reports = 0
         AND status_changed_at < $1::timestamptz - interval '5 minutes'`,
      now.toISOString(),
    );
    const receiptsPruned = await this.prisma.$executeRawUnsafe(
      `DELETE FROM call_receipts WHERE received_at < $1::timestamptz`,
      new Date(now.getTime() - this.callIdRetentionDays * 86_400_000).toISOString(),
    );
    const today = Math.floor((now.getTime() - 3 * 3600_000) / 86_400_000);
    const contributionsPruned = await this.prisma.$executeRawUnsafe(`DELETE FROM number_contributions WHERE day < $1::int`, today);
    const report = { expired: expired.length, erased, receiptsPruned, contributionsPruned };
    this.logger.info(report, 'maintenance done');
    return report;
  }
}
