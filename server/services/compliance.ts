import {
  brazilianDate,
  type ComplianceAccessCodeMeter,
  type ComplianceCnpjMeter,
  type ComplianceCnpjView,
  type ComplianceCounts,
  type ComplianceHistoryView,
  type ComplianceMeterView,
} from '../../plugin/contract/protocol';
import type { PrismaClient } from '../generated/prisma/client';
import { AppError, notFound } from '../errors';
import { accessCodeLevel, cnpjLevel, elapsedCallingDay, LEVEL_ORDER, projectDay, shortSharePercent, statusOf, type DayCounts, type Level, type ShortCallRules } from '../domain/anatel';
import type { AuditLog } from './audit';
import type { CampaignService } from './campaigns';
import { alertEvent, entryOf, NONE, type AlertRow } from './complianceMeter';

/** What the meter says of its own reach, in the console's language (docs/compliance.md, "What it does not cover"). */
export const COVERAGE =
  'Conta apenas as chamadas que os discadores deste cliente reportam ao servidor, com os dados de chamada que enviam; chamadas não reportadas e a visão das operadoras não aparecem aqui.';

const DAY_MS = 86_400_000;
const MAX_HISTORY_DAYS = 92;

type DailyRow = { day: string; cnpj: string; accessCode: string; calls: number; shortCalls: number; unknownCalls: number };

const counts = (row: DayCounts): ComplianceCounts => ({ calls: row.calls, shortCalls: row.shortCalls, unknownCalls: row.unknownCalls, shortPercent: shortSharePercent(row) });
const add = (total: DayCounts, row: DayCounts) => {
  total.calls += row.calls;
  total.shortCalls += row.shortCalls;
  total.unknownCalls += row.unknownCalls;
};
const worst = (levels: Level[]): Level => levels.reduce<Level>((worstSoFar, level) => (LEVEL_ORDER[level] > LEVEL_ORDER[worstSoFar] ? level : worstSoFar), 'ok');
const zero = (): DayCounts => ({ calls: 0, shortCalls: 0, unknownCalls: 0 });

/**
 * Anatel compliance per tenant: its registry of CNPJs and access codes, and the meter's views (one day with its
 * projection, the history). The counters are written by ComplianceMeter inside the outcome batches.
 */
