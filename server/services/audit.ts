import type { PrismaClient } from '../generated/prisma/client';
import type { AuditPage } from '../../plugin/contract/protocol';

/** What the audit log records (docs/rules.md): who changed the rules of the pool, its keys and its history. */
export type AuditAction =
  | 'hygiene.switched'
  | 'ninth-digit.switched'
  | 'purpose.changed'
  | 'suppression.changed'
  | 'calling-hours.changed'
  /** Anatel registry (server/services/compliance.ts): a CNPJ registered or edited, or removed; target `cnpj:<digits>`. */
  | 'compliance.cnpj-saved'
  | 'compliance.cnpj-removed'
  | 'tabulation.changed'
  | 'dialer-key.created'
  | 'dialer-key.revoked'
  /** A mailing refused before filtering began (it has no record), or one that failed mid-stream: the console shows why. */
  | 'mailing.refused'
  | 'mailing.failed'
  | 'number.erased'
  | 'number.withdrawn'
  | 'number.contested'
  | 'source.quarantined'
  | 'source.released'
  | 'enumeration.flagged'
  | 'admin.created'
  | 'admin.disabled'
  | 'admin.password-changed'
  | 'admin.signed-out'
  | 'tenant.disabled'
  | 'tenant.enabled'
  | 'operator.call';

export type AuditEntry = {
  /** The tenant the event belongs to; null for operator-wide events (a quarantine is recorded for its tenant too). */
  tenantId: string | null;
  actor: string;
  action: AuditAction;
  target?: string;
  reason?: string;
  details?: Record<string, unknown>;
};

export type AuditView = { id: string; at: string; actor: string; action: string; target: string | null; reason: string | null; details: unknown };

/** The window of coalesced events (AuditLog.recordCoalesced): one row per key and minute. */
export const COALESCE_WINDOW_MS = 60_000;

/** The audit log: tenants read their own events, the operator all. Never a phone number in it. */
export class AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.prisma.auditEvent.create({
      data: {
        tenantId: entry.tenantId,
        actor: entry.actor,
        action: entry.action,
        target: entry.target ?? null,
        reason: entry.reason ?? null,
        ...(entry.details ? { details: entry.details as object } : {}),
      },
    });
  }

  /**
   * An event a client can repeat at will (a refused mailing upload), coalesced: at most one row per `key` and
   * window (a minute by default) for the entry's tenant and action, its `details.count` raised by one per event and
   * `details.lastAt` the latest. One atomic INSERT … ON CONFLICT on a unique key, so several instances and
   * concurrent requests share the row and the count is exact. The row keeps the first event's target, reason and
   * details; `at` is the first event's time.
   */
  async recordCoalesced(entry: AuditEntry, key: string, windowMs = COALESCE_WINDOW_MS): Promise<void> {
    const now = new Date();
    const coalesceKey = `${entry.action}|${entry.tenantId ?? '-'}|${key}|${Math.floor(now.getTime() / windowMs)}`;
    const details = JSON.stringify({ ...entry.details, count: 1, lastAt: now.toISOString() });
    await this.prisma.$executeRaw`
      INSERT INTO audit_events (tenant_id, actor, action, target, reason, details, coalesce_key)
      VALUES (${entry.tenantId}::uuid, ${entry.actor}, ${entry.action}, ${entry.target ?? null}, ${entry.reason ?? null}, ${details}::jsonb, ${coalesceKey})
      ON CONFLICT (coalesce_key) DO UPDATE SET details = jsonb_set(
        jsonb_set(coalesce(audit_events.details, '{}'::jsonb), '{count}', to_jsonb(coalesce((audit_events.details->>'count')::int, 1) + 1)),
        '{lastAt}', to_jsonb(${now.toISOString()}::text))`;
  }

  /** Newest first, `limit` at a time, before the event id `before` (keyset pagination). */
  async list(filter: { tenantId?: string; target?: string; action?: string; text?: string }, page: { limit: number; before?: string }): Promise<AuditPage> {
    // The console shows admins by name, and the log keeps their email: a text that matches a display name matches
    // that admin's events too (the tenant's admins only; the operator's search, every tenant's, at most 100 admins).
    const namedActors = filter.text
      ? (
          await this.prisma.adminUser.findMany({
            where: { ...(filter.tenantId ? { tenantId: filter.tenantId } : {}), name: { contains: filter.text, mode: 'insensitive' } },
            select: { email: true },
            take: 100,
          })
        ).map((admin) => admin.email)
      : [];
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
        // Exact target (`code:sip:404`: a code's history, for the console's undo) and action prefix (`tabulation.`).
        ...(filter.target ? { target: filter.target } : {}),
        ...(filter.action ? { action: { startsWith: filter.action } } : {}),
        // Text search (the console's Buscar): a case-insensitive substring of who, what or on what. The text is
        // at most 100 characters and the scan stays within one tenant's log, newest first, `limit` rows.
        ...(filter.text
          ? {
              OR: [
                ...(['actor', 'target', 'action'] as const).map((field) => ({ [field]: { contains: filter.text, mode: 'insensitive' as const } })),
                ...(namedActors.length > 0 ? [{ actor: { in: namedActors } }] : []),
              ],
            }
          : {}),
        ...(page.before ? { id: { lt: BigInt(page.before) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: page.limit + 1,
    });
    const events = rows.slice(0, page.limit).map((row) => ({
      id: row.id.toString(),
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      target: row.target,
      reason: row.reason,
      details: row.details,
    }));
    return { events, next: rows.length > page.limit ? events[events.length - 1]!.id : null };
  }
}
