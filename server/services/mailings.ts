import type { PrismaClient } from '../generated/prisma/client';
import { randomUUID } from 'node:crypto';
import { BRAZIL_UTC_OFFSET_HOURS, type DailyStatusMix, type MailingCounts, type MailingView } from '../../plugin/contract/protocol';
import { AppError, notFound } from '../errors';
import type { MailingTally } from '../infra/metrics';
import type { Logger } from '../logger';
import type { Realtime } from '../realtime/realtime';
import type { CampaignService } from './campaigns';
import { MultipartCsvOutput, NdjsonOutput, SpillBudget, type AnswerOutput, type MailingAnswer } from './mailingFilter/answer';
import { filterCsv } from './mailingFilter/csv';
import { filterJsonContacts, jsonArrayContacts, ndjsonContacts } from './mailingFilter/json';
import type { FilterOptions, MailingOutput } from './mailingFilter/rowJudge';
import { PhoneOrderer, type OrderRequest, type PairLookup } from './mailingFilter/bestOrder';
import type { FilterPool } from './mailingFilter/filterPool';
import type { ReadBudget } from './readBudget';
import type { PhoneClassifier } from './phoneClassifier';
import type { SuppressionMatcher } from '../domain/suppression';
import { keyset, pageOf, type PageRequest } from './pagination';

export type MailingFormat = MailingView['format'];

/** One mailing to filter: what the route validated, the body as it arrives, and where the answer goes. */
export type FilterRequest = {
  tenantId: string;
  /** The dialer's own campaign id. */
  campaignId: string;
  format: MailingFormat;
  /** Shown in the console; defaults to "mailing <ISO time>". */
  name?: string;
  phoneColumns?: readonly string[];
  /** CSV: the name of an extra last column listing, per kept row, the phone columns given their ninth digit. */
  ninthDigitColumn?: string;
  /** order=best: each kept contact's phones best first, with reasons (mailingFilter/bestOrder.ts); hygiene campaigns only. */
  order?: OrderRequest;
  body: AsyncIterable<Buffer>;
  answer: MailingAnswer;
  logger: Logger;
};

/** How often a mailing being filtered saves its counts (the console shows them live). */
const PROGRESS_SAVE_MS = 1000;

type MailingRow = {
  id: string;
  campaignId: string;
  name: string;
  format: string;
  hygieneApplied: boolean;
  status: string;
  totalRows: number;
  keptRows: number;
  droppedRows: number;
  malformedRows: number;
  phonesTotal: number;
  invalidPhones: number;
  unconfirmedPhones: number;
  malformedPhones: number;
  ninthDigitAdded: number;
  rightPartyQualified: number;
  rightPartyNotQualified: number;
  rightPartyInactive: number;
  suppressedPhones: number;
  createdAt: Date;
  completedAt: Date | null;
  campaign: { externalId: string };
};

export const emptyCounts = (): MailingCounts => ({
  totalRows: 0,
  keptRows: 0,
  droppedRows: 0,
  malformedRows: 0,
  phonesTotal: 0,
  hygienized: 0,
  invalidPhones: 0,
  unconfirmedPhones: 0,
  malformedPhones: 0,
  ninthDigitAdded: 0,
  rightPartyQualified: 0,
  rightPartyNotQualified: 0,
  rightPartyInactive: 0,
  suppressedPhones: 0,
});

export const presentMailing = (row: MailingRow): MailingView => ({
  id: row.id,
  campaignId: row.campaign.externalId,
  name: row.name,
  format: row.format as MailingView['format'],
  hygieneApplied: row.hygieneApplied,
  status: row.status as MailingView['status'],
  counts: {
    totalRows: row.totalRows,
    keptRows: row.keptRows,
    droppedRows: row.droppedRows,
    malformedRows: row.malformedRows,
    phonesTotal: row.phonesTotal,
    hygienized: row.invalidPhones + row.unconfirmedPhones,
    invalidPhones: row.invalidPhones,
    unconfirmedPhones: row.unconfirmedPhones,
    malformedPhones: row.malformedPhones,
    ninthDigitAdded: row.ninthDigitAdded,
    rightPartyQualified: row.rightPartyQualified,
    rightPartyNotQualified: row.rightPartyNotQualified,
    rightPartyInactive: row.rightPartyInactive,
    suppressedPhones: row.suppressedPhones,
  },
  createdAt: row.createdAt.toISOString(),
  completedAt: row.completedAt?.toISOString() ?? null,
});

