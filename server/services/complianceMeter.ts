import { BRAZIL_UTC_OFFSET_HOURS, brazilianDate, type ComplianceAlertEvent } from '../../plugin/contract/protocol';
import type { PrismaClient } from '../generated/prisma/client';
import { accessCodeLevel, classifyCall, cnpjLevel, shortSharePercent, statusOf, type Level, type ShortCallRules } from '../domain/anatel';
import type { Logger } from '../logger';
import type { Realtime } from '../realtime/realtime';
import type { AcceptedCall, OutcomeExtension } from './outcomeExtensions';
import type { MailingService } from './mailings';
import type { Tx } from './trustStore';

/** The map's entry for `key`, made and stored on first use. */
export function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let entry = map.get(key);
  if (entry === undefined) {
    entry = make();
    map.set(key, entry);
  }
  return entry;
}

/** '' in the counter rows: "sem CNPJ" / "sem código de acesso" (null in the API). */
export const NONE = '';

/** Where a tenant's calls go: access code → CNPJ digits, campaign id → CNPJ digits, and its CNPJ when it has only one. */
type Attribution = { byCode: Map<string, string>; byCampaign: Map<string, string>; onlyCnpj: string | undefined };

type CounterRow = { day: string; cnpj: string; accessCode: string; calls: number; shortCalls: number; unknownCalls: number };
type AlertCandidate = { day: string; scope: 'cnpj' | 'access_code'; cnpj: string; accessCode: string; level: 'alert' | 'limit'; calls: number; shortCalls: number; suppressed: boolean };
type AlertRow = { day: string; scope: string; cnpj: string; accessCode: string; level: string; calls: number; shortCalls: number; createdAt: Date };

/**
 * The short-call meter's writes: per-day counters of every call counted for the first time, inside the outcome
 * batch's transaction (exactly-once, outcomeExtensions.ts), the alerts those counters reach, and the dials that
 * hygiene prevented. An alert row is written once per (day, scope, level) in the same transaction, and delivered
 * by whichever instance claims it first after a commit (UPDATE … RETURNING), so every admin console of the
 * tenant, on any instance, gets it once: socket.io's Redis adapter carries the emit to the other instances.
 */
