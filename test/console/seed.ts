/**
 * Mailings as the server records them, written straight to the database: the console's list screens are about
 * counts over weeks and hundreds of campaigns, which filtering real CSVs would take minutes to build.
 */
import type { TestServer } from '../support/harness';
import type { BuiltTenant } from '../support/factories';

export type SeedMailing = {
  name: string;
  daysAgo?: number;
  hygiene?: boolean;
  status?: 'running' | 'completed' | 'failed';
  rows?: number;
  phones: number;
  invalid?: number;
  unconfirmed?: number;
  malformed?: number;
  suppressed?: number;
  ninthDigitAdded?: number;
  rightParty?: { qualified: number; notQualified: number; inactive: number };
};

export async function seedMailings(server: TestServer, tenant: BuiltTenant, externalId: string, mailings: SeedMailing[]): Promise<void> {
  const prisma = server.services.prisma;
  const campaign = await prisma.campaign.findUniqueOrThrow({ where: { tenantId_externalId: { tenantId: tenant.id, externalId } } });
  await prisma.mailing.createMany({
    data: mailings.map((m) => {
      const invalid = m.invalid ?? 0;
      const unconfirmed = m.unconfirmed ?? 0;
      const createdAt = new Date(Date.now() - (m.daysAgo ?? 0) * 86_400_000 - 60_000);
      return {
        tenantId: tenant.id,
        campaignId: campaign.id,
        name: m.name,
        format: 'csv',
        hygieneApplied: m.hygiene ?? true,
        status: m.status ?? 'completed',
        totalRows: m.rows ?? m.phones,
        keptRows: (m.rows ?? m.phones) - invalid,
        droppedRows: invalid,
        phonesTotal: m.phones,
        invalidPhones: invalid,
        unconfirmedPhones: unconfirmed,
        malformedPhones: m.malformed ?? 0,
        suppressedPhones: m.suppressed ?? 0,
        ninthDigitAdded: m.ninthDigitAdded ?? 0,
        rightPartyQualified: m.rightParty?.qualified ?? 0,
        rightPartyNotQualified: m.rightParty?.notQualified ?? 0,
        rightPartyInactive: m.rightParty?.inactive ?? 0,
        createdAt,
        completedAt: createdAt,
      };
    }),
  });
}
