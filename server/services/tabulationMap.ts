import type { TabulationView } from '../../plugin/contract/protocol';
import type { PrismaClient } from '../generated/prisma/client';
import type { Outcome } from '../domain/outcomes';
import { DEFAULT_TABULATIONS, DEFAULT_TABULATION_MAP, normalizeTabulationCode } from '../domain/tabulations';
import { invalid, notFound } from '../errors';
import type { PubSub } from '../infra/pubsub';
import type { AuditLog } from './audit';
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
      byCode.set(code, { code, label: entry.code, outcome: entry.outcome, source: 'default', description: entry.description, defaultOutcome: entry.outcome });
    }
    for (const row of overrides) {
      const base = byCode.get(row.code);
      byCode.set(row.code, {
        code: row.code,
        label: row.label,
        outcome: row.outcome,
        source: 'tenant',
        ...(base?.description ? { description: base.description } : {}),
        ...(base?.defaultOutcome ? { defaultOutcome: base.defaultOutcome } : {}),
        updatedBy: row.updatedBy,
        updatedAt: row.updatedAt.toISOString(),
      });
    }
    return [...byCode.values()];
  }

  async set(tenantId: string, label: string, outcome: Outcome, actor: string): Promise<TabulationView> {
    const code = normalizeTabulationCode(label);
    if (!code) throw invalid('code', 'must not be empty');
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

  private async changed(tenantId: string, code: string): Promise<void> {
    this.cache.delete(tenantId);
    await this.pubsub.publish(CHANGED_CHANNEL, tenantId);
    this.realtime.toTenant(tenantId, 'tabulations:updated', { code });
  }
}
