import type { PrismaClient } from '../generated/prisma/client';
import { BRAZIL_UTC_OFFSET_HOURS, brazilianDate, type CampaignSummary, type CampaignSummaryPage, type CampaignView } from '../../plugin/contract/protocol';
import { invalid } from '../errors';
import { presentCampaign } from './campaigns';

export const SUMMARY_SORTS = ['name', 'hygienizedPct', 'hygienized', 'invalid', 'unconfirmed', 'phonesTotal', 'mailings', 'lastMailingAt'] as const;
export type SummarySort = (typeof SUMMARY_SORTS)[number];

export type SummaryRequest = {
  /** Brazilian calendar days, both included (YYYY-MM-DD); default: the last 30 days. */
  from?: string;
  to?: string;
  /** Part of the campaign's name or id, any case. */
  q?: string;
  hygiene?: 'on' | 'off';
  sort: SummarySort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
};

/** ORDER BY per sort key: whitelisted SQL, never the client's text. Ties go by name, then id, so pages are stable. */
const ORDER_SQL: Record<SummarySort, string> = {
  name: 'c.name',
  hygienizedPct: 'hygienized_pct',
  hygienized: 'hygienized',
  invalid: 'invalid',
  unconfirmed: 'unconfirmed',
  phonesTotal: 'phones_total',
  mailings: 'mailings',
  lastMailingAt: 'last_mailing_at',
};

/** The aggregates of one campaign; the campaign itself is read through Prisma (presentCampaign), whatever its columns. */
type Row = {
  id: string;
  mailings: number;
  mailings_unhygienized: number;
  failed_mailings: number;
  phones_total: number;
  phones_checked: number;
  hygienized: number;
  invalid: number;
  unconfirmed: number;
  malformed: number;
  suppressed: number;
  ninth_digit_added: number;
  right_party_qualified: number;
  right_party_not_qualified: number;
  right_party_inactive: number;
  last_mailing_at: Date | null;
};

const DAY_MS = 86_400_000;

/**
 * Per-campaign mailing totals over a date range, for the console's campaign list: searched, filtered, sorted and
 * paginated in SQL, since a tenant may have hundreds of campaigns and thousands of mailings. Units are phones
 * (never rows), so hygienized = invalid + unconfirmed and the percentage is of the phones that were checked.
 * Offset pagination: the sort is by computed totals, which a keyset cursor cannot follow while mailings arrive.
 */
export class CampaignSummaryService {
  constructor(private readonly prisma: PrismaClient) {}

