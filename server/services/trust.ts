import type { PrismaClient } from '../generated/prisma/client';
import type { NumberExplanation } from '../../plugin/contract/protocol';
import type { Pseudonymizer } from '../domain/pseudonym';
import { contest, explain, recompute, STATUS, statusFor, type TrustRules } from '../domain/trust';
import { parsePhone } from '../domain/phone';
import { invalid } from '../errors';
import type { ReadBudget } from './readBudget';
import { retryOnConflict } from '../db/conflicts';
import type { AuditLog } from './audit';
import type { StatusIndex } from './statusIndex';
import { loadReputation, lockStates, rewriteStates, saveStates, sourceFactor } from './trustStore';

const PAGE = 2000;

export type SourceStanding = {
  tenantId: string;
  slug: string;
  marks: number;
  contradicted: number;
  /** Share of the weight the tenant put on numbers that other tenants corroborated (null before it marked any). */
  corroboratedShare: number | null;
  weightFactor: number;
  quarantined: boolean;
  quarantineReason: string | null;
};

/**
 * The operator's view and levers over the pool's sources: each tenant's marks, how many other tenants'
 * contacts contradicted, the share of its marked weight other tenants corroborated, the weight that leaves it, and quarantine (its evidence stops counting at once, and the
 * verdicts of every number it marked are recomputed). The tenant's name comes from the server's own table and key:
 * the evidence ledger itself holds only the source pseudonym.
 */
