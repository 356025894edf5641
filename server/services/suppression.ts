import type { PrismaClient } from '../generated/prisma/client';
import { parsePhone, parsePhoneFast } from '../domain/phone';
import type { Pseudonymizer, PseudonymBatch } from '../domain/pseudonym';
import {
  KIND_CODE,
  KIND_OF_CODE,
  LIST_PURPOSES,
  listApplies,
  SHARED_LISTS,
  type ListKind,
  type ListPurpose,
  type Purpose,
  type SuppressionMatcher,
} from '../domain/suppression';
import { AppError, notFound } from '../errors';
import type { AuditLog } from './audit';
import type { CampaignService } from './campaigns';
import { keyset, pageOf, type PageRequest } from './pagination';
import { type LoadedList, listHolds, SuppressionIndex } from './suppressionIndex';
import { readPhoneLines } from './suppressionFile';

/** What an admin sees of an entry: never the phone (only its keyed pseudonym is stored). */
export type SuppressionEntryView = {
  id: string;
  list: 'tenant' | 'campaign';
  campaignId: string | null;
  source: string;
  expiresAt: string | null;
  expired: boolean;
  createdBy: string | null;
  createdAt: string;
};

export type SharedListView = {
  code: string;
  kind: 'national' | 'state';
  uf: string | null;
  name: string;
  purposes: string[];
  legalSource: string;
  entries: number;
  importedAt: string | null;
  fileSource: string | null;
};

export type EntryInput = { campaignId?: string; source: string; expiresAt?: Date };
/** Phones refused by an add or an import: their position (index or line) and why, never the phone. */
export type Refused = { at: number; code: string; message: string };

/** Rows per INSERT: one statement per 10k entries (docs/performance.md: ~100k rows/s that way). */
const INSERT_CHUNK = 10_000;
/** Refusals an answer lists in full; the rest are only counted. */
const MAX_REFUSALS_LISTED = 50;

const scopeOfTenant = (tenantId: string) => `tenant:${tenantId}`;
const scopeOfCampaign = (campaignId: string) => `campaign:${campaignId}`;
const scopeOfShared = (code: string) => `shared:${code}`;

/** Several lists over one number batch: the KIND_CODE of the most specific list holding each number. */
class ListMatcher implements SuppressionMatcher {
  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly tenantId: string,
    private readonly shared: readonly { list: LoadedList; kind: number }[],
    private readonly own: readonly { list: LoadedList; kind: number }[],
    private readonly now: number,
  ) {}

  match(digits: ArrayLike<number>, count: number, batch: PseudonymBatch): Uint8Array {
    const kinds = new Uint8Array(count);
    // Less specific first, so a more specific list's kind overwrites (what a check reveals is the closest list).
    for (const { list, kind } of this.shared) {
      for (let j = 0; j < count; j++) if (listHolds(list, batch, j, this.now)) kinds[j] = Math.max(kinds[j] as number, kind);
    }
    if (this.own.length > 0) {
      const tenantBatch = this.pseudonymizer.tenantPhones(this.tenantId, digits, count);
      for (const { list, kind } of this.own) {
        for (let j = 0; j < count; j++) if (listHolds(list, tenantBatch, j, this.now)) kinds[j] = Math.max(kinds[j] as number, kind);
      }
    }
    return kinds;
  }
}

/**
 * Do-not-call lists: the tenant's and its campaigns' (admins add, remove, import), the shared national and state
 * lists (the operator imports their files), and the matcher the mailing filter and the dial-time check use.
 */
export class SuppressionService {
  readonly index: SuppressionIndex;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly campaigns: CampaignService,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {
    this.index = new SuppressionIndex(prisma);
  }