export class ComplianceMeter implements OutcomeExtension {
  /** The tenant's per-day counter rows: written last in the batch's transaction (outcomeExtensions.ts). */
  readonly contended = true;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly rules: ShortCallRules,
    private readonly realtime: Realtime,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  async apply(tx: Tx, tenantId: string, calls: readonly AcceptedCall[], now: Date): Promise<void> {
    const attribution = await this.attribution(tx, tenantId, [...new Set(calls.map((call) => call.campaignId))]);
    const rows = new Map<string, CounterRow>();
    // A batch's calls fall on a day or two: each day's text is made once (a Date and an ISO string per call were
    // ~2% of ingest's CPU).
    const days = new Map<number, string>();
    const dayOf = (at: number) => {
      const index = Math.floor((at + BRAZIL_UTC_OFFSET_HOURS * 3_600_000) / 86_400_000);
      let day = days.get(index);
      if (day === undefined) {
        day = brazilianDate(at);
        days.set(index, day);
      }
      return day;
    };
    let last: CounterRow | undefined;
    for (const call of calls) {
      const accessCode = call.call?.accessCode ?? NONE;
      const cnpj = (accessCode ? attribution.byCode.get(accessCode) : undefined) ?? attribution.byCampaign.get(call.campaignId) ?? attribution.onlyCnpj ?? NONE;
      // The call's own day: a batch sent after midnight still counts yesterday's calls on yesterday.
      const day = dayOf(call.occurredAt);
      // Most calls of a batch share one counter row: its key text is made only when the row changes.
      let row = last;
      if (row === undefined || row.day !== day || row.cnpj !== cnpj || row.accessCode !== accessCode) {
        row = entryOf(rows, `${day}|${cnpj}|${accessCode}`, () => ({ day, cnpj, accessCode, calls: 0, shortCalls: 0, unknownCalls: 0 }));
        last = row;
      }
      row.calls++;
      const kind = classifyCall(call.call, this.rules);
      if (kind === 'short') row.shortCalls++;
      else if (kind === 'unknown') row.unknownCalls++;
    }
    // Sorted, so two batches of one tenant lock the same rows in the same order (no deadlock).
    const sorted = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    const updated = await tx.$queryRaw<CounterRow[]>`
      INSERT INTO compliance_daily (tenant_id, day, cnpj, access_code, calls, short_calls, unknown_calls)
      SELECT ${tenantId}::uuid, r.day::date, r.cnpj, r.code, r.calls, r.short, r.unknown
        FROM unnest(${sorted.map((row) => row.day)}::text[], ${sorted.map((row) => row.cnpj)}::text[], ${sorted.map((row) => row.accessCode)}::text[],
                    ${sorted.map((row) => row.calls)}::int[], ${sorted.map((row) => row.shortCalls)}::int[], ${sorted.map((row) => row.unknownCalls)}::int[])
             WITH ORDINALITY AS r(day, cnpj, code, calls, short, unknown, position)
       ORDER BY r.position
      ON CONFLICT (tenant_id, day, cnpj, access_code) DO UPDATE SET
        calls = compliance_daily.calls + EXCLUDED.calls,
        short_calls = compliance_daily.short_calls + EXCLUDED.short_calls,
        unknown_calls = compliance_daily.unknown_calls + EXCLUDED.unknown_calls
      RETURNING to_char(day, 'YYYY-MM-DD') AS day, cnpj, access_code AS "accessCode", calls, short_calls AS "shortCalls", unknown_calls AS "unknownCalls"`;
    const candidates: AlertCandidate[] = [];
    for (const row of updated) {
      if (row.accessCode !== NONE) candidates.push(...this.candidates(row, 'access_code', accessCodeLevel(row, this.rules)));
    }
    const touched = [...new Set(updated.filter((row) => row.cnpj !== NONE).map((row) => `${row.day}|${row.cnpj}`))].sort();
    if (touched.length > 0) {
      const totals = await tx.$queryRaw<CounterRow[]>`
        SELECT to_char(daily.day, 'YYYY-MM-DD') AS day, daily.cnpj, '' AS "accessCode", sum(daily.calls)::int AS calls,
               sum(daily.short_calls)::int AS "shortCalls", sum(daily.unknown_calls)::int AS "unknownCalls"
          FROM compliance_daily daily
          JOIN unnest(${touched.map((key) => key.split('|')[0]!)}::date[], ${touched.map((key) => key.split('|')[1]!)}::text[]) AS wanted(day, cnpj)
            ON daily.day = wanted.day AND daily.cnpj = wanted.cnpj
         WHERE daily.tenant_id = ${tenantId}::uuid
         GROUP BY daily.day, daily.cnpj`;
      for (const total of totals) candidates.push(...this.candidates(total, 'cnpj', cnpjLevel(total, this.rules)));
    }
    if (candidates.length === 0) return;
    await tx.$executeRaw`
      INSERT INTO compliance_alerts (tenant_id, day, scope, cnpj, access_code, level, calls, short_calls, created_at, delivered_at)
      SELECT ${tenantId}::uuid, a.day::date, a.scope, a.cnpj, a.code, a.level, a.calls, a.short, ${now}, CASE WHEN a.suppressed THEN ${now}::timestamptz - interval '1 millisecond' END
        FROM unnest(${candidates.map((c) => c.day)}::text[], ${candidates.map((c) => c.scope)}::text[], ${candidates.map((c) => c.cnpj)}::text[],
                    ${candidates.map((c) => c.accessCode)}::text[], ${candidates.map((c) => c.level)}::text[], ${candidates.map((c) => c.calls)}::int[],
                    ${candidates.map((c) => c.shortCalls)}::int[], ${candidates.map((c) => c.suppressed)}::boolean[])
             AS a(day, scope, cnpj, code, level, calls, short, suppressed)
      ON CONFLICT DO NOTHING`;
  }

  /** After the commit: claims the tenant's undelivered alerts (once, whichever instance gets there) and emits them. */
  committed(tenantId: string): void {
    this.deliver(tenantId).catch((error: unknown) => this.logger.warn({ err: error, tenantId }, 'compliance alerts not delivered yet (sent after the next batch)'));
  }

  /** Resolves when the undelivered alerts of the tenant are emitted; exposed for tests. */
  async deliver(tenantId: string): Promise<ComplianceAlertEvent[]> {
    const claimed = await this.prisma.$queryRaw<AlertRow[]>`
      UPDATE compliance_alerts SET delivered_at = ${this.clock()}
       WHERE tenant_id = ${tenantId}::uuid AND delivered_at IS NULL
      RETURNING to_char(day, 'YYYY-MM-DD') AS day, scope, cnpj, access_code AS "accessCode", level, calls, short_calls AS "shortCalls", created_at AS "createdAt"`;
    const events = claimed.map(alertEvent);
    for (const event of events) this.realtime.toTenantAdmins(tenantId, 'compliance:alert', event);
    return events;
  }

