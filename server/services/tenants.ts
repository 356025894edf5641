import type { PrismaClient } from '../generated/prisma/client';
import type { DialerKeySearchPage, DialerKeyView } from '../../plugin/contract/protocol';
import { AppError, notFound } from '../errors';
import type { AuditLog } from './audit';
import type { Realtime } from '../realtime/realtime';
import { keyset, pageOf, type PageRequest } from './pagination';
import { generateDialerKey, hashPassword, type AuthService } from './auth';

type DialerKeyRow = { id: string; name: string; prefix: string; createdBy: string; createdAt: Date; revokedAt: Date | null; revokedBy: string | null; lastUsedAt: Date | null };

const presentKey = (row: DialerKeyRow, connected = false): DialerKeyView => ({
  id: row.id,
  name: row.name,
  prefix: `hyg_${row.prefix}`,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
  revokedBy: row.revokedBy,
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  connected,
});

export const DIALER_KEY_SORTS = ['createdAt', 'name', 'lastUsedAt'] as const;
export type DialerKeySearchRequest = {
  /** Part of the key's name or prefix, any case. */
  q?: string;
  state?: 'active' | 'revoked';
  sort: (typeof DIALER_KEY_SORTS)[number];
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
};

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/** Tenants, their admins and their dialer keys (operator command and admin console). */
export class TenantService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly auth: AuthService,
    private readonly realtime: Realtime,
    private readonly audit?: AuditLog,
  ) {}

  async createTenant(input: { slug: string; name: string }): Promise<{ id: string; slug: string; name: string }> {
    try {
      return await this.prisma.tenant.create({ data: input, select: { id: true, slug: true, name: true } });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', `a tenant with slug "${input.slug}" already exists`, 'slug');
      throw error;
    }
  }

  async findTenant(slugOrId: string): Promise<{ id: string; slug: string; name: string }> {
    const tenant = await this.prisma.tenant.findFirst({
      where: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(slugOrId) ? { OR: [{ id: slugOrId }, { slug: slugOrId }] } : { slug: slugOrId },
      select: { id: true, slug: true, name: true },
    });
    if (!tenant) throw notFound(`tenant "${slugOrId}"`);
    return tenant;
  }

  async listTenants(): Promise<{ id: string; slug: string; name: string }[]> {
    return this.prisma.tenant.findMany({ select: { id: true, slug: true, name: true }, orderBy: { slug: 'asc' } });
  }

  async createAdmin(tenantId: string, input: { email: string; name: string; password: string }): Promise<{ id: string; email: string }> {
    try {
      return await this.prisma.adminUser.create({
        data: { tenantId, email: input.email.trim().toLowerCase(), name: input.name, passwordHash: await hashPassword(input.password) },
        select: { id: true, email: true },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', `an admin with email "${input.email}" already exists`, 'email');
      throw error;
    }
  }

  /** Creates a dialer key; the key itself is returned only here, once. */
  async createDialerKey(tenantId: string, name: string, createdBy: string): Promise<DialerKeyView & { key: string }> {
    const { key, prefix, keyHash } = generateDialerKey();
    const row = await this.prisma.dialerKey.create({ data: { tenantId, name, prefix, keyHash, createdBy } });
    this.realtime.toTenant(tenantId, 'dialer-keys:updated', { id: row.id });
    await this.audit?.record({ tenantId, actor: createdBy, action: 'dialer-key.created', target: `key:${row.prefix}`, details: { name } });
    return { ...presentKey(row), key };
  }

  /** Newest first, a page at a time (services/pagination.ts). */
  async listDialerKeys(tenantId: string, page: PageRequest): Promise<{ keys: DialerKeyView[]; next: string | null }> {
    const { where, ...order } = keyset(page, 'desc');
    const [rows, connected] = await Promise.all([this.prisma.dialerKey.findMany({ where: { tenantId, ...where }, ...order }), this.realtime.connectedDialerKeys(tenantId)]);
    const { items, next } = pageOf(rows, page);
    return { keys: items.map((row) => presentKey(row, connected.has(row.id))), next };
  }

  /**
   * The console's keys list: searched, filtered, sorted and cut into offset pages in the database (like
   * MailingSearchService), ties newest first then by id so pages are stable; a key never used sorts last either way.
   */
  async searchDialerKeys(tenantId: string, request: DialerKeySearchRequest): Promise<DialerKeySearchPage> {
    const text = request.q?.replace(/^hyg_/i, '');
    const where = {
      tenantId,
      ...(text ? { OR: [{ name: { contains: text, mode: 'insensitive' as const } }, { prefix: { startsWith: text, mode: 'insensitive' as const } }] } : {}),
      ...(request.state === 'active' ? { revokedAt: null } : request.state === 'revoked' ? { revokedAt: { not: null } } : {}),
    };
    const primary = request.sort === 'lastUsedAt' ? { lastUsedAt: { sort: request.order, nulls: 'last' as const } } : { [request.sort]: request.order };
    const [rows, total, tenantKeys, connected] = await Promise.all([
      this.prisma.dialerKey.findMany({ where, orderBy: [primary, { createdAt: 'desc' }, { id: 'desc' }], skip: request.offset, take: request.limit }),
      this.prisma.dialerKey.count({ where }),
      this.prisma.dialerKey.count({ where: { tenantId } }),
      this.realtime.connectedDialerKeys(tenantId),
    ]);
    return { keys: rows.map((row) => presentKey(row, connected.has(row.id))), next: null, total, tenantKeys };
  }

  async revokeDialerKey(tenantId: string, keyId: string, revokedBy: string): Promise<DialerKeyView> {
    const existing = await this.prisma.dialerKey.findFirst({ where: { id: keyId, tenantId } });
    if (!existing) throw notFound('dialer key');
    const row = existing.revokedAt
      ? existing
      : await this.prisma.dialerKey.update({ where: { id: keyId }, data: { revokedAt: new Date(), revokedBy } });
    await this.auth.forgetKey(row.prefix);
    this.realtime.toTenant(tenantId, 'dialer-keys:updated', { id: row.id });
    if (!existing.revokedAt) await this.audit?.record({ tenantId, actor: revokedBy, action: 'dialer-key.revoked', target: `key:${row.prefix}` });
    return presentKey(row);
  }
}