const countColumns = (counts: MailingCounts) => ({
  totalRows: counts.totalRows,
  keptRows: counts.keptRows,
  droppedRows: counts.droppedRows,
  malformedRows: counts.malformedRows,
  phonesTotal: counts.phonesTotal,
  invalidPhones: counts.invalidPhones,
  unconfirmedPhones: counts.unconfirmedPhones,
  malformedPhones: counts.malformedPhones,
  ninthDigitAdded: counts.ninthDigitAdded,
  rightPartyQualified: counts.rightPartyQualified,
  rightPartyNotQualified: counts.rightPartyNotQualified,
  rightPartyInactive: counts.rightPartyInactive,
  suppressedPhones: counts.suppressedPhones,
});

/** One mailing's record while it is filtered. Saves are chained: a late progress save never overwrites the end. */
export class MailingRecord {
  readonly id = randomUUID();
  private readonly createdAt = new Date();
  private saves: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly realtime: Realtime,
    private readonly tenantId: string,
    private readonly campaign: { id: string; externalId: string },
    private readonly input: { name: string; format: MailingView['format']; hygieneApplied: boolean },
  ) {}

  view(counts: MailingCounts, status: MailingView['status'], completedAt: Date | null = null): MailingView {
    return presentMailing({
      id: this.id,
      campaignId: this.campaign.id,
      ...this.input,
      status,
      ...countColumns(counts),
      createdAt: this.createdAt,
      completedAt,
      campaign: { externalId: this.campaign.externalId },
    });
  }

  /** Saves the counts (a copy is taken now) and tells the tenant's consoles; resolves once written. */
  save(counts: MailingCounts, status: MailingView['status']): Promise<MailingView> {
    const snapshot = { ...counts };
    const completedAt = status === 'running' ? null : new Date();
    const data = { ...countColumns(snapshot), status, completedAt };
    const write = this.saves.then(() =>
      this.prisma.mailing.upsert({
        where: { id: this.id },
        create: { id: this.id, tenantId: this.tenantId, campaignId: this.campaign.id, ...this.input, createdAt: this.createdAt, ...data },
        update: data,
      }),
    );
    this.saves = write.catch(() => undefined);
    return write.then(() => {
      const view = this.view(snapshot, status, completedAt);
      this.realtime.toTenant(this.tenantId, 'mailing:updated', view);
      return view;
    });
  }
}

export const mailingInclude = { campaign: { select: { externalId: true } } } as const;
const countSelection = {
  totalRows: true,
  keptRows: true,
  droppedRows: true,
  malformedRows: true,
  phonesTotal: true,
  invalidPhones: true,
  unconfirmedPhones: true,
  malformedPhones: true,
  ninthDigitAdded: true,
  rightPartyQualified: true,
  rightPartyNotQualified: true,
  rightPartyInactive: true,
  suppressedPhones: true,
} as const;

/** What one tenant's mailings may hold (server/config.ts, docs/security.md). */
export type MailingLimits = {
  /** Longest CSV record or NDJSON line, in bytes. */
  maxRecordBytes: number;
  /** Mailings of one tenant filtered at once on this instance. */
  maxConcurrentPerTenant: number;
  /** Malformed CSV rows one tenant's mailings in flight may hold back, in bytes, on this instance. */
  maxSpillBytesPerTenant?: number;
};

/** A mailing filtered to its end; `campaignId` is the server's id. Awaited before the answer ends; must not throw. */
export type MailingCompletedListener = (mailing: { tenantId: string; campaignId: string; hygieneApplied: boolean; counts: MailingCounts; completedAt: Date }) => void | Promise<void>;

