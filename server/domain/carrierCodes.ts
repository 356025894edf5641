/**
 * Carrier selection codes (CSP, "código de seleção de prestadora"): the two digits a Brazilian caller dials after
 * "0" (national long distance: "0 21 11 91234-5678") or after "00" (international: "00 21 55 ..."). Only these are
 * read as a carrier by server/domain/phone.ts; "0" + any other two digits + 11 digits is TOO_LONG, because reading
 * any pair as a carrier turned an over-long number into a different, valid subscriber (issue 12).
 *
 * Where the list comes from (checked 2026-12; not verified against Anatel's current register, which is not
 * published in a machine-readable form we could reach):
 * - the 13 codes libphonenumber-js 1.13.16 knows for BR (`national_prefix_for_parsing` in its metadata:
 *   12, 14, 15, 21, 22, 23, 25, 31, 41, 43, 55, 65, 99);
 * - the other CSPs Anatel assigned to long-distance (STFC LDN/LDI) carriers, as compiled by a third-party page
 *   (maniadecelular.com.br, "Códigos de Seleção de Prestadora (CSP)"), codes discontinued since included: a mailing
 *   exported years ago may still hold them, and the code never changes which line is reached.
 * A code missing here makes such a spelling TOO_LONG (reported, fixable); a wrong code here could only make an
 * over-long value read as a valid number, so the list errs on the side of the codes actually assigned.
 */
export const CARRIER_SELECTION_CODES: readonly number[] = [
  12, 13, 14, 15, 17, 19, 21, 22, 23, 25, 26, 27, 28, 29, 31, 32, 34, 35, 36, 38, 41, 42, 43, 45, 46, 47, 48, 49, 51, 52,
  53, 54, 55, 56, 57, 58, 61, 63, 64, 65, 67, 69, 71, 72, 81, 84, 89, 91, 95, 96, 98, 99,
];

/** The subset libphonenumber-js accepts (its BR metadata); the rest is a deliberate difference (bench/phoneOracle.ts). */
export const LIBPHONENUMBER_CARRIER_CODES: readonly number[] = [12, 14, 15, 21, 22, 23, 25, 31, 41, 43, 55, 65, 99];

const LICENSED = new Uint8Array(100);
for (const code of CARRIER_SELECTION_CODES) LICENSED[code] = 1;

/** Whether the two digits `tens`,`units` form a licensed carrier selection code. */
export function isCarrierCode(tens: number, units: number): boolean {
  return LICENSED[tens * 10 + units] === 1;
}