  /** Counts the dials each completed hygiene mailing prevented; returns the service for the composition root. */
  watchMailings(mailings: MailingService): MailingService {
    mailings.onCompleted(async (mailing) => {
      if (!mailing.hygieneApplied) return;
      try {
        await this.recordAvoided(mailing.tenantId, mailing.campaignId, mailing.counts.invalidPhones, this.clock());
      } catch (error) {
        this.logger.warn({ err: error, tenantId: mailing.tenantId }, 'avoided short calls of a mailing not counted');
      }
    });
    return mailings;
  }

  /**
   * A completed hygiene mailing's invalid phones: dials it prevented. Attributed to the campaign's CNPJ, else the
   * tenant's only CNPJ, else unattributed (docs/compliance.md).
   */
  async recordAvoided(tenantId: string, campaignId: string, avoided: number, at: Date): Promise<void> {
    if (avoided <= 0) return;
    await this.prisma.$executeRaw`
      INSERT INTO compliance_avoided_daily (tenant_id, day, cnpj, avoided)
      SELECT ${tenantId}::uuid, ${brazilianDate(at.getTime())}::date,
             COALESCE((SELECT cnpj.cnpj FROM compliance_campaign_cnpjs link JOIN compliance_cnpjs cnpj ON cnpj.id = link.cnpj_id WHERE link.campaign_id = ${campaignId}::uuid),
                      (SELECT min(cnpj) FROM compliance_cnpjs WHERE tenant_id = ${tenantId}::uuid HAVING count(*) = 1),
                      ''),
             ${avoided}::int
      ON CONFLICT (tenant_id, day, cnpj) DO UPDATE SET avoided = compliance_avoided_daily.avoided + EXCLUDED.avoided`;
  }

  /** The levels a counter reached; a jump straight to the limit writes the alert level already delivered (one event). */
  private candidates(row: CounterRow, scope: AlertCandidate['scope'], level: Level): AlertCandidate[] {
    if (level === 'ok') return [];
    const base = { day: row.day, scope, cnpj: row.cnpj, accessCode: scope === 'cnpj' ? NONE : row.accessCode, calls: row.calls, shortCalls: row.shortCalls };
    return level === 'limit'
      ? [
          { ...base, level: 'alert', suppressed: true },
          { ...base, level: 'limit', suppressed: false },
        ]
      : [{ ...base, level: 'alert', suppressed: false }];
  }

  private async attribution(tx: Tx, tenantId: string, campaignIds: string[]): Promise<Attribution> {
    const rows = await tx.$queryRaw<{ kind: string; key: string; cnpj: string }[]>`
      SELECT 'code' AS kind, code.access_code AS key, cnpj.cnpj FROM compliance_access_codes code JOIN compliance_cnpjs cnpj ON cnpj.id = code.cnpj_id
       WHERE code.tenant_id = ${tenantId}::uuid
      UNION ALL
      SELECT 'cnpj', cnpj.id::text, cnpj.cnpj FROM compliance_cnpjs cnpj WHERE cnpj.tenant_id = ${tenantId}::uuid
      UNION ALL
      SELECT 'campaign', link.campaign_id::text, cnpj.cnpj FROM compliance_campaign_cnpjs link JOIN compliance_cnpjs cnpj ON cnpj.id = link.cnpj_id
       WHERE link.tenant_id = ${tenantId}::uuid AND link.campaign_id = ANY(${campaignIds}::uuid[])`;
    const byCode = new Map<string, string>();
    const byCampaign = new Map<string, string>();
    const cnpjs: string[] = [];
    for (const row of rows) {
      if (row.kind === 'code') byCode.set(row.key, row.cnpj);
      else if (row.kind === 'campaign') byCampaign.set(row.key, row.cnpj);
      else cnpjs.push(row.cnpj);
    }
    return { byCode, byCampaign, onlyCnpj: cnpjs.length === 1 ? cnpjs[0] : undefined };
  }
}

export function alertEvent(row: AlertRow): ComplianceAlertEvent {
  const level = row.level === 'limit' ? 'limit' : 'alert';
  return {
    day: row.day,
    scope: row.scope === 'cnpj' ? 'cnpj' : 'access_code',
    cnpj: row.cnpj || null,
    accessCode: row.accessCode || null,
    level,
    status: statusOf(level, 'ok'),
    calls: row.calls,
    shortCalls: row.shortCalls,
    shortPercent: shortSharePercent({ calls: row.calls, shortCalls: row.shortCalls, unknownCalls: 0 }),
    at: row.createdAt.toISOString(),
  };
}

export type { AlertRow };
