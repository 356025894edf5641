/**
 * DDD (area code) → state (UF) and its legal time, for calling hours (domain/callingHours.ts).
 *
 * Sources: Anatel's plan of area codes (Plano Geral de Códigos Nacionais, PGCN) for the DDD → UF table; Decreto
 * 9.772/2019 ended daylight saving time, so every offset below holds all year; the zones are those of Lei
 * 12.876/2013 (Acre and western Amazonas back to UTC−5).
 *
 * Decisions:
 * - A DDD names its state, not always the subscriber's: DDD 61 also serves towns of Goiás around Brasília (same
 *   offset, so hours are not affected), and a mobile keeps its DDD when its owner moves (portability). Calling
 *   hours are read from the DDD; the number's real location is unknown to anyone dialing it.
 * - DDD 97 (interior of Amazonas) spans both UTC−4 (Tefé, Coari) and UTC−5 (Tabatinga, Benjamin Constant,
 *   Eirunepé): it carries both offsets and a time is allowed only if it is allowed in both (the safe side).
 * - Fernando de Noronha (UTC−2) shares DDD 81 with Recife: it is not given its own offset, which would shorten
 *   every Pernambuco window by an hour for an island of 3,000 people (docs/compliance.md says so).
 */
export const UFS = [
  'AC', 'AL', 'AM', 'AP', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MG', 'MS', 'MT', 'PA', 'PB', 'PE', 'PI', 'PR', 'RJ', 'RN', 'RO', 'RR', 'RS', 'SC', 'SE', 'SP', 'TO',
] as const;
export type Uf = (typeof UFS)[number];

const DDDS_BY_UF: Record<Uf, readonly number[]> = {
  SP: [11, 12, 13, 14, 15, 16, 17, 18, 19],
  RJ: [21, 22, 24],
  ES: [27, 28],
  MG: [31, 32, 33, 34, 35, 37, 38],
  PR: [41, 42, 43, 44, 45, 46],
  SC: [47, 48, 49],
  RS: [51, 53, 54, 55],
  DF: [61],
  GO: [62, 64],
  TO: [63],
  MT: [65, 66],
  MS: [67],
  AC: [68],
  RO: [69],
  BA: [71, 73, 74, 75, 77],
  SE: [79],
  PE: [81, 87],
  AL: [82],
  PB: [83],
  RN: [84],
  CE: [85, 88],
  PI: [86, 89],
  PA: [91, 93, 94],
  AM: [92, 97],
  RR: [95],
  AP: [96],
  MA: [98, 99],
};

/** Hours from UTC of each state's legal time (no daylight saving time since 2019). */
const UTC_OFFSET_BY_UF: Partial<Record<Uf, number>> = { AC: -5, AM: -4, RO: -4, RR: -4, MT: -4, MS: -4 };
const DEFAULT_UTC_OFFSET = -3;

const UF_BY_DDD = new Map<number, Uf>();
for (const uf of UFS) for (const ddd of DDDS_BY_UF[uf]) UF_BY_DDD.set(ddd, uf);

export function ufOfDdd(ddd: number): Uf | undefined {
  return UF_BY_DDD.get(ddd);
}

/** The DDD of E.164 digits (5511912345678 → 11). */
export function dddOfE164(digits: number): number {
  const national = String(digits).slice(2);
  return Number(national.slice(0, 2));
}

/** The UTC offsets (hours) a DDD's subscribers may be in: one, or two for DDD 97. */
export function utcOffsetsOfDdd(ddd: number): number[] {
  if (ddd === 97) return [-4, -5];
  const uf = ufOfDdd(ddd);
  return [uf ? (UTC_OFFSET_BY_UF[uf] ?? DEFAULT_UTC_OFFSET) : DEFAULT_UTC_OFFSET];
}

export function utcOffsetOfUf(uf: Uf): number {
  return UTC_OFFSET_BY_UF[uf] ?? DEFAULT_UTC_OFFSET;
}

export const isUf = (value: string): value is Uf => (UFS as readonly string[]).includes(value);