export class ComplianceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly campaigns: CampaignService,
    private readonly rules: ShortCallRules,
    private readonly clock: () => Date,
    private readonly audit: AuditLog,
  ) {}

  async listCnpjs(tenantId: string): Promise<ComplianceCnpjView[]> {
    const rows = await this.prisma.complianceCnpj.findMany({
      where: { tenantId },
      include: { accessCodes: { select: { accessCode: true }, orderBy: { accessCode: 'asc' } }, campaigns: { select: { campaignId: true } } },
      orderBy: { cnpj: 'asc' },
    });
    const campaignIds = rows.flatMap((row) => row.campaigns.map((link) => link.campaignId));
    const externals = campaignIds.length === 0 ? [] : await this.prisma.campaign.findMany({ where: { tenantId, id: { in: campaignIds } }, select: { id: true, externalId: true } });
    const externalOf = new Map(externals.map((campaign) => [campaign.id, campaign.externalId]));
    return rows.map((row) => ({
      cnpj: row.cnpj,
      name: row.name,
      accessCodes: row.accessCodes.map((code) => code.accessCode),
      campaigns: row.campaigns.map((link) => externalOf.get(link.campaignId)).filter((id): id is string => id !== undefined).sort(),
      createdAt: row.createdAt.toISOString(),
    }));
  }

  /** Registers a CNPJ or replaces its name and access codes; an access code of another of the tenant's CNPJs is a conflict. */
  async putCnpj(tenantId: string, actor: string, cnpj: string, input: { name: string; accessCodes: string[] }): Promise<ComplianceCnpjView> {
    const accessCodes = [...new Set(input.accessCodes)];
    await this.prisma.$transaction(async (tx) => {
      const row = await tx.complianceCnpj.upsert({ where: { tenantId_cnpj: { tenantId, cnpj } }, create: { tenantId, cnpj, name: input.name }, update: { name: input.name } });
      const taken = await tx.complianceAccessCode.findMany({ where: { tenantId, accessCode: { in: accessCodes }, cnpjId: { not: row.id } }, include: { cnpj: { select: { cnpj: true } } } });
      if (taken.length > 0) {
        const first = taken[0]!;
        throw new AppError('CONFLICT', `${first.accessCode} is already an access code of CNPJ ${first.cnpj.cnpj}; remove it there first`, 'accessCodes');
      }
      await tx.complianceAccessCode.deleteMany({ where: { cnpjId: row.id } });
      if (accessCodes.length > 0) await tx.complianceAccessCode.createMany({ data: accessCodes.map((accessCode) => ({ tenantId, accessCode, cnpjId: row.id })) });
    });
    // Access codes are the company's trunk numbers, not people's phones: the audit may name them.
    await this.audit.record({ tenantId, actor, action: 'compliance.cnpj-saved', target: `cnpj:${cnpj}`, details: { name: input.name, accessCodes } });
    return (await this.listCnpjs(tenantId)).find((view) => view.cnpj === cnpj)!;
  }

  /** Removes a CNPJ with its access codes and campaign links; its counted days stay in the history. */
  async removeCnpj(tenantId: string, actor: string, cnpj: string): Promise<void> {
    const { count } = await this.prisma.complianceCnpj.deleteMany({ where: { tenantId, cnpj } });
    if (count === 0) throw notFound(`CNPJ ${cnpj}`);
    await this.audit.record({ tenantId, actor, action: 'compliance.cnpj-removed', target: `cnpj:${cnpj}` });
  }

  /** Names the CNPJ a campaign dials for (null: none). */
  async setCampaignCnpj(tenantId: string, externalCampaignId: string, cnpj: string | null): Promise<{ campaignId: string; cnpj: string | null }> {
    const campaign = await this.campaigns.find(tenantId, externalCampaignId);
    if (cnpj === null) {
      await this.prisma.complianceCampaignCnpj.deleteMany({ where: { campaignId: campaign.id } });
      return { campaignId: externalCampaignId, cnpj: null };
    }
    const row = await this.prisma.complianceCnpj.findUnique({ where: { tenantId_cnpj: { tenantId, cnpj } } });
    if (!row) throw notFound(`CNPJ ${cnpj} (register it first with PUT /v1/compliance/cnpjs/:cnpj)`);
    await this.prisma.complianceCampaignCnpj.upsert({ where: { campaignId: campaign.id }, create: { campaignId: campaign.id, tenantId, cnpjId: row.id }, update: { cnpjId: row.id } });
    return { campaignId: externalCampaignId, cnpj };
  }

  /** One Brazilian day (today by default): per CNPJ and access code, today's counts, the projection, levels and status. */
  async meter(tenantId: string, day?: string): Promise<ComplianceMeterView> {
    const now = this.clock();
    const date = day ?? brazilianDate(now.getTime());
    const [rows, registry, avoided, alerts] = await Promise.all([
      this.dailyRows(tenantId, date, date),
      this.prisma.complianceCnpj.findMany({ where: { tenantId }, include: { accessCodes: { select: { accessCode: true } } } }),
      this.avoidedRows(tenantId, date, date),
      this.alertRows(tenantId, date, date),
    ]);
    const today = brazilianDate(now.getTime());
    const elapsed = date < today ? 1 : date > today ? 0 : elapsedCallingDay(date, now, this.rules);
    const project = (value: DayCounts) => (date === today ? projectDay(value, date, now, this.rules) : { ...value });

    const cnpjRows = new Map<string, { name: string | null; codes: Map<string, { registered: boolean; total: DayCounts }> }>();
    for (const registered of registry) {
      cnpjRows.set(registered.cnpj, { name: registered.name, codes: new Map(registered.accessCodes.map((code) => [code.accessCode, { registered: true, total: zero() }])) });
    }
    for (const row of rows) {
      const entry = entryOf(cnpjRows, row.cnpj, () => ({ name: null, codes: new Map() }));
      const code = entryOf(entry.codes, row.accessCode, () => ({ registered: false, total: zero() }));
      add(code.total, row);
    }
    const avoidedOf = new Map(avoided.map((row) => [row.cnpj, row.avoided]));
    const cnpjs: ComplianceCnpjMeter[] = [...cnpjRows.entries()].map(([cnpj, entry]) => {
      const total = zero();
      const accessCodes: ComplianceAccessCodeMeter[] = [...entry.codes.entries()].map(([accessCode, code]) => {
        add(total, code.total);
        const projected = project(code.total);
        // "Sem código de acesso" mixes codes: criterion I cannot be judged on it.
        const level = accessCode === NONE ? 'ok' : accessCodeLevel(code.total, this.rules);
        const projectedLevel = accessCode === NONE ? 'ok' : accessCodeLevel(projected, this.rules);
        return { accessCode: accessCode || null, registered: code.registered, today: counts(code.total), projected: counts(projected), level, status: statusOf(level, projectedLevel) };
      });
      accessCodes.sort((a, b) => b.today.shortCalls - a.today.shortCalls || (a.accessCode ?? '~').localeCompare(b.accessCode ?? '~'));
      const projected = project(total);
      // "Sem CNPJ" mixes CNPJs (or none is registered): criterion II cannot be judged on it.
      const levels = { cnpj: cnpj === NONE ? ('ok' as Level) : cnpjLevel(total, this.rules), accessCode: worst(accessCodes.map((code) => code.level)) };
      const projectedLevel = worst([cnpj === NONE ? 'ok' : cnpjLevel(projected, this.rules), ...accessCodes.map((code) => (code.accessCode === null ? 'ok' : accessCodeLevel(code.projected, this.rules)))]);
      return {
        cnpj: cnpj || null,
        name: entry.name,
        today: counts(total),
        projected: counts(projected),
        levels,
        status: statusOf(worst([levels.cnpj, levels.accessCode]), projectedLevel),
        avoided: avoidedOf.get(cnpj) ?? 0,
        accessCodes,
      };
    });
    cnpjs.sort((a, b) => (a.cnpj ?? '~').localeCompare(b.cnpj ?? '~'));
    return {
      day: date,
      asOf: now.toISOString(),
      elapsed: Math.round(elapsed * 1000) / 1000,
      rules: {
        shortCallMaxSeconds: this.rules.shortCallMaxSeconds,
        accessCodeShortCallLimit: this.rules.accessCodeShortCallLimit,
        cnpjCallLimit: this.rules.cnpjCallLimit,
        cnpjShortSharePercent: this.rules.cnpjShortSharePercent,
        alertPercent: this.rules.alertPercent,
        callingDay: { startHour: this.rules.callingDayStartHour, endHour: this.rules.callingDayEndHour },
      },
      coverage: COVERAGE,
      cnpjs,
      avoidedUnattributed: cnpjRows.has(NONE) ? 0 : (avoidedOf.get(NONE) ?? 0),
      alerts: alerts.map(alertEvent),
    };
  }

  /** Per day and CNPJ from `from` to `to` (Brazilian dates, at most 92 days), newest first; statuses on the day's final counts. */
  async history(tenantId: string, range: { from?: string | undefined; to?: string | undefined }): Promise<ComplianceHistoryView> {
    const to = range.to ?? brazilianDate(this.clock().getTime());
    const from = range.from ?? brazilianDate(Date.parse(`${to}T12:00:00Z`) - 29 * DAY_MS);
    if (from > to) throw new AppError('VALIDATION_FAILED', 'must not be after `to`', 'from');
    if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_HISTORY_DAYS) throw new AppError('VALIDATION_FAILED', `the range must be at most ${MAX_HISTORY_DAYS} days`, 'from');
    const [rows, avoided, alerts] = await Promise.all([this.dailyRows(tenantId, from, to), this.avoidedRows(tenantId, from, to), this.alertRows(tenantId, from, to)]);
    const days = new Map<string, ComplianceHistoryView['days'][number]>();
    const dayOf = (day: string) => entryOf(days, day, () => ({ day, cnpjs: [], avoidedUnattributed: 0, alerts: [] }));
    const totals = new Map<string, { total: DayCounts; maxShort: number; codeLevel: Level }>();
    for (const row of rows) {
      const key = `${row.day}|${row.cnpj}`;
      const entry = entryOf(totals, key, () => ({ total: zero(), maxShort: 0, codeLevel: 'ok' as Level }));
      add(entry.total, row);
      if (row.accessCode !== NONE) {
        entry.maxShort = Math.max(entry.maxShort, row.shortCalls);
        entry.codeLevel = worst([entry.codeLevel, accessCodeLevel(row, this.rules)]);
      }
    }
    const avoidedOf = new Map(avoided.map((row) => [`${row.day}|${row.cnpj}`, row.avoided]));
    for (const [key, entry] of totals) {
      const [day, cnpj] = key.split('|') as [string, string];
      const level = worst([cnpj === NONE ? 'ok' : cnpjLevel(entry.total, this.rules), entry.codeLevel]);
      dayOf(day).cnpjs.push({ cnpj: cnpj || null, today: counts(entry.total), maxAccessCodeShortCalls: entry.maxShort, status: statusOf(level, 'ok'), avoided: avoidedOf.get(key) ?? 0 });
    }
    for (const row of avoided) {
      if (!totals.has(`${row.day}|${row.cnpj}`)) {
        if (row.cnpj === NONE) dayOf(row.day).avoidedUnattributed = row.avoided;
        else dayOf(row.day).cnpjs.push({ cnpj: row.cnpj, today: counts(zero()), maxAccessCodeShortCalls: 0, status: 'ok', avoided: row.avoided });
      }
    }
    for (const alert of alerts) dayOf(alert.day).alerts.push(alertEvent(alert));
    const list = [...days.values()].sort((a, b) => b.day.localeCompare(a.day));
    for (const day of list) day.cnpjs.sort((a, b) => (a.cnpj ?? '~').localeCompare(b.cnpj ?? '~'));
    return { from, to, days: list };
  }

  private dailyRows(tenantId: string, from: string, to: string): Promise<DailyRow[]> {
    return this.prisma.$queryRaw<DailyRow[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, cnpj, access_code AS "accessCode", calls, short_calls AS "shortCalls", unknown_calls AS "unknownCalls"
        FROM compliance_daily WHERE tenant_id = ${tenantId}::uuid AND day BETWEEN ${from}::date AND ${to}::date`;
  }

  private avoidedRows(tenantId: string, from: string, to: string): Promise<{ day: string; cnpj: string; avoided: number }[]> {
    return this.prisma.$queryRaw`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, cnpj, avoided FROM compliance_avoided_daily
       WHERE tenant_id = ${tenantId}::uuid AND day BETWEEN ${from}::date AND ${to}::date`;
  }

  private alertRows(tenantId: string, from: string, to: string): Promise<AlertRow[]> {
    // An alert written as delivered before its creation stood for a jump straight to the limit: the limit's event says it.
    return this.prisma.$queryRaw<AlertRow[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, scope, cnpj, access_code AS "accessCode", level, calls, short_calls AS "shortCalls", created_at AS "createdAt"
        FROM compliance_alerts WHERE tenant_id = ${tenantId}::uuid AND day BETWEEN ${from}::date AND ${to}::date
         AND NOT (delivered_at IS NOT NULL AND delivered_at < created_at)
       ORDER BY created_at, level`;
  }
}
