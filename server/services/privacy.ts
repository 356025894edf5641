import type { PrismaClient } from '../generated/prisma/client';
import { parsePhone } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import { invalid } from '../errors';
import type { StatusIndex } from './statusIndex';

/**
 * LGPD erasure of a number's shared history. The row is first emptied (status clean, counters and dates gone,
 * a new status_version so every instance's index drops it at its next poll) and the maintenance sweep deletes
 * it once every instance has seen that; the per-tenant contribution rows go at once.
 */
export class PrivacyService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly statusIndex: StatusIndex,
    // The clock outcomes and maintenance use: the sweep's 5-minute wait is measured from this status change.
    private readonly clock: () => Date,
  ) {}

  async forget(phone: string): Promise<{ forgotten: boolean }> {
    const parsed = parsePhone(phone);
    if (!parsed.ok) throw invalid('phone', parsed.message);
    const pseudonym = this.pseudonymizer.phone(parsed.digits);
    // pg_current_xact_id first: a status version is only taken by a transaction that has an id (StatusIndex).
    const [, , rows] = await this.prisma.$transaction([
      this.prisma.$queryRawUnsafe('SELECT pg_current_xact_id()::text'),
      this.prisma.$executeRawUnsafe('DELETE FROM number_contributions WHERE pseudonym = $1::bigint', pseudonym.toString()),
      this.prisma.$queryRawUnsafe<{ v: string }[]>(
        `UPDATE number_history SET status = 0, invalid_score = 0, invalid_reports = 0, contact_reports = 0,
           last_invalid_at = NULL, last_contact_at = NULL, status_version = nextval('status_version_seq'), status_changed_at = $2::timestamptz
         WHERE pseudonym = $1::bigint RETURNING status_version::text AS v`,
        pseudonym.toString(),
        this.clock().toISOString(),
      ),
    ]);
    const row = rows[0];
    if (row) this.statusIndex.applyCommitted([{ pseudonym, status: 0, version: BigInt(row.v) }]);
    return { forgotten: row !== undefined };
  }
}