  /**
   * The lists that apply to a campaign (shared ones by its purpose, the tenant's, the campaign's), loaded, or
   * undefined when none holds an entry (the filter then skips the work).
   */
  async matcherFor(tenantId: string, campaign: { id: string; purpose: string }): Promise<SuppressionMatcher | undefined> {
    const rows = await this.prisma.suppressionList.findMany({
      where: { OR: [{ tenantId: null }, { scopeKey: { in: [scopeOfTenant(tenantId), scopeOfCampaign(campaign.id)] } }] },
      select: { id: true, kind: true, purposes: true, tenantId: true },
    });
    const applying = rows.filter((row) => row.tenantId !== null || listApplies(row.purposes.split(','), campaign.purpose as Purpose));
    const kindOf = new Map(applying.map((row) => [row.id, row.kind as ListKind]));
    const loaded = (await this.index.fresh(applying.map((row) => row.id))).filter((list) => list.hi.length > 0);
    if (loaded.length === 0) return undefined;
    const withKind = loaded.map((list) => ({ list, kind: KIND_CODE[kindOf.get(list.id) as ListKind] })).sort((a, b) => a.kind - b.kind);
    const own = withKind.filter((entry) => entry.kind >= KIND_CODE.tenant);
    const shared = withKind.filter((entry) => entry.kind < KIND_CODE.tenant);
    return new ListMatcher(this.pseudonymizer, tenantId, shared, own, this.clock().getTime());
  }

  /** The kind of the closest list holding each number (E.164 digits), or null, for a dial-time check. */
  static kindsOf(matcher: SuppressionMatcher | undefined, pseudonymizer: Pseudonymizer, digits: readonly number[]): (ListKind | null)[] {
    if (!matcher || digits.length === 0) return digits.map(() => null);
    const kinds = matcher.match(digits, digits.length, pseudonymizer.phones(digits));
    return digits.map((_digits, j) => KIND_OF_CODE[kinds[j] as number] ?? null);
  }

  /** The tenant's list, or one of its campaign's, created on first use. */
  private async ownList(tenantId: string, campaignExternalId: string | undefined): Promise<{ id: string }> {
    if (campaignExternalId === undefined) {
      return this.prisma.suppressionList.upsert({
        where: { scopeKey: scopeOfTenant(tenantId) },
        create: { scopeKey: scopeOfTenant(tenantId), tenantId, kind: 'tenant', code: 'tenant' },
        update: {},
        select: { id: true },
      });
    }
    const campaign = await this.campaigns.find(tenantId, campaignExternalId);
    return this.prisma.suppressionList.upsert({
      where: { scopeKey: scopeOfCampaign(campaign.id) },
      create: { scopeKey: scopeOfCampaign(campaign.id), tenantId, campaignId: campaign.id, kind: 'campaign', code: 'campaign' },
      update: {},
      select: { id: true },
    });
  }

  /** Adds (or renews: new source and expiry) entries; malformed phones are refused by position, never silently. */
  async add(tenantId: string, actor: string, phones: readonly string[], input: EntryInput): Promise<{ added: number; refused: Refused[] }> {
    const digits: number[] = [];
    const refused: Refused[] = [];
    phones.forEach((phone, index) => {
      const parsed = parsePhone(phone);
      if (parsed.ok) digits.push(parsed.digits);
      else refused.push({ at: index, code: parsed.code, message: parsed.message });
    });
    const list = await this.ownList(tenantId, input.campaignId);
    const added = await this.insert(list.id, this.pseudonymizer.tenantPhones(tenantId, digits), input, actor);
    await this.audit.record({ tenantId, actor, action: 'suppression.changed', target: this.targetOf(input.campaignId), details: { added, refused: refused.length } });
    return { added, refused: refused.slice(0, MAX_REFUSALS_LISTED) };
  }

  /** A CSV or a plain list of numbers, one per line (the phone is the first cell that reads as one). */
  async importFile(tenantId: string, actor: string, body: AsyncIterable<Buffer>, input: EntryInput, maxBytes: number): Promise<{ lines: number; added: number; refused: number; firstRefusals: Refused[] }> {
    const list = await this.ownList(tenantId, input.campaignId);
    // Read whole, then written in one transaction: a file cut or refused midway (PAYLOAD_TOO_LARGE) adds nothing.
    const all: number[] = [];
    const stats = await readPhoneLines(body, maxBytes, async (digits) => {
      for (const value of digits) all.push(value);
    });
    const added = await this.insert(list.id, this.pseudonymizer.tenantPhones(tenantId, all), input, actor);
    await this.audit.record({ tenantId, actor, action: 'suppression.changed', target: this.targetOf(input.campaignId), details: { imported: added, refused: stats.refused } });
    return { lines: stats.lines, added, refused: stats.refused, firstRefusals: stats.firstRefusals };
  }