/** Seconds a refused mailing is told to wait: about the time a dialer's 1k-row batch takes to filter, rounded up. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/** Filters mailings and keeps the record of each one: its counts only, never its phones. */
export class MailingService {
  /**
   * Mailings being filtered per tenant, on this instance only: a mailing is one long request bound to the instance
   * that reads it, so the bound is per instance (N instances allow N times as many) and dies with it, leaving no
   * count to leak in Redis after a crash. Documented as such in docs/operations.md.
   */
  private readonly running = new Map<string, number>();
  /** Malformed rows held back per tenant (mailingFilter/answer.ts: why past it the mailing fails). */
  private readonly spillBudget: SpillBudget;
  /** Told of every completed mailing (the short-call meter's avoided dials, services/complianceMeter.ts). */
  private readonly completedListeners: MailingCompletedListener[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly campaigns: CampaignService,
    private readonly realtime: Realtime,
    private readonly classifier: PhoneClassifier,
    private readonly metrics: { mailingFiltered(tally: MailingTally): void },
    private readonly limits: MailingLimits = { maxRecordBytes: Number.POSITIVE_INFINITY, maxConcurrentPerTenant: Number.POSITIVE_INFINITY },
    private readonly readBudget?: ReadBudget,
    /** The tenant's right-party states and the network signal, for order=best (services/rightParty.ts). */
    private readonly pairLookup?: PairLookup,
  ) {
    this.spillBudget = new SpillBudget(limits.maxSpillBytesPerTenant ?? Number.POSITIVE_INFINITY);
  }

  /** The suppression lists (services/suppression.ts): set by the composition root, absent in unit uses. */
  private suppression: { matcherFor(tenantId: string, campaign: { id: string; purpose: string }): Promise<SuppressionMatcher | undefined> } | undefined;

  useSuppression(suppression: NonNullable<MailingService['suppression']>): this {
    this.suppression = suppression;
    return this;
  }

  /** Filter workers (mailingFilter/filterPool.ts): set by the composition root when FILTER_WORKERS > 0. */
  private pool: FilterPool | undefined;

  useWorkers(pool: FilterPool | undefined): this {
    this.pool = pool;
    return this;
  }

  onCompleted(listener: MailingCompletedListener): void {
    this.completedListeners.push(listener);
  }

  /**
   * One tenant filtering many mailings at once holds as many streams, parsers and classifier batches; past
   * MAX_CONCURRENT_MAILINGS_PER_TENANT it gets RATE_LIMITED (429 + Retry-After) before anything is read.
   */
  async filter(request: FilterRequest): Promise<MailingView> {
    const { tenantId } = request;
    const running = this.running.get(tenantId) ?? 0;
    if (running >= this.limits.maxConcurrentPerTenant) {
      throw new AppError(
        'RATE_LIMITED',
        `this tenant already has ${running} mailing(s) being filtered, the limit (MAX_CONCURRENT_MAILINGS_PER_TENANT); send this one when one of them ends`,
      ).withRetryAfter(BUSY_RETRY_AFTER_SECONDS);
    }
    this.running.set(tenantId, running + 1);
    try {
      return await this.filterNow(request);
    } finally {
      const left = (this.running.get(tenantId) ?? 1) - 1;
      if (left > 0) this.running.set(tenantId, left);
      else this.running.delete(tenantId);
    }
  }