export class TrustService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly statusIndex: StatusIndex,
    private readonly audit: AuditLog,
    private readonly rules: TrustRules,
    private readonly clock: () => Date,
    private readonly readBudget?: ReadBudget,
  ) {}

  private pseudonymOf(phone: string): bigint {
    const parsed = parsePhone(phone);
    if (!parsed.ok) throw invalid('phone', parsed.message);
    return this.pseudonymizer.phone(parsed.digits);
  }

  /**
   * Why a number is removed from this tenant's mailings: counted marks, distinct tenants (never which), distinct
   * days, last seen, when the evidence expires, whether it was probably reassigned. A number the tenant would dial
   * (clean or unconfirmed in its view) answers `{removed: false}` and nothing else, whether the pool knows it or
   * not: the explanation reveals no more than filtering does. Each call is a metered read.
   */
  async explain(tenantId: string, phone: string): Promise<NumberExplanation> {
    const pseudonym = this.pseudonymOf(phone);
    await this.readBudget?.charge(tenantId, 1);
    const source = this.pseudonymizer.source(tenantId);
    const now = this.clock().getTime();
    return this.prisma.$transaction(async (tx) => {
      const state = (await lockStates(tx, [pseudonym], [])).get(pseudonym);
      if (!state) return { removed: false };
      const view = statusFor(state, source, this.rules);
      if (view.status !== STATUS.INVALID && view.status !== STATUS.PROBATION) return { removed: false };
      const sources = new Set(state.sources.map((entry) => entry.source));
      const reason = explain(state, source, now, this.rules, await loadReputation(tx, [...sources], this.rules));
      const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
      return {
        removed: true,
        status: view.status === STATUS.PROBATION ? 'probation' : 'invalid',
        // A contest is the tenant's view of a pool removal: the removal is still the pool's.
        by: view.own && view.status === STATUS.INVALID ? 'own' : 'pool',
        countedMarks: reason.countedMarks,
        distinctTenants: reason.distinctSources,
        distinctDays: reason.distinctDays,
        lastSeenAt: iso(reason.lastSeenAt),
        expiresAt: iso(reason.expiresAt),
        possiblyReassigned: reason.possiblyReassigned,
        contested: state.sources.some((entry) => entry.source === source && entry.contestedAt > state.invalidSince),
      };
    });
  }

  /** A tenant contests a removal: on probation for this tenant only, audited. Same answer for any number. */
  async contest(tenantId: string, actor: string, phone: string, reason: string): Promise<{ contested: true }> {
    const pseudonym = this.pseudonymOf(phone);
    const source = this.pseudonymizer.source(tenantId);
    const now = this.clock();
    let applied = false;
    const changes = await retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const state = (await lockStates(tx, [pseudonym], [])).get(pseudonym);
        if (!state || state.status !== STATUS.INVALID) return [];
        applied = true;
        const sources = new Set(state.sources.map((entry) => entry.source));
        const reputation = await loadReputation(tx, [...sources], this.rules);
        contest(state, source, now.getTime());
        return saveStates(tx, [{ pseudonym, before: state.status, state, marks: 0, contacts: 0, lastMarkAt: 0, lastContactAt: 0 }], this.rules, reputation, now);
      }),
    );
    this.statusIndex.applyCommitted(changes);
    // Recorded only when it took effect (a pool removal); the answer is the same either way.
    if (applied) await this.audit.record({ tenantId, actor, action: 'number.contested', reason });
    return { contested: true };
  }

  async standings(): Promise<SourceStanding[]> {
    const tenants = await this.prisma.tenant.findMany({ select: { id: true, slug: true }, orderBy: { slug: 'asc' } });
    const rows = await this.prisma.trustSource.findMany();
    const bySource = new Map(rows.map((row) => [row.source, row]));
    return tenants.map((tenant) => {
      const row = bySource.get(this.pseudonymizer.source(tenant.id));
      const marks = Number(row?.marks ?? 0);
      const contradicted = Number(row?.contradicted ?? 0);
      const ledger = { marks, contradicted, mw: row?.markedWeight ?? 0, cw: row?.corroboratedWeight ?? 0 };
      return {
        tenantId: tenant.id,
        slug: tenant.slug,
        marks,
        contradicted,
        corroboratedShare: ledger.mw > 0 ? ledger.cw / ledger.mw : null,
        weightFactor: sourceFactor(ledger, this.rules),
        quarantined: Boolean(row?.quarantinedAt),
        quarantineReason: row?.quarantineReason ?? null,
      };
    });
  }

  /** Quarantines (or releases) a tenant's evidence, recomputes its numbers' verdicts, and audits it. */
  async setQuarantine(tenantId: string, quarantined: boolean, actor: string, reason: string): Promise<{ recomputed: number; changed: number }> {
    const source = this.pseudonymizer.source(tenantId);
    const now = this.clock();
    await this.prisma.trustSource.upsert({
      where: { source },
      create: { source, quarantinedAt: quarantined ? now : null, quarantinedBy: quarantined ? actor : null, quarantineReason: quarantined ? reason : null },
      update: { quarantinedAt: quarantined ? now : null, quarantinedBy: quarantined ? actor : null, quarantineReason: quarantined ? reason : null },
    });
    const result = await this.recomputeSource(source, now);
    await this.audit.record({ tenantId, actor, action: quarantined ? 'source.quarantined' : 'source.released', reason, details: result });
    return result;
  }

  /** Every number the source has evidence on, page by page in pseudonym order, recomputed under the current reputation. */
  private async recomputeSource(source: bigint, now: Date): Promise<{ recomputed: number; changed: number }> {
    let after = '-9223372036854775808';
    let recomputed = 0;
    let changed = 0;
    for (;;) {
      const page = await this.prisma.$queryRawUnsafe<{ p: string }[]>(
        `SELECT pseudonym::text AS p FROM number_evidence WHERE source = $1::bigint AND pseudonym > $2::bigint ORDER BY pseudonym LIMIT ${PAGE}`,
        source.toString(),
        after,
      );
      if (page.length === 0) break;
      after = page[page.length - 1]!.p;
      const pseudonyms = page.map((row) => BigInt(row.p));
      const changes = await rewriteStates(this.prisma, pseudonyms, this.rules, now, (state, reputation) => recompute(state, now.getTime(), this.rules, reputation));
      this.statusIndex.applyCommitted(changes);
      recomputed += pseudonyms.length;
      changed += changes.length;
      if (page.length < PAGE) break;
    }
    return { recomputed, changed };
  }
}
