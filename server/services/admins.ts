import type { PrismaClient } from '../generated/prisma/client';
import type { LoginResult } from '../../plugin/contract/protocol';
import { AppError, notFound } from '../errors';
import type { AuditLog } from './audit';
import { hashPassword, verifyPassword, type AuthService } from './auth';

export type AdminView = { id: string; email: string; name: string; createdAt: string; disabledAt: string | null };

const presentAdmin = (row: { id: string; email: string; name: string; createdAt: Date; disabledAt: Date | null }): AdminView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
  disabledAt: row.disabledAt?.toISOString() ?? null,
});

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

/**
 * The admin lifecycle (issue 10): a tenant admin invites and disables admins of its tenant, changes its own
 * password and signs out everywhere; the operator offboards a tenant. Every change that ends sessions goes through
 * AuthService, which tells every instance (its caches and open sockets) within the pub/sub delay.
 */
export class AdminService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
  ) {}

  async list(tenantId: string): Promise<AdminView[]> {
    const rows = await this.prisma.adminUser.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' }, take: 1000 });
    return rows.map(presentAdmin);
  }

  async invite(tenantId: string, input: { email: string; name: string; password: string }, actor: string): Promise<AdminView> {
    try {
      const row = await this.prisma.adminUser.create({
        data: { tenantId, email: input.email.trim().toLowerCase(), name: input.name, passwordHash: await hashPassword(input.password) },
      });
      await this.audit.record({ tenantId, actor, action: 'admin.created', target: `admin:${row.id}` });
      return presentAdmin(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'an admin with this email already exists', 'email');
      throw error;
    }
  }

  /** Disables an admin of the caller's tenant: it cannot sign in, and its sessions and sockets end at once. */
  async disable(tenantId: string, adminId: string, actor: { id: string; name: string }): Promise<AdminView> {
    if (adminId === actor.id) throw new AppError('CONFLICT', 'you cannot disable yourself; ask another admin of your tenant', 'adminId');
    const existing = await this.prisma.adminUser.findFirst({ where: { id: adminId, tenantId } });
    if (!existing) throw notFound('admin');
    const row = existing.disabledAt ? existing : await this.prisma.adminUser.update({ where: { id: adminId }, data: { disabledAt: new Date(), tokenVersion: { increment: 1 } } });
    await this.auth.forgetAdmin(adminId);
    if (!existing.disabledAt) await this.audit.record({ tenantId, actor: actor.name, action: 'admin.disabled', target: `admin:${adminId}` });
    return presentAdmin(row);
  }

  /** Changes the caller's own password: every other session ends; the answer is a fresh one. */
  async changePassword(tenantId: string, adminId: string, currentPassword: string, newPassword: string): Promise<LoginResult> {
    const admin = await this.prisma.adminUser.findFirst({ where: { id: adminId, tenantId }, include: { tenant: { select: { name: true } } } });
    if (!admin) throw new AppError('UNAUTHENTICATED', 'this session is no longer valid: sign in again');
    const ok = await this.auth.loginGuard.hashing.run(() => verifyPassword(currentPassword, admin.passwordHash));
    if (!ok) throw new AppError('VALIDATION_FAILED', 'is not your current password', 'currentPassword');
    const updated = await this.prisma.adminUser.update({
      where: { id: adminId },
      data: { passwordHash: await hashPassword(newPassword), tokenVersion: { increment: 1 } },
    });
    await this.auth.forgetAdmin(adminId);
    await this.audit.record({ tenantId, actor: admin.email, action: 'admin.password-changed', target: `admin:${adminId}` });
    return this.auth.issueToken(updated, admin.tenant.name);
  }

  /** Ends every session of the caller, this one included. */
  async signOutEverywhere(tenantId: string, adminId: string, actor: string): Promise<void> {
    await this.auth.endSessions(adminId);
    await this.audit.record({ tenantId, actor, action: 'admin.signed-out', target: `admin:${adminId}` });
  }

  /** Offboards (or brings back) a tenant: its keys and admins are refused everywhere while it is disabled. */
  async setTenantDisabled(tenantId: string, disabled: boolean, actor: string, reason: string): Promise<{ id: string; disabledAt: string | null }> {
    const row = await this.prisma.tenant.update({ where: { id: tenantId }, data: { disabledAt: disabled ? new Date() : null }, select: { id: true, disabledAt: true } });
    await this.auth.forgetTenant(tenantId);
    await this.audit.record({ tenantId, actor, action: disabled ? 'tenant.disabled' : 'tenant.enabled', target: `tenant:${tenantId}`, reason });
    return { id: row.id, disabledAt: row.disabledAt?.toISOString() ?? null };
  }
}