  /**
   * Filters one mailing, streaming in and out: CSV → multipart/mixed (kept, malformed, summary); JSON array /
   * NDJSON → NDJSON. Errors found before the answer starts (unknown campaign, no phone column, bad CSV in the
   * first batch) are thrown; after that, the answer is already a 200, so the failure ends it in the summary
   * (`status: 'failed'`, `error`) and the record says failed.
   */
  private async filterNow(request: FilterRequest): Promise<MailingView> {
    const { tenantId, format, answer } = request;
    const campaign = await this.campaigns.find(tenantId, request.campaignId);
    const hygieneApplied = campaign.hygieneEnabled;
    // Filtering reads verdicts: a tenant past its read budget is refused before the stream starts (services/readBudget.ts).
    if (hygieneApplied) await this.readBudget?.charge(tenantId, 0);
    let record: MailingRecord | undefined;
    let output: AnswerOutput | undefined;
    let counts = emptyCounts();
    let lastSaveAt = Date.now();
    const sink: MailingOutput = {
      begin: async () => {
        record = this.begin(tenantId, campaign, { name: request.name ?? `mailing ${new Date().toISOString()}`, format, hygieneApplied });
        const headers = { 'X-Mailing-Id': record.id, 'X-Hygiene-Applied': String(hygieneApplied) };
        output = format === 'csv' ? new MultipartCsvOutput(answer, headers, this.spillBudget.allowance(tenantId)) : new NdjsonOutput(answer, headers);
        await output.begin();
      },
      kept: (text) => output!.kept(text),
      malformed: (text) => output!.malformed(text),
    };
    const options: FilterOptions = {
      hygiene: hygieneApplied,
      ninthDigit: campaign.ninthDigit,
      ...(request.ninthDigitColumn ? { ninthDigitColumn: request.ninthDigitColumn } : {}),
      maxRecordBytes: this.limits.maxRecordBytes,
      ...(request.phoneColumns ? { phoneColumns: request.phoneColumns } : {}),
      onProgress: (progress) => {
        counts = progress;
        if (record && Date.now() - lastSaveAt > PROGRESS_SAVE_MS) {
          lastSaveAt = Date.now();
          record.save(progress, 'running').catch(() => undefined);
        }
      },
    };

    // Suppression applies whether hygiene is on or off (compliance, not hygiene: domain/suppression.ts). The filter
    // then classifies every mailing that has lists; with hygiene off the classifier answers only "suppressed".
    const suppression = await this.suppression?.matcherFor(tenantId, campaign);
    if (suppression) options.hygiene = true;
    // Ordering reads the tenant's own history and the pool's answers, so only where the hygiene reads the pool.
    const ordered = request.order && hygieneApplied && this.pairLookup ? { request: request.order, lookup: this.pairLookup } : undefined;
    // In a filter worker, off this thread's event loop, unless the mailing needs what lives here: order=best reads
    // the database per batch, and suppression lists are matched against this thread's copy of them.
    const pool = ordered || suppression ? undefined : this.pool;
    let failure: AppError | undefined;
    try {
      if (pool) counts = await pool.run(format, { tenantId, input: request.body, output: sink, options });
      else {
        // The tenant's own views (its own 10 tabulations, its contacts, its contests) over the pool's verdicts.
        const classifier = this.classifier.forTenant(tenantId);
        if (suppression) classifier.suppressWith(suppression, hygieneApplied);
        if (ordered) options.order = new PhoneOrderer(tenantId, ordered.lookup, classifier, ordered.request, campaign.ninthDigit);
        counts =
          format === 'csv'
            ? await filterCsv(request.body, sink, classifier, options)
            : await filterJsonContacts(format === 'ndjson' ? ndjsonContacts(request.body, this.limits.maxRecordBytes) : jsonArrayContacts(request.body), sink, classifier, options);
      }
    } catch (error) {
      if (!record) throw error; // nothing answered yet: a plain 4xx/5xx
      failure = error instanceof AppError ? error : new AppError('INTERNAL', 'the mailing could not be filtered completely');
      if (!(error instanceof AppError)) request.logger.error({ err: error }, 'mailing filter failed mid-stream');
    }
    // Inativo pairs of an ordered mailing include the phones the pool's invalid list removed.
    if (options.order) counts.rightPartyInactive += counts.invalidPhones;
    this.metrics.mailingFiltered(counts);
    // The phones a streamed mailing looked up are charged once it is done: only the next read can be refused.
    if (hygieneApplied) await this.readBudget?.charge(tenantId, counts.phonesTotal, { allowOverdraft: true });
    try {
      const view = await record!.save(counts, failure ? 'failed' : 'completed');
      if (!failure) for (const listener of this.completedListeners) await listener({ tenantId, campaignId: campaign.id, hygieneApplied, counts, completedAt: new Date() });
      if (!answer.body.destroyed) {
        await output!.finish(failure ? { ...view, error: { code: failure.code, message: failure.message, field: failure.field } } : view);
      }
      return failure ? { ...view, error: { code: failure.code, message: failure.message, field: failure.field } } : view;
    } finally {
      await output?.dispose();
    }
  }

