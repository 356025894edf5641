import type { CallFacts } from '../../plugin/contract/protocol';

/**
 * Anatel's short-call rule (docs/compliance.md): Despacho Decisório 5/2022, extended by DD 22/2024 until at least
 * 31 May 2026. A caller is blocked for 15 days when, in one day,
 *   (I)  one access code makes ≥ 100,000 short calls, or
 *   (II) its CNPJ (head office and branches) makes ≥ 100,000 calls of which ≥ 85% are short.
 * Since 1 June 2024 "short" is: completed in ≤ 6 s whoever hangs up, not answered, or reached voicemail.
 * Every number here is configuration (ANATEL_* in server/config.ts): the regulator has changed them before.
 * Nothing keys on the 0303 prefix (no longer mandatory since 7 Aug 2025).
 */
export type ShortCallRules = {
  /** A completed call of at most this many seconds of talk is short. */
  shortCallMaxSeconds: number;
  /** Criterion I: short calls in a day on one access code. */
  accessCodeShortCallLimit: number;
  /** Criterion II: calls in a day across the CNPJ… */
  cnpjCallLimit: number;
  /** …of which at least this percentage short. */
  cnpjShortSharePercent: number;
  /** "Atenção" at this percentage of a limit (each threshold of criterion II at this percentage of its value). */
  alertPercent: number;
  /** The calling day the projection extrapolates over, in Brazilian hours [start, end). */
  callingDayStartHour: number;
  callingDayEndHour: number;
};

export const DEFAULT_SHORT_CALL_RULES: ShortCallRules = {
  shortCallMaxSeconds: 6,
  accessCodeShortCallLimit: 100_000,
  cnpjCallLimit: 100_000,
  cnpjShortSharePercent: 85,
  alertPercent: 80,
  callingDayStartHour: 8,
  callingDayEndHour: 21,
};

export type CallClass = 'short' | 'long' | 'unknown';

/**
 * One call by the 1 June 2024 definition. Unknown when the dialer sent no facts that decide it: a tabulation alone
 * ("busy", "no answer") is not counted as short, so the meter never claims more than the dialer said; the console
 * shows the unknown calls next to the rest.
 */
export function classifyCall(call: CallFacts | undefined, rules: Pick<ShortCallRules, 'shortCallMaxSeconds'>): CallClass {
  if (!call) return 'unknown';
  if (call.voicemail === true) return 'short';
  if (call.answered === false) return 'short';
  if (call.talkSeconds !== undefined) return call.talkSeconds <= rules.shortCallMaxSeconds ? 'short' : 'long';
  return 'unknown';
}

/** The counts of one Brazilian day for one scope (an access code, or a whole CNPJ). */
export type DayCounts = { calls: number; shortCalls: number; unknownCalls: number };

export type Level = 'ok' | 'alert' | 'limit';
export const LEVEL_ORDER: Record<Level, number> = { ok: 0, alert: 1, limit: 2 };

const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

/** Criterion I for one access code's day. */
export function accessCodeLevel(counts: DayCounts, rules: ShortCallRules): Level {
  if (counts.shortCalls >= rules.accessCodeShortCallLimit) return 'limit';
  if (counts.shortCalls >= (rules.accessCodeShortCallLimit * rules.alertPercent) / 100) return 'alert';
  return 'ok';
}

/**
 * Criterion II for one CNPJ's day. The alert level needs both of its thresholds at alertPercent of their values
 * (80,000 calls with ≥ 68% short by default): volume alone at a low share is not a risk, nor a high share of few calls.
 */
export function cnpjLevel(counts: DayCounts, rules: ShortCallRules): Level {
  const share = percentOf(counts.shortCalls, counts.calls);
  if (counts.calls >= rules.cnpjCallLimit && share >= rules.cnpjShortSharePercent) return 'limit';
  const fraction = rules.alertPercent / 100;
  if (counts.calls >= rules.cnpjCallLimit * fraction && share >= rules.cnpjShortSharePercent * fraction) return 'alert';
  return 'ok';
}

/** Short calls as a percentage of the day's calls, one decimal (103,000 of 120,000 → 85.8). */
export const shortSharePercent = (counts: DayCounts): number => Math.round(10 * percentOf(counts.shortCalls, counts.calls)) / 10;

const HOUR_MS = 3_600_000;

/**
 * How much of the calling day has gone by at `now` for the Brazilian date `day`: 0 before it starts, 1 after it
 * ends (and for any past day). Brazil has kept UTC−3 all year since 2019.
 */
export function elapsedCallingDay(day: string, now: Date, rules: Pick<ShortCallRules, 'callingDayStartHour' | 'callingDayEndHour'>): number {
  const midnightUtc = Date.parse(`${day}T03:00:00Z`);
  const start = midnightUtc + rules.callingDayStartHour * HOUR_MS;
  const end = midnightUtc + rules.callingDayEndHour * HOUR_MS;
  const at = now.getTime();
  if (at <= start) return 0;
  if (at >= end) return 1;
  return (at - start) / (end - start);
}

/**
 * The day's counts projected linearly over the calling day: counts ÷ elapsed fraction. At least one hour counts as
 * elapsed, so five minutes after opening do not extrapolate a handful of test calls to a block. The short share is
 * unchanged by a linear projection; only the volumes grow.
 */
export function projectDay(counts: DayCounts, day: string, now: Date, rules: ShortCallRules): DayCounts {
  const hours = rules.callingDayEndHour - rules.callingDayStartHour;
  const elapsed = Math.max(elapsedCallingDay(day, now, rules), 1 / hours);
  const scale = (value: number) => Math.round(value / elapsed);
  return { calls: scale(counts.calls), shortCalls: scale(counts.shortCalls), unknownCalls: scale(counts.unknownCalls) };
}

export type ComplianceStatus = 'ok' | 'atenção' | 'bloqueio provável';

/**
 * The status shown for a CNPJ (or an access code): "bloqueio provável" when today's counts already meet a criterion;
 * "atenção" when they reach the alert level, or when the projection of the day meets a criterion; else "ok".
 */
export function statusOf(actual: Level, projected: Level): ComplianceStatus {
  if (actual === 'limit') return 'bloqueio provável';
  if (actual === 'alert' || projected === 'limit') return 'atenção';
  return 'ok';
}

/** CNPJ check digits (Receita Federal's mod-11 with weights 2..9 from the right); repeated digits are not issued. */
export function isValidCnpj(digits: string): boolean {
  if (!/^\d{14}$/.test(digits) || /^(\d)\1{13}$/.test(digits)) return false;
  const check = (length: number) => {
    let sum = 0;
    let weight = 2;
    for (let i = length - 1; i >= 0; i--) {
      sum += Number(digits[i]) * weight;
      weight = weight === 9 ? 2 : weight + 1;
    }
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return check(12) === Number(digits[12]) && check(13) === Number(digits[13]);
}

/** The CNPJ's 14 digits when `text` is one in any usual spelling ("11.222.333/0001-81"), else null. */
export function cnpjDigits(text: string): string | null {
  if (!/^[\d.\-\s/]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  return isValidCnpj(digits) ? digits : null;
}

/** An access code as the outcome validation stores it (outcomeExtensions.ts): digits only, 3 to 20. */
export function accessCodeDigits(text: string): string | null {
  const digits = text.replace(/[\s().+-]/g, '');
  return /^\d{3,20}$/.test(digits) ? digits : null;
}