  private targetOf(campaignId: string | undefined): string {
    return campaignId === undefined ? 'suppression:tenant' : `suppression:campaign:${campaignId}`;
  }

  /** Upserts pseudonyms into a list and moves its version, in one transaction. Returns how many were written. */
  private async insert(listId: string, batch: PseudonymBatch, input: EntryInput, actor: string | null): Promise<number> {
    const unique = [...new Set(Array.from({ length: batch.length }, (_v, i) => batch.bigint(i)))];
    if (unique.length === 0) return 0;
    await this.prisma.$transaction(async (tx) => {
      for (let start = 0; start < unique.length; start += INSERT_CHUNK) {
        await tx.$executeRawUnsafe(
          `INSERT INTO suppression_entries (id, list_id, pseudonym, source, expires_at, created_by)
           SELECT gen_random_uuid(), $1::uuid, pseudonym, $3, $4::timestamptz, $5 FROM unnest($2::bigint[]) AS pseudonym
           ON CONFLICT (list_id, pseudonym) DO UPDATE SET source = EXCLUDED.source, expires_at = EXCLUDED.expires_at`,
          listId,
          unique.slice(start, start + INSERT_CHUNK),
          input.source,
          input.expiresAt ?? null,
          actor,
        );
      }
      await tx.suppressionList.update({ where: { id: listId }, data: { version: { increment: 1 }, updatedAt: this.clock() } });
    }, { timeout: 120_000 });
    return unique.length;
  }

  /** Removes the entries of these phones from the tenant's list or a campaign's. */
  async remove(tenantId: string, actor: string, phones: readonly string[], campaignId?: string): Promise<{ removed: number }> {
    const digits = phones.map((phone) => parsePhoneFast(phone.trim())).filter((value) => value >= 0);
    const list = await this.ownList(tenantId, campaignId);
    const batch = this.pseudonymizer.tenantPhones(tenantId, digits);
    const pseudonyms = Array.from({ length: batch.length }, (_v, i) => batch.bigint(i));
    const removed = await this.deleteWhere(list.id, { pseudonym: { in: pseudonyms } });
    await this.audit.record({ tenantId, actor, action: 'suppression.changed', target: this.targetOf(campaignId), details: { removed } });
    return { removed };
  }

  /** Removes one entry by its id; another tenant's entry is NOT_FOUND, exactly like a missing one. */
  async removeEntry(tenantId: string, actor: string, entryId: string): Promise<void> {
    const entry = /^[0-9a-f-]{36}$/i.test(entryId)
      ? await this.prisma.suppressionEntry.findFirst({ where: { id: entryId, list: { tenantId } }, select: { listId: true } })
      : null;
    if (!entry) throw notFound('suppression entry');
    await this.deleteWhere(entry.listId, { id: entryId });
    await this.audit.record({ tenantId, actor, action: 'suppression.changed', target: `suppression:entry:${entryId}`, details: { removed: 1 } });
  }

  private async deleteWhere(listId: string, where: { id: string } | { pseudonym: { in: bigint[] } }): Promise<number> {
    const [deleted] = await this.prisma.$transaction([
      this.prisma.suppressionEntry.deleteMany({ where: { listId, ...where } }),
      this.prisma.suppressionList.update({ where: { id: listId }, data: { version: { increment: 1 }, updatedAt: this.clock() } }),
    ]);
    return deleted.count;
  }

