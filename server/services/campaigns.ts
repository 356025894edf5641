import type { PrismaClient } from '../generated/prisma/client';
import type { CampaignEventView, CampaignPurpose, CampaignView } from '../../plugin/contract/protocol';
import { notFound } from '../errors';
import { keyset, pageOf, type PageRequest } from './pagination';
import type { AuditLog } from './audit';
import type { Realtime } from '../realtime/realtime';

type CampaignRow = {
  id: string;
  externalId: string;
  name: string;
  hygieneEnabled: boolean;
  hygieneChangedAt: Date | null;
  hygieneChangedBy: string | null;
  ninthDigit: boolean;
  purpose: string;
  reportedInvalid: bigint;
  reportedContact: bigint;
  reportedNeutral: bigint;
  createdAt: Date;
};

export const presentCampaign = (row: CampaignRow): CampaignView => ({
  id: row.id,
  externalId: row.externalId,
  name: row.name,
  hygieneEnabled: row.hygieneEnabled,
  hygieneChangedAt: row.hygieneChangedAt?.toISOString() ?? null,
  hygieneChangedBy: row.hygieneChangedBy,
  ninthDigit: row.ninthDigit,
  purpose: row.purpose as CampaignPurpose,
  reported: { invalid: Number(row.reportedInvalid), contact: Number(row.reportedContact), neutral: Number(row.reportedNeutral) },
  createdAt: row.createdAt.toISOString(),
});

export type CampaignRef = { id: string; externalId: string; hygieneEnabled: boolean };

/** Campaigns are registered by the dialer under its own id; admins switch "Higienização de Mailing". */
export class CampaignService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly realtime: Realtime,
    private readonly audit?: AuditLog,
    /** Unknown campaigns one outcome batch may register (MAX_NEW_CAMPAIGNS_PER_BATCH). */
    private readonly maxNewPerBatch = Number.POSITIVE_INFINITY,
  ) {}

  /** Registers a campaign or renames it; never changes its hygiene switch (that is the admins' call). */
  async register(tenantId: string, externalId: string, name?: string): Promise<CampaignView> {
    const row = await this.prisma.campaign.upsert({
      where: { tenantId_externalId: { tenantId, externalId } },
      create: { tenantId, externalId, name: name ?? externalId },
      update: name === undefined ? {} : { name, updatedAt: new Date() },
    });
    const view = presentCampaign(row);
    this.realtime.toTenant(tenantId, 'campaign:updated', view);
    return view;
  }

  /** Oldest first, `limit` at a time, after the cursor of the previous page (keyset on creation time and id). */
  async list(tenantId: string, page: PageRequest): Promise<{ campaigns: CampaignView[]; next: string | null }> {
    const { where, ...order } = keyset(page, 'asc');
    const { items, next } = pageOf(await this.prisma.campaign.findMany({ where: { tenantId, ...where }, ...order }), page);
    return { campaigns: items.map(presentCampaign), next };
  }

  async get(tenantId: string, externalId: string): Promise<CampaignView> {
    return presentCampaign(await this.find(tenantId, externalId));
  }

  async find(tenantId: string, externalId: string): Promise<CampaignRow> {
    const row = await this.prisma.campaign.findUnique({ where: { tenantId_externalId: { tenantId, externalId } } });
    if (!row) throw notFound(`campaign "${externalId}"`);
    return row;
  }

  async setHygiene(tenantId: string, externalId: string, enabled: boolean, actor: string): Promise<CampaignView> {
    const existing = await this.find(tenantId, externalId);
    const now = new Date();
    const [row] = await this.prisma.$transaction([
      this.prisma.campaign.update({
        where: { id: existing.id },
        data: { hygieneEnabled: enabled, hygieneChangedAt: now, hygieneChangedBy: actor, updatedAt: now },
      }),
      this.prisma.campaignEvent.create({ data: { campaignId: existing.id, actor, action: enabled ? 'hygiene_on' : 'hygiene_off', at: now } }),
    ]);
    const view = presentCampaign(row);
    this.realtime.toTenant(tenantId, 'campaign:updated', view);
    await this.audit?.record({ tenantId, actor, action: 'hygiene.switched', target: `campaign:${externalId}`, details: { enabled } });
    return view;
  }

  /** Whether its mailings' legacy 8-digit mobiles get the ninth digit (domain/phone.ts); audited like the hygiene switch. */
  async setNinthDigit(tenantId: string, externalId: string, enabled: boolean, actor: string): Promise<CampaignView> {
    const existing = await this.find(tenantId, externalId);
    const row = await this.prisma.campaign.update({ where: { id: existing.id }, data: { ninthDigit: enabled, updatedAt: new Date() } });
    const view = presentCampaign(row);
    this.realtime.toTenant(tenantId, 'campaign:updated', view);
    await this.audit?.record({ tenantId, actor, action: 'ninth-digit.switched', target: `campaign:${externalId}`, details: { enabled } });
    return view;
  }

  /** What the campaign calls for (domain/suppression.ts): which shared suppression lists apply. Audited. */
  async setPurpose(tenantId: string, externalId: string, purpose: CampaignPurpose, actor: string): Promise<CampaignView> {
    const existing = await this.find(tenantId, externalId);
    const row = await this.prisma.campaign.update({ where: { id: existing.id }, data: { purpose, updatedAt: new Date() } });
    const view = presentCampaign(row);
    this.realtime.toTenant(tenantId, 'campaign:updated', view);
    await this.audit?.record({ tenantId, actor, action: 'purpose.changed', target: `campaign:${externalId}`, details: { from: existing.purpose, to: purpose } });
    return view;
  }

  async history(tenantId: string, externalId: string): Promise<CampaignEventView[]> {
    const campaign = await this.find(tenantId, externalId);
    const rows = await this.prisma.campaignEvent.findMany({ where: { campaignId: campaign.id }, orderBy: { at: 'desc' }, take: 100 });
    return rows.map((row) => ({ actor: row.actor, action: row.action, at: row.at.toISOString() }));
  }

  /**
   * The campaigns a batch names, registering unknown ones (hygiene off) so no tabulation is lost to a typo-free 404.
   * At most maxNewPerBatch are registered, in the order the batch names them: 10,000 made-up ids in one batch used to
   * register 10,000 campaigns. The ids left out are absent from the map (their items are refused one by one).
   */
  async resolveForIngest(tenantId: string, externalIds: readonly string[]): Promise<Map<string, CampaignRef>> {
    const unique = [...new Set(externalIds)];
    const select = { id: true, externalId: true, hygieneEnabled: true } as const;
    let rows = await this.prisma.campaign.findMany({ where: { tenantId, externalId: { in: unique } }, select });
    if (rows.length < unique.length) {
      const known = new Set(rows.map((row) => row.externalId));
      const missing = unique.filter((id) => !known.has(id)).slice(0, this.maxNewPerBatch);
      await this.prisma.campaign.createMany({
        data: missing.map((externalId) => ({ tenantId, externalId, name: externalId })),
        skipDuplicates: true,
      });
      rows = await this.prisma.campaign.findMany({ where: { tenantId, externalId: { in: unique } }, select });
    }
    return new Map(rows.map((row) => [row.externalId, row]));
  }
}
