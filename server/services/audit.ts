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

  /** Newest first, `limit` at a time, before the event id `before` (keyset pagination). */
  async list(filter: { tenantId?: string; target?: string; action?: string; text?: string }, page: { limit: number; before?: string }): Promise<AuditPage> {
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
        // Exact target (`code:sip:404`: a code's history, for the console's undo) and action prefix (`tabulation.`).
        ...(filter.target ? { target: filter.target } : {}),
        ...(filter.action ? { action: { startsWith: filter.action } } : {}),
        // Text search (the console's Buscar): a case-insensitive substring of who, what or on what. The text is
        // at most 100 characters and the scan stays within one tenant's log, newest first, `limit` rows.
        ...(filter.text
          ? { OR: (['actor', 'target', 'action'] as const).map((field) => ({ [field]: { contains: filter.text, mode: 'insensitive' as const } })) }
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
