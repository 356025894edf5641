import type { Meter } from '../infra/meter';
import type { Logger } from '../logger';
import { AppError } from '../errors';
import type { AuditLog } from './audit';

export type ReadBudgetConfig = {
  /** Verdicts any tenant may read per rolling 24 h, contributing or not. */
  base: number;
  /** More verdicts per rolling 24 h for each tabulation the tenant contributed in the last 30 days. */
  perContribution: number;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Verdict reads are metered per tenant (issue 9, "read limits sized to participation"): checks, watch tokens and
 * the phones of filtered mailings all draw on one budget per rolling 24 hours, which grows with the tabulations the
 * tenant contributed to the pool in the last 30 days. Past it, a read is refused with 429 and Retry-After, and
 * logged. A request whose phones look like an enumeration (long runs of consecutive numbers) is flagged to the
 * operator in the audit log. docs/privacy.md states what a tenant can still learn within its budget.
 */
export class ReadBudget {
  constructor(
    private readonly meter: Meter,
    private readonly config: ReadBudgetConfig,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  /** Records tabulations a tenant contributed (hygiene-enabled campaigns), which raise its budget. */
  async contributed(tenantId: string, tabulations: number): Promise<void> {
    if (tabulations > 0) await this.meter.add(`contrib:${tenantId}`, tabulations, DAY, 30);
  }

  /**
   * Charges `lookups` verdict reads to the tenant, or refuses the request (nothing charged) when they do not fit.
   * `allowOverdraft` is for a mailing already streamed: its phones are charged after the fact and only the next
   * read is refused. A zero-cost charge asks "is anything left?": refused only once the budget is spent. The check
   * and the charge are one atomic step in the meter, so parallel requests at the budget's edge cannot all pass.
   */
  async charge(tenantId: string, lookups: number, options: { allowOverdraft?: boolean } = {}): Promise<void> {
    const { taken, used, allowance } = await this.meter.take(
      { key: `reads:${tenantId}`, bucketMs: HOUR, buckets: 24 },
      lookups,
      { key: `contrib:${tenantId}`, bucketMs: DAY, buckets: 30 },
      { base: this.config.base, perUnit: this.config.perContribution, overdraft: options.allowOverdraft === true },
    );
    if (taken) return;
    this.logger.warn({ tenantId, lookups, used, budget: allowance }, 'verdict reads refused: over the tenant budget');
    // The oldest hour of the window leaves within the hour: an honest client waits that long at most.
    throw new AppError('RATE_LIMITED', `this tenant read ${used} of its ${allowance} verdicts in the last 24 h; the budget grows with the tabulations it contributes`).withRetryAfter(3600);
  }

  /** Flags a request whose phones are mostly runs of consecutive numbers (a range walk, not a mailing). */
  async flagEnumeration(tenantId: string, digits: readonly number[], where: string): Promise<boolean> {
    if (digits.length < 1000) return false;
    const sorted = [...digits].sort((a, b) => a - b);
    let consecutive = 0;
    for (let i = 1; i < sorted.length; i++) if ((sorted[i] as number) - (sorted[i - 1] as number) <= 2) consecutive++;
    const share = consecutive / (sorted.length - 1);
    if (share < 0.5) return false;
    this.logger.warn({ tenantId, where, phones: digits.length, consecutiveShare: Math.round(share * 100) / 100 }, 'enumeration pattern flagged');
    await this.audit.record({ tenantId, actor: 'server', action: 'enumeration.flagged', target: where, details: { phones: digits.length, consecutiveShare: Math.round(share * 100) / 100 } });
    return true;
  }
}