  /** The entries of the tenant's list (or a campaign's), oldest first, a page at a time. */
  async list(tenantId: string, page: PageRequest, campaignId?: string): Promise<{ entries: SuppressionEntryView[]; next: string | null }> {
    const scopeKey = campaignId === undefined ? scopeOfTenant(tenantId) : scopeOfCampaign((await this.campaigns.find(tenantId, campaignId)).id);
    const { where, ...order } = keyset(page, 'asc');
    const rows = await this.prisma.suppressionEntry.findMany({ where: { list: { scopeKey, tenantId }, ...where }, ...order });
    const { items, next } = pageOf(rows, page);
    const now = this.clock().getTime();
    return {
      entries: items.map((row) => ({
        id: row.id,
        list: campaignId === undefined ? 'tenant' : 'campaign',
        campaignId: campaignId ?? null,
        source: row.source,
        expiresAt: row.expiresAt?.toISOString() ?? null,
        expired: row.expiresAt !== null && row.expiresAt.getTime() <= now,
        createdBy: row.createdBy,
        createdAt: row.createdAt.toISOString(),
      })),
      next,
    };
  }

  /** Every shared list the product knows, with what is imported of it. */
  async sharedLists(): Promise<SharedListView[]> {
    const rows = await this.prisma.suppressionList.findMany({ where: { tenantId: null }, include: { _count: { select: { entries: true } } } });
    const byCode = new Map(rows.map((row) => [row.code, row]));
    return Object.entries(SHARED_LISTS).map(([code, info]) => {
      const row = byCode.get(code);
      return {
        code,
        kind: info.kind,
        uf: info.uf,
        name: info.name,
        purposes: row?.purposes ? row.purposes.split(',') : [...info.purposes],
        legalSource: info.source,
        entries: row?._count.entries ?? 0,
        importedAt: row?.importedAt?.toISOString() ?? null,
        fileSource: row?.source ?? null,
      };
    });
  }

  /**
   * The operator's import of a shared list's file: it replaces the list (the file is what counts: a number gone
   * from Não Me Perturbe's file may be called again). Runs in one transaction: a failed import leaves the old list.
   */
  async importShared(code: string, body: AsyncIterable<Buffer>, options: { purposes?: ListPurpose[]; source?: string; actor: string }, maxBytes: number) {
    const info = SHARED_LISTS[code];
    if (!info) throw notFound(`shared list "${code}"`);
    const purposes = (options.purposes ?? [...info.purposes]).filter((purpose) => LIST_PURPOSES.includes(purpose));
    const pseudonyms = new Set<bigint>();
    const stats = await readPhoneLines(body, maxBytes, async (digits) => {
      const batch = this.pseudonymizer.phones(digits);
      for (let i = 0; i < batch.length; i++) pseudonyms.add(batch.bigint(i));
    });
    if (pseudonyms.size === 0 && stats.lines > 0) throw new AppError('VALIDATION_FAILED', 'no valid phone in the file: nothing imported, the list is unchanged', 'body');
    const all = [...pseudonyms];
    const now = this.clock();
    await this.prisma.$transaction(async (tx) => {
      const list = await tx.suppressionList.upsert({
        where: { scopeKey: scopeOfShared(code) },
        create: { scopeKey: scopeOfShared(code), kind: info.kind, code, purposes: purposes.join(','), source: options.source ?? null, importedAt: now },
        update: { purposes: purposes.join(','), source: options.source ?? null, importedAt: now, updatedAt: now, version: { increment: 1 } },
      });
      await tx.suppressionEntry.deleteMany({ where: { listId: list.id } });
      for (let start = 0; start < all.length; start += INSERT_CHUNK) {
        await tx.$executeRawUnsafe(
          `INSERT INTO suppression_entries (id, list_id, pseudonym, source) SELECT gen_random_uuid(), $1::uuid, pseudonym, $3 FROM unnest($2::bigint[]) AS pseudonym`,
          list.id,
          all.slice(start, start + INSERT_CHUNK),
          code,
        );
      }
    }, { timeout: 30 * 60_000 });
    await this.audit.record({ tenantId: null, actor: options.actor, action: 'suppression.changed', target: `suppression:shared:${code}`, details: { entries: all.length, refused: stats.refused, purposes } });
    return { code, purposes, lines: stats.lines, entries: all.length, refused: stats.refused, firstRefusals: stats.firstRefusals };
  }
}
