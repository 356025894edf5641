import { dddOfE164, isUf, type Uf, UFS, ufOfDdd, utcOffsetsOfDdd } from './ddd';

/**
 * Calling hours: the local times at which a number may be dialed, per state (UF) of its DDD (domain/ddd.ts).
 *
 * Presets are editable defaults, not legal advice (docs/compliance.md lists the sources and what is unsure):
 * - National default ("BR", every state without a preset of its own): Monday–Friday 08:00–20:00, Saturday
 *   08:00–14:00, no Sunday. No federal statute fixes calling hours; the CDC (Lei 8.078/1990, art. 42) forbids
 *   collection that embarrasses or threatens, and Procons read calls outside business hours as such. The default
 *   copies the only state text we could read in full (São Paulo's, below) so a tenant starts on the safe side.
 * - São Paulo: Lei estadual 15.426/2014, art. 2º: collection calls Monday–Friday 08:00–20:00 and Saturday
 *   08:00–14:00, never on holidays. Applied to every purpose: a telemarketing campaign is not allowed more.
 * Holidays are not known here (national, state and municipal calendars differ): see docs/compliance.md.
 *
 * A window is [start, end) in minutes of the local day; `null` means no calls that day.
 */
export type DayWindow = { start: string; end: string } | null;
export type WeekWindows = { weekdays: DayWindow; saturday: DayWindow; sunday: DayWindow };
/** A state, or "BR" for the default of every state without its own rule. */
export type HoursScope = Uf | 'BR';

export const HOURS_SCOPES: readonly HoursScope[] = ['BR', ...UFS];
export const isHoursScope = (value: string): value is HoursScope => value === 'BR' || isUf(value);

const COMMERCIAL: WeekWindows = { weekdays: { start: '08:00', end: '20:00' }, saturday: { start: '08:00', end: '14:00' }, sunday: null };

/** The presets, with their source, as the API shows them. */
export const CALLING_HOURS_PRESETS: Readonly<Partial<Record<HoursScope, { windows: WeekWindows; source: string }>>> = {
  BR: { windows: COMMERCIAL, source: 'padrão: CDC art. 42 e orientação dos Procons (horário comercial); copia a Lei SP 15.426/2014' },
  SP: { windows: COMMERCIAL, source: 'SP Lei estadual 15.426/2014, art. 2º (cobrança: seg–sex 8h–20h, sáb 8h–14h, feriados vedados)' },
};

export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The windows in force for a state: the tenant's rule for it, else its preset, else the tenant's BR rule, else BR's preset. */
export function windowsFor(uf: Uf | undefined, tenantRules: ReadonlyMap<HoursScope, WeekWindows>): WeekWindows {
  if (uf) {
    const own = tenantRules.get(uf) ?? CALLING_HOURS_PRESETS[uf]?.windows;
    if (own) return own;
  }
  return tenantRules.get('BR') ?? COMMERCIAL;
}

function windowOfDay(windows: WeekWindows, weekday: number): DayWindow {
  if (weekday === 0) return windows.sunday;
  if (weekday === 6) return windows.saturday;
  return windows.weekdays;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

function allowedIn(windows: WeekWindows, offsetHours: number, at: number): boolean {
  const local = new Date(at + offsetHours * HOUR_MS);
  const window = windowOfDay(windows, local.getUTCDay());
  if (!window) return false;
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return minute >= minutesOf(window.start) && minute < minutesOf(window.end);
}

export type HoursVerdict =
  | { allowed: true; uf: Uf | null }
  | { allowed: false; uf: Uf | null; /** ISO time with the state's offset, or null when no window is open any day. */ nextAllowedAt: string | null };

/** An ISO time written in a fixed offset: 2026-12-03T08:00:00-03:00. */
export function isoAtOffset(at: number, offsetHours: number): string {
  const local = new Date(at + offsetHours * HOUR_MS).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
}

/**
 * Whether a number (E.164 digits) may be dialed at `now`, and if not, the first instant it may: the earliest window
 * start (in any of its DDD's offsets, over the next 8 days) at which every offset allows it.
 */
export function checkCallingHours(digits: number, now: Date, tenantRules: ReadonlyMap<HoursScope, WeekWindows>): HoursVerdict {
  const ddd = dddOfE164(digits);
  const uf = ufOfDdd(ddd) ?? null;
  const windows = windowsFor(uf ?? undefined, tenantRules);
  const offsets = utcOffsetsOfDdd(ddd);
  const at = now.getTime();
  const allowed = (time: number) => offsets.every((offset) => allowedIn(windows, offset, time));
  if (allowed(at)) return { allowed: true, uf };
  const candidates: number[] = [];
  for (const offset of offsets) {
    const localMidnight = Math.floor((at + offset * HOUR_MS) / DAY_MS) * DAY_MS;
    for (let day = 0; day <= 8; day++) {
      const midnight = localMidnight + day * DAY_MS;
      const window = windowOfDay(windows, new Date(midnight).getUTCDay());
      if (window) candidates.push(midnight + minutesOf(window.start) * 60_000 - offset * HOUR_MS);
    }
  }
  const next = candidates.filter((time) => time > at).sort((a, b) => a - b).find(allowed);
  return { allowed: false, uf, nextAllowedAt: next === undefined ? null : isoAtOffset(next, offsets[0] as number) };
}

/** A week's windows are well formed: start before end, "HH:MM" (end may be 24:00). */
export function windowProblem(windows: WeekWindows): string | null {
  for (const day of ['weekdays', 'saturday', 'sunday'] as const) {
    const window = windows[day];
    if (window && minutesOf(window.start) >= minutesOf(window.end)) return `${day}: start must be before end`;
  }
  return null;
}