  /**
   * Starts the record of a mailing being filtered. Nothing is written yet: the row is written on the first
   * progress save and at the end, in order, so a dialer's small mailing costs one write instead of two.
   */
  private begin(tenantId: string, campaign: { id: string; externalId: string }, input: { name: string; format: MailingFormat; hygieneApplied: boolean }): MailingRecord {
    const record = new MailingRecord(this.prisma, this.realtime, tenantId, campaign, input);
    this.realtime.toTenant(tenantId, 'mailing:updated', record.view(emptyCounts(), 'running'));
    return record;
  }

  /**
   * The campaign's mailings, newest first, a page at a time (services/pagination.ts), and the totals of all its
   * completed ones (the campaign's counts, whatever the page).
   */
  async list(
    tenantId: string,
    campaignExternalId: string,
    page: PageRequest,
  ): Promise<{ mailings: MailingView[]; next: string | null; totals: MailingCounts & { mailings: number } }> {
    const campaign = await this.campaigns.find(tenantId, campaignExternalId);
    const { where, ...order } = keyset(page, 'desc');
    const [rows, sums] = await Promise.all([
      this.prisma.mailing.findMany({ where: { tenantId, campaignId: campaign.id, ...where }, ...order, include: mailingInclude }),
      this.prisma.mailing.aggregate({ where: { tenantId, campaignId: campaign.id, status: 'completed' }, _sum: countSelection, _count: true }),
    ]);
    const sum = (value: number | null | undefined) => value ?? 0;
    const totals = {
      mailings: sums._count,
      totalRows: sum(sums._sum.totalRows),
      keptRows: sum(sums._sum.keptRows),
      droppedRows: sum(sums._sum.droppedRows),
      malformedRows: sum(sums._sum.malformedRows),
      phonesTotal: sum(sums._sum.phonesTotal),
      hygienized: sum(sums._sum.invalidPhones) + sum(sums._sum.unconfirmedPhones),
      invalidPhones: sum(sums._sum.invalidPhones),
      unconfirmedPhones: sum(sums._sum.unconfirmedPhones),
      malformedPhones: sum(sums._sum.malformedPhones),
      ninthDigitAdded: sum(sums._sum.ninthDigitAdded),
      rightPartyQualified: sum(sums._sum.rightPartyQualified),
      rightPartyNotQualified: sum(sums._sum.rightPartyNotQualified),
      rightPartyInactive: sum(sums._sum.rightPartyInactive),
      suppressedPhones: sum(sums._sum.suppressedPhones),
    };
    const { items, next } = pageOf(rows, page);
    return { mailings: items.map(presentMailing), next, totals };
  }

  async get(tenantId: string, mailingId: string): Promise<MailingView> {
    const row = /^[0-9a-f-]{36}$/i.test(mailingId)
      ? await this.prisma.mailing.findFirst({ where: { id: mailingId, tenantId }, include: mailingInclude })
      : null;
    if (!row) throw notFound('mailing');
    return presentMailing(row);
  }

  /** The status mix per Brazilian day, for the tenant or one campaign: the indicator the seeds recommend watching. */
  async dailyStatusMix(tenantId: string, campaignExternalId?: string, days = 30): Promise<DailyStatusMix[]> {
    const campaignId = campaignExternalId ? (await this.campaigns.find(tenantId, campaignExternalId)).id : null;
    const rows = await this.prisma.$queryRawUnsafe<{ day: string; mailings: number; phones: number; invalid: number; unconfirmed: number }[]>(
      `SELECT to_char(((created_at AT TIME ZONE 'UTC') + interval '${BRAZIL_UTC_OFFSET_HOURS} hours')::date, 'YYYY-MM-DD') AS day,
              count(*)::int AS mailings, sum(phones_total)::int AS phones,
              sum(invalid_phones)::int AS invalid, sum(unconfirmed_phones)::int AS unconfirmed
       FROM mailings
       WHERE tenant_id = $1::uuid AND ($2::uuid IS NULL OR campaign_id = $2::uuid) AND hygiene_applied AND status = 'completed'
         AND created_at >= now() - make_interval(days => $3::int)
       GROUP BY 1 ORDER BY 1`,
      tenantId,
      campaignId,
      days,
    );
    return rows.map((row) => ({
      day: row.day,
      mailings: row.mailings,
      phonesTotal: row.phones,
      hygienized: row.invalid + row.unconfirmed,
      invalid: row.invalid,
      unconfirmed: row.unconfirmed,
    }));
  }
}