  async summary(tenantId: string, request: SummaryRequest): Promise<CampaignSummaryPage> {
    const to = request.to ?? brazilianDate(Date.now());
    const from = request.from ?? brazilianDate(Date.parse(`${to}T12:00:00Z`) - 29 * DAY_MS);
    if (from > to) throw invalid('from', 'must not be after "to"');
    // A Brazilian day starts at 03:00 UTC (BRAZIL_UTC_OFFSET_HOURS = -3).
    const start = new Date(Date.parse(`${from}T00:00:00Z`) - BRAZIL_UTC_OFFSET_HOURS * 3_600_000);
    const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS - BRAZIL_UTC_OFFSET_HOURS * 3_600_000);
    const search = request.q ? `%${request.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const hygiene = request.hygiene === undefined ? null : request.hygiene === 'on';
    const base = `
      FROM campaigns c
      LEFT JOIN mailings m ON m.campaign_id = c.id AND m.created_at >= $2 AND m.created_at < $3
      WHERE c.tenant_id = $1::uuid
        AND ($4::text IS NULL OR c.name ILIKE $4 OR c.external_id ILIKE $4)
        AND ($5::boolean IS NULL OR c.hygiene_enabled = $5)`;
    const sums = `
      count(m.id)::int AS mailings,
      (count(m.id) FILTER (WHERE NOT m.hygiene_applied))::int AS mailings_unhygienized,
      (count(m.id) FILTER (WHERE m.status = 'failed'))::int AS failed_mailings,
      coalesce(sum(m.phones_total), 0)::int AS phones_total,
      coalesce(sum(m.phones_total) FILTER (WHERE m.hygiene_applied), 0)::int AS phones_checked,
      coalesce(sum(m.invalid_phones + m.unconfirmed_phones), 0)::int AS hygienized,
      coalesce(sum(m.invalid_phones), 0)::int AS invalid,
      coalesce(sum(m.unconfirmed_phones), 0)::int AS unconfirmed,
      coalesce(sum(m.malformed_phones), 0)::int AS malformed,
      coalesce(sum(m.suppressed_phones), 0)::int AS suppressed,
      coalesce(sum(m.ninth_digit_added), 0)::int AS ninth_digit_added,
      coalesce(sum(m.right_party_qualified), 0)::int AS right_party_qualified,
      coalesce(sum(m.right_party_not_qualified), 0)::int AS right_party_not_qualified,
      coalesce(sum(m.right_party_inactive), 0)::int AS right_party_inactive`;
    const params = [tenantId, start, end, search, hygiene];
    const direction = request.order === 'asc' ? 'ASC' : 'DESC';
    const rows = await this.prisma.$queryRawUnsafe<(Row & { hygienized_pct: number | null })[]>(
      `SELECT c.id, ${sums}, max(m.created_at) AS last_mailing_at,
              (coalesce(sum(m.invalid_phones + m.unconfirmed_phones), 0)::float8 / nullif(sum(m.phones_total) FILTER (WHERE m.hygiene_applied), 0)) AS hygienized_pct
       ${base}
       GROUP BY c.id
       ORDER BY ${ORDER_SQL[request.sort]} ${direction} NULLS LAST, c.name ASC, c.id ASC
       LIMIT ${request.limit} OFFSET ${request.offset}`,
      ...params,
    );
    const [totals] = await this.prisma.$queryRawUnsafe<(Omit<Row, 'id' | 'last_mailing_at'> & { campaigns: number })[]>(
      `SELECT count(DISTINCT c.id)::int AS campaigns, ${sums} ${base}`,
      ...params,
    );
    const campaigns = new Map((await this.prisma.campaign.findMany({ where: { tenantId, id: { in: rows.map((row) => row.id) } } })).map((row) => [row.id, presentCampaign(row)]));
    return {
      from,
      to,
      total: totals?.campaigns ?? 0,
      campaigns: rows.flatMap((row) => {
        const campaign = campaigns.get(row.id);
        return campaign ? [present(campaign, row)] : [];
      }),
      totals: {
        mailings: totals?.mailings ?? 0,
        mailingsUnhygienized: totals?.mailings_unhygienized ?? 0,
        failedMailings: totals?.failed_mailings ?? 0,
        phonesTotal: totals?.phones_total ?? 0,
        phonesChecked: totals?.phones_checked ?? 0,
        hygienized: totals?.hygienized ?? 0,
        invalid: totals?.invalid ?? 0,
        unconfirmed: totals?.unconfirmed ?? 0,
        malformed: totals?.malformed ?? 0,
        suppressed: totals?.suppressed ?? 0,
        ninthDigitAdded: totals?.ninth_digit_added ?? 0,
        rightPartyQualified: totals?.right_party_qualified ?? 0,
        rightPartyNotQualified: totals?.right_party_not_qualified ?? 0,
        rightPartyInactive: totals?.right_party_inactive ?? 0,
      },
    };
  }
}

const present = (campaign: CampaignView, row: Row): CampaignSummary => ({
  campaign,
  mailings: row.mailings,
  mailingsUnhygienized: row.mailings_unhygienized,
  failedMailings: row.failed_mailings,
  phonesTotal: row.phones_total,
  phonesChecked: row.phones_checked,
  hygienized: row.hygienized,
  invalid: row.invalid,
  unconfirmed: row.unconfirmed,
  malformed: row.malformed,
  suppressed: row.suppressed,
  ninthDigitAdded: row.ninth_digit_added,
  rightPartyQualified: row.right_party_qualified,
  rightPartyNotQualified: row.right_party_not_qualified,
  rightPartyInactive: row.right_party_inactive,
  lastMailingAt: row.last_mailing_at ? new Date(row.last_mailing_at).toISOString() : null,
});
