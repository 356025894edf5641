import type { PrismaClient } from '../generated/prisma/client';
import type { RuleConfig } from '../config';
import type { Logger } from '../logger';
import type { StatusIndex } from './statusIndex';
import { applyTime } from '../domain/trust';
import { rewriteStates } from './trustStore';
import { NETWORK_WINDOW_DAYS } from '../domain/rightParty';

export type MaintenanceReport = { transitioned: number; erased: number; receiptsPruned: number; evidencePruned: number; retired: number; answersPruned: number; usagePruned: number };

/** Numbers whose time-driven transition is due are handled in transactions of this many. */
const PAGE = 2000;

/**
 * Periodic upkeep, safe to run on every instance at once (each step locks what it changes):
 * - time-driven transitions of the trust rules (server/domain/trust.ts applyTime): evidence older than the
 *   quarantine expires, an invalid number goes on probation, probation ends clean;
 * - forgotten (LGPD) rows are deleted once every instance had time to poll their clean status;
 * - idempotency receipts older than CALL_ID_RETENTION_DAYS and evidence rows that no longer count are pruned, and
 *   clean rows with no evidence are deleted a quarantine after their last change (retention).
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
    const transitioned = await this.applyTimeTransitions(now);
    const erased = await this.prisma.$executeRawUnsafe(
      `DELETE FROM number_history h WHERE status = 0 AND invalid_reports = 0 AND contact_reports = 0
         AND status_changed_at < $1::timestamptz - interval '5 minutes'
         AND NOT EXISTS (SELECT 1 FROM number_evidence e WHERE e.pseudonym = h.pseudonym)`,
      now.toISOString(),
    );
    const receiptsPruned = await this.prisma.$executeRawUnsafe(
      `DELETE FROM call_receipts WHERE received_at < $1::timestamptz`,
      new Date(now.getTime() - this.callIdRetentionDays * 86_400_000).toISOString(),
    );
    // Evidence that no longer counts for anything: no weight, no own marks, no contact inside the window.
    const evidencePruned = await this.prisma.$executeRawUnsafe(
      `DELETE FROM number_evidence WHERE weight = 0 AND own_marks = 0 AND last_contact_at_ms < $1::bigint AND last_mark_at_ms < $2::bigint`,
      now.getTime() - this.rules.contactWindowDays * 86_400_000,
      now.getTime() - this.rules.quarantineDays * 86_400_000,
    );
    // Past retention: a clean row with no evidence left and no change for a quarantine holds nothing the rules
    // use (its report counters are history for nobody); it goes, and the number starts afresh if it is ever marked.
    const retired = await this.prisma.$executeRawUnsafe(
      `DELETE FROM number_history h WHERE status = 0 AND status_changed_at < $1::timestamptz
         AND NOT EXISTS (SELECT 1 FROM number_evidence e WHERE e.pseudonym = h.pseudonym)`,
      new Date(now.getTime() - this.rules.quarantineDays * 86_400_000).toISOString(),
    );
    // "Answered recently" (right party's network signal) older than its window no longer counts (domain/rightParty.ts).
    const answersPruned = await this.prisma.$executeRawUnsafe(
      'DELETE FROM number_answers WHERE answered_at_ms < $1::bigint',
      now.getTime() - NETWORK_WINDOW_DAYS * 86_400_000,
    );
    // Per-code tabulation counts are read over at most 90 days (GET /v1/tabulations/usage): older days go.
    const usagePruned = await this.prisma.$executeRawUnsafe(`DELETE FROM tabulation_usage WHERE day < ($1::timestamptz)::date - 91`, now.toISOString());
    const report = { transitioned, erased, receiptsPruned, evidencePruned, retired, answersPruned, usagePruned };
    this.logger.info(report, 'maintenance done');
    return report;
  }

  /** Numbers whose evidence outlived the shortest quarantine, or whose probation is over. */
  private async applyTimeTransitions(now: Date): Promise<number> {
    const nowMs = now.getTime();
    const expiredBefore = new Date(nowMs - this.rules.quarantineDays * 86_400_000).toISOString();
    let after = '-9223372036854775808';
    let transitioned = 0;
    for (;;) {
      const candidates = await this.prisma.$queryRawUnsafe<{ p: string }[]>(
        `SELECT pseudonym::text AS p FROM number_history
         WHERE pseudonym > $3::bigint AND ((status IN (1, 2) AND last_invalid_at < $1::timestamptz) OR (status = 3 AND probation_until_ms <= $2::bigint))
         ORDER BY pseudonym LIMIT ${PAGE}`,
        expiredBefore,
        nowMs,
        after,
      );
      if (candidates.length === 0) return transitioned;
      after = candidates[candidates.length - 1]!.p;
      const pseudonyms = candidates.map((row) => BigInt(row.p));
      const changes = await rewriteStates(this.prisma, pseudonyms, this.rules, now, (state, reputation) => applyTime(state, nowMs, this.rules, reputation));
      this.statusIndex.applyCommitted(changes);
      transitioned += changes.length;
      if (candidates.length < PAGE) return transitioned;
    }
  }
}
