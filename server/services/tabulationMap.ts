import type { TabulationUsageView, TabulationView } from '../../plugin/contract/protocol';
import type { PrismaClient } from '../generated/prisma/client';
import type { Outcome } from '../domain/outcomes';
import { DEFAULT_TABULATIONS, DEFAULT_TABULATION_MAP, describeDefault, normalizeTabulationCode, tabulationCodeProblem } from '../domain/tabulations';
import { invalid, notFound } from '../errors';
import type { PubSub } from '../infra/pubsub';
import type { AuditLog } from './audit';
import type { OutcomeExtension } from './outcomeExtensions';
import type { Realtime } from '../realtime/realtime';

const CHANGED_CHANNEL = 'tabulations:changed';
const CACHE_MS = 60_000;

/** Each tenant's codes → canonical outcomes: shipped defaults overlaid with the tenant's own entries. */
export class TabulationMapService {
  private readonly cache = new Map<string, { map: Map<string, Outcome>; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pubsub: PubSub,
    private readonly realtime: Realtime,
    private readonly audit?: AuditLog,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async start(): Promise<void> {
    await this.pubsub.subscribe(CHANGED_CHANNEL, (tenantId) => this.cache.delete(tenantId));
  }

  /** The effective map for ingestion (cached; changes reach every instance through pub/sub). */
  async resolver(tenantId: string): Promise<Map<string, Outcome>> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.map;
    const overrides = await this.prisma.tabulationCode.findMany({ where: { tenantId }, select: { code: true, outcome: true } });
    const map = new Map(DEFAULT_TABULATION_MAP);
    for (const row of overrides) map.set(row.code, row.outcome);
    this.cache.set(tenantId, { map, until: Date.now() + CACHE_MS });
    return map;
  }

  async list(tenantId: string): Promise<TabulationView[]> {
    const overrides = await this.prisma.tabulationCode.findMany({ where: { tenantId }, orderBy: { code: 'asc' } });
    const byCode = new Map<string, TabulationView>();
    for (const entry of DEFAULT_TABULATIONS) {
      const code = normalizeTabulationCode(entry.code);
      const { en, ptBr } = describeDefault(entry);
      byCode.set(code, { code, label: entry.code, outcome: entry.outcome, source: 'default', description: en, descriptionPtBr: ptBr, defaultOutcome: entry.outcome });
    }
    for (const row of overrides) {
      const base = byCode.get(row.code);
      byCode.set(row.code, {
        code: row.code,
        label: row.label,
        outcome: row.outcome,
        source: 'tenant',
        ...(base?.description ? { description: base.description } : {}),
        ...(base?.descriptionPtBr ? { descriptionPtBr: base.descriptionPtBr } : {}),
        ...(base?.defaultOutcome ? { defaultOutcome: base.defaultOutcome } : {}),
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt.toISOString(),
      });
    }
    return [...byCode.values()];
  }

  async set(tenantId: string, label: string, outcome: Outcome, actor: string): Promise<TabulationView> {
    const code = normalizeTabulationCode(label);
    const problem = tabulationCodeProblem(code);
    if (problem) throw invalid('code', problem);
    const row = await this.prisma.tabulationCode.upsert({
      where: { tenantId_code: { tenantId, code } },
      create: { tenantId, code, label: label.trim(), outcome, updatedBy: actor },
      update: { label: label.trim(), outcome, updatedBy: actor, updatedAt: new Date() },
    });
    await this.changed(tenantId, code);
    await this.audit?.record({ tenantId, actor, action: 'tabulation.changed', target: `code:${code}`, details: { outcome } });
    return { code, label: row.label, outcome: row.outcome, source: 'tenant', updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() };
  }

  /** Drops the tenant's own entry: a default code goes back to its default, a custom code disappears. */
  async remove(tenantId: string, label: string, actor = 'unknown'): Promise<void> {
    const code = normalizeTabulationCode(label);
    const { count } = await this.prisma.tabulationCode.deleteMany({ where: { tenantId, code } });
    if (count === 0) throw notFound(`tabulation code "${label}" of this tenant`);
    await this.changed(tenantId, code);
    await this.audit?.record({ tenantId, actor, action: 'tabulation.changed', target: `code:${code}`, details: { reverted: true } });
  }

  /**
   * Counts the calls counted for the first time, per normalized code and UTC day, inside the batch's transaction
   * (so a retried call is never counted twice): a rule change's impact is read from these, since receipts keep only
   * a hash of the call id. Codes and counts only, never a phone.
   */
  readonly usageRecorder: OutcomeExtension = {
    contended: true,
    apply: async (tx, tenantId, calls, now) => {
      const callsByCode = new Map<string, number>();
      for (const call of calls) callsByCode.set(call.code, (callsByCode.get(call.code) ?? 0) + 1);
      const day = now.toISOString().slice(0, 10);
      // In code order, with ORDINALITY kept to the insert: two batches of the tenant lock the same rows in the same order.
      const codes = [...callsByCode.keys()].sort();
      await tx.$executeRaw`
        INSERT INTO tabulation_usage (tenant_id, code, day, calls)
        SELECT ${tenantId}::uuid, u.code, ${day}::date, u.calls
          FROM unnest(${codes}::text[], ${codes.map((code) => callsByCode.get(code)!)}::int[]) WITH ORDINALITY AS u(code, calls, position)
         ORDER BY u.position
        ON CONFLICT (tenant_id, code, day) DO UPDATE SET calls = tabulation_usage.calls + EXCLUDED.calls`;
    },
  };

  /** The tenant's accepted tabulations per code over the last `days` UTC days (today included). */
  async usage(tenantId: string, days: number): Promise<TabulationUsageView> {
    const now = this.clock();
    const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
    const rows = await this.prisma.tabulationUsage.groupBy({ by: ['code'], where: { tenantId, day: { gte: since } }, _sum: { calls: true } });
    return {
      days,
      since: since.toISOString().slice(0, 10),
      usage: rows.map((row) => ({ code: row.code, calls: row._sum.calls ?? 0 })).sort((a, b) => b.calls - a.calls || a.code.localeCompare(b.code)),
    };
  }

  private async changed(tenantId: string, code: string): Promise<void> {
    this.cache.delete(tenantId);
    await this.pubsub.publish(CHANGED_CHANNEL, tenantId);
    this.realtime.toTenant(tenantId, 'tabulations:updated', { code });
  }
}
