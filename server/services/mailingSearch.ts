import type { PrismaClient } from '../generated/prisma/client';
import type { MailingSearchPage, MailingView } from '../../plugin/contract/protocol';
import type { CampaignService } from './campaigns';
import { mailingInclude, presentMailing } from './mailings';

export const MAILING_SORTS = ['createdAt', 'phonesTotal', 'hygienizedPct'] as const;
export type MailingSort = (typeof MAILING_SORTS)[number];

export type MailingSearchRequest = {
  /** Part of the mailing's name, any case. */
  q?: string;
  status?: MailingView['status'];
  /** Only mailings created in the last `days` days. */
  days?: number;
  sort: MailingSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
};

/**
 * ORDER BY per sort key: whitelisted SQL, never the client's text. A mailing sent with the hygiene off has no %
 * (NULLS LAST either way); ties go newest first, then by id, so pages are stable.
 */
const ORDER_SQL: Record<MailingSort, string> = {
  createdAt: 'm.created_at',
  phonesTotal: 'm.phones_total',
  hygienizedPct: '(CASE WHEN m.hygiene_applied AND m.phones_total > 0 THEN (m.invalid_phones + m.unconfirmed_phones)::float8 / m.phones_total END)',
};

type Totals = {
  mailings: number;
  unhygienized: number;
  total_rows: number;
  kept_rows: number;
  dropped_rows: number;
  malformed_rows: number;
  phones_total: number;
  invalid: number;
  unconfirmed: number;
  malformed: number;
  ninth_digit_added: number;
  right_party_qualified: number;
  right_party_not_qualified: number;
  right_party_inactive: number;
  suppressed: number;
};

/**
 * A campaign's mailings searched, filtered, sorted and paginated in SQL, for the console's campaign screen (a
 * campaign may get thousands of mailings). Offset pages, as in campaignSummary.ts: a sort by counts or % cannot be
 * followed by a keyset cursor. The plain list (MailingService.list, keyset, newest first) stays the default answer.
 */
export class MailingSearchService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly campaigns: CampaignService,
  ) {}

  async search(tenantId: string, campaignExternalId: string, request: MailingSearchRequest): Promise<MailingSearchPage> {
    const campaign = await this.campaigns.find(tenantId, campaignExternalId);
    const pattern = request.q ? `%${request.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const since = request.days === undefined ? null : new Date(Date.now() - request.days * 86_400_000);
    const matching = `FROM mailings m
      WHERE m.tenant_id = $1::uuid AND m.campaign_id = $2::uuid
        AND ($3::text IS NULL OR m.name ILIKE $3)
        AND ($4::text IS NULL OR m.status = $4)
        AND ($5::timestamptz IS NULL OR m.created_at >= $5)`;
    const params = [tenantId, campaign.id, pattern, request.status ?? null, since];
    const direction = request.order === 'asc' ? 'ASC' : 'DESC';
    const checked = (column: string) => `coalesce(sum(m.${column}) FILTER (WHERE m.hygiene_applied), 0)::int`;
    const all = (column: string) => `coalesce(sum(m.${column}), 0)::int`;
    const [ids, [totals], [campaignMailings]] = await Promise.all([
      this.prisma.$queryRawUnsafe<{ id: string }[]>(
        `SELECT m.id ${matching}
         ORDER BY ${ORDER_SQL[request.sort]} ${direction} NULLS LAST, m.created_at DESC, m.id DESC
         LIMIT ${request.limit} OFFSET ${request.offset}`,
        ...params,
      ),
      this.prisma.$queryRawUnsafe<Totals[]>(
        `SELECT count(*)::int AS mailings, (count(*) FILTER (WHERE NOT m.hygiene_applied))::int AS unhygienized,
                ${all('total_rows')} AS total_rows, ${all('kept_rows')} AS kept_rows, ${all('dropped_rows')} AS dropped_rows,
                ${all('malformed_rows')} AS malformed_rows, ${checked('phones_total')} AS phones_total,
                ${checked('invalid_phones')} AS invalid, ${checked('unconfirmed_phones')} AS unconfirmed,
                ${checked('malformed_phones')} AS malformed, ${all('ninth_digit_added')} AS ninth_digit_added,
                ${all('right_party_qualified')} AS right_party_qualified, ${all('right_party_not_qualified')} AS right_party_not_qualified,
                ${all('right_party_inactive')} AS right_party_inactive, ${all('suppressed_phones')} AS suppressed
         ${matching}`,
        ...params,
      ),
      this.prisma.mailing.count({ where: { tenantId, campaignId: campaign.id } }).then((count) => [count]),
    ]);
    const rows = await this.prisma.mailing.findMany({ where: { tenantId, id: { in: ids.map((row) => row.id) } }, include: mailingInclude });
    const byId = new Map(rows.map((row) => [row.id, presentMailing(row)]));
    const sums = totals ?? ({} as Partial<Totals>);
    return {
      mailings: ids.flatMap((row) => byId.get(row.id) ?? []),
      next: null,
      total: sums.mailings ?? 0,
      campaignMailings: campaignMailings ?? 0,
      totals: {
        mailings: sums.mailings ?? 0,
        unhygienized: sums.unhygienized ?? 0,
        totalRows: sums.total_rows ?? 0,
        keptRows: sums.kept_rows ?? 0,
        droppedRows: sums.dropped_rows ?? 0,
        malformedRows: sums.malformed_rows ?? 0,
        phonesTotal: sums.phones_total ?? 0,
        hygienized: (sums.invalid ?? 0) + (sums.unconfirmed ?? 0),
        invalidPhones: sums.invalid ?? 0,
        unconfirmedPhones: sums.unconfirmed ?? 0,
        malformedPhones: sums.malformed ?? 0,
        ninthDigitAdded: sums.ninth_digit_added ?? 0,
        rightPartyQualified: sums.right_party_qualified ?? 0,
        rightPartyNotQualified: sums.right_party_not_qualified ?? 0,
        rightPartyInactive: sums.right_party_inactive ?? 0,
        suppressedPhones: sums.suppressed ?? 0,
      },
    };
  }
}
