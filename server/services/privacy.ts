import type { PrismaClient } from '../generated/prisma/client';
import { parsePhone } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import { withdraw, type TrustRules } from '../domain/trust';
import { retryOnConflict } from '../db/conflicts';
import { invalid } from '../errors';
import type { AuditLog } from './audit';
import type { StatusIndex } from './statusIndex';
import { loadReputation, lockStates, saveStates } from './trustStore';

/**
 * LGPD rights over the shared history, split by who may exercise them (issue 9, "undo needs corroboration"):
 * - erasure of a number's whole history is the operator's (or a designated DPO's) act, with a reason, audited;
 * - a tenant admin may withdraw only its own tenant's contributions to a number, audited for that tenant.
 * Both answer the same whether the number had a history or not: neither is an oracle of the pool.
 */
export class PrivacyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly statusIndex: StatusIndex,
    private readonly audit: AuditLog,
    private readonly rules: TrustRules,
    // The clock outcomes and maintenance use: the sweep's 5-minute wait is measured from this status change.
    private readonly clock: () => Date,
  ) {}

  private pseudonymOf(phone: string): bigint {
    const parsed = parsePhone(phone);
    if (!parsed.ok) throw invalid('phone', parsed.message);
    return this.pseudonymizer.phone(parsed.digits);
  }

  /** The operator erases a number's history: emptied now on every instance, the row deleted by maintenance. */
  async erase(phone: string, actor: string, reason: string): Promise<{ erased: true }> {
    const pseudonym = this.pseudonymOf(phone);
    const now = this.clock();
    // pg_current_xact_id first: a status version is only taken by a transaction that has an id (StatusIndex).
    const [, , rows] = await this.prisma.$transaction([
      this.prisma.$queryRawUnsafe('SELECT pg_current_xact_id()::text'),
      this.prisma.$executeRawUnsafe('DELETE FROM number_evidence WHERE pseudonym = $1::bigint', pseudonym.toString()),
      this.prisma.$queryRawUnsafe<{ v: string }[]>(
        `UPDATE number_history SET status = 0, invalid_score = 0, invalid_reports = 0, contact_reports = 0,
           last_invalid_at = NULL, last_contact_at = NULL, invalid_since_ms = 0, probation_until_ms = 0, strikes = 0, reassigned_at_ms = 0,
           status_version = nextval('status_version_seq'), status_changed_at = $2::timestamptz
         WHERE pseudonym = $1::bigint RETURNING status_version::text AS v`,
        pseudonym.toString(),
        now.toISOString(),
      ),
    ]);
    const row = rows[0];
    if (row) this.statusIndex.applyCommitted([{ pseudonym, status: 0, version: BigInt(row.v) }]);
    await this.audit.record({ tenantId: null, actor, action: 'number.erased', reason });
    return { erased: true };
  }

  /** A tenant withdraws its own contributions to one number; the verdict is recomputed from the others'. */
  async withdraw(tenantId: string, actor: string, phone: string): Promise<{ withdrawn: true }> {
    const pseudonym = this.pseudonymOf(phone);
    const source = this.pseudonymizer.source(tenantId);
    const now = this.clock();
    const changes = await retryOnConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const states = await lockStates(tx, [pseudonym], []);
        const state = states.get(pseudonym);
        if (!state?.sources.some((entry) => entry.source === source)) return [];
        const others = state.sources.filter((entry) => entry.source !== source).map((entry) => entry.source);
        const reputation = await loadReputation(tx, others, this.rules);
        const before = state.status;
        withdraw(state, source, now.getTime(), this.rules, reputation);
        await tx.$executeRawUnsafe('DELETE FROM number_evidence WHERE pseudonym = $1::bigint AND source = $2::bigint', pseudonym.toString(), source.toString());
        return saveStates(tx, [{ pseudonym, before, state, marks: 0, contacts: 0, lastMarkAt: 0, lastContactAt: 0 }], this.rules, reputation, now);
      }),
    );
    this.statusIndex.applyCommitted(changes);
    await this.audit.record({ tenantId, actor, action: 'number.withdrawn' });
    return { withdrawn: true };
  }
}
