/**
 * Brazilian phone-number normalizer for the hot path (mailing filters, outcome ingestion).
 *
 * parsePhoneFast() returns the E.164 digits as a JS number (5511912345678) or a negated PhoneError
 * value. It scans with charCodeAt into a reused module-level buffer: no regex, no split, no per-call
 * allocation on any path. libphonenumber-js is about 70x slower and is used only as the test oracle.
 *
 * Numbering plan: mobile = DDD + 9 + 8 digits; landline = DDD + [2-5] + 7 digits; DDD one of the 67
 * Anatel area codes (VALID_DDDS).
 *
 * Edge-case decisions, and why:
 * - Separators: spaces (also tab, CR, LF, no-break spaces), dashes (also Unicode dashes and minus),
 *   dots, parentheses and slashes are ignored wherever they are. Mailings come from CRMs,
 *   spreadsheets and Word documents, where these are all in use and never change the number; CR
 *   comes free with CRLF files and NBSP with pasted cells, and rejecting those would make operators
 *   fix data that is correct.
 * - "0xx" / "0XX" right after a leading 0 ("0xx11 98765-4321", "(0XX11) 3322-1234") is the written
 *   placeholder for "0 + any carrier code": it is read as the trunk prefix, the DDD follows. It is the
 *   usual way Brazilian companies printed their numbers for decades, so mailings are full of it.
 * - Any other character (letters, "ramal 12", "#", "*", "'", "0x11", "5.5119E+12") is
 *   INVALID_CHARACTERS. A letter means the cell is not just a number (extension, note, exponent),
 *   and guessing which digits to keep could give a different subscriber's pseudonym.
 * - A value ending in ".0" / ".00" (a spreadsheet float: "11912345678.0") is INVALID_CHARACTERS,
 *   not a number with one more digit. Keeping the 0 can turn an old 10-digit mobile into another
 *   person's valid 11-digit mobile ("1191234567.0" -> 11912345670). No real spelling ends in a 1-2
 *   digit group after a dot.
 * - "+" is accepted once, before the first digit ("+55", "+ 55", "(+55)"). "+" followed by anything
 *   other than 55 is FOREIGN_NUMBER: the writer stated an international number, so we must not read
 *   it as a national one (including "+0..." and "+1...", which look like a DDD).
 * - "00" always starts an international number, never "0" + carrier "0x": carrier-selection codes
 *   (CSP) are 10-99 because "00" is Brazil's international prefix. "00 55 ..." is Brazil (the
 *   European-style spelling of +55, which our users write even though libphonenumber reads the 55
 *   as a carrier); "00 XX 55 ..." (Brazilian international prefix with carrier XX) is also Brazil
 *   when the length fits and XX is a licensed carrier code (see below); any other "00 ..." is
 *   FOREIGN_NUMBER.
 * - "55" without "+" is read as the country code only in inputs of 12+ digits: DDD 55 (RS) is a real
 *   area code, so "55 91234-5678", "55 3222-1234" and even "55 900 123 456" are DDD 55 numbers
 *   (libphonenumber reads the last one as +55 0900-123456 because the DDD 55 reading fails for it).
 * - Leading "0" (also right after a country code, as in "+55 (011) 91234-5678"): with fewer than 13
 *   digits from the 0 on it is the trunk prefix ("0 11 2345-6789"); with 13 or more it is "0" + a
 *   2-digit carrier code + DDD, but only when those two digits are a licensed carrier selection code
 *   (CSP, server/domain/carrierCodes.ts: libphonenumber's 13 plus the other codes Anatel assigned);
 *   otherwise the "0" is the trunk prefix and the number is TOO_LONG. Reading any two digits as a
 *   carrier turned an over-long number ("0 11 98765-43210") into a different valid subscriber.
 * - "90" + carrier (collect call, "a cobrar") is NOT accepted (libphonenumber does accept it): it is
 *   a dial string for a billing mode, not a number a contact list should hold; such 12-15 digit
 *   values are far more often garbage, and reporting them (TOO_LONG) is safer than guessing.
 * - Non-geographic service numbers are NON_GEOGRAPHIC (libphonenumber calls them valid TOLL_FREE,
 *   PREMIUM_RATE or SHARED_COST): 0800, 0500, 0900 (+6 or 7 digits), 0300, 0303 (+7 digits), and the
 *   8-digit "capital" numbers 300x, 400x, 4020, 4370, 4864 (no DDD). They reach a company's service
 *   desk, not a person, so they have no place in a mailing and must not share a pseudonym space with
 *   subscriber lines. The same prefixes with the leading 0 lost (spreadsheets drop it) are still
 *   recognised, because DDDs 30, 50, 80, 90 do not exist; then at least 9 digits are required
 *   (8 digits are a local number without DDD, TOO_SHORT), and 9 digits starting with 9 stay TOO_SHORT
 *   ("900 123 456" has the shape of a mobile written without its DDD, which is far more common in a
 *   mailing than a 0900 number that lost its 0 and has only 6 digits). With an explicit prefix
 *   ("0800 1234", too short) the service prefix is reported rather than the length, since that is
 *   what the operator must act on.
 * - A capital number written with a DDD ("11 4004-1234") is a valid landline: it matches the landline
 *   plan and libphonenumber agrees (FIXED_LINE); the dialer can call it as written.
 * - 10 national digits with the subscriber starting 6-9 is a mobile written before the ninth digit
 *   (2012-2016: every mobile got a 9 in front, and mobiles were exactly the numbers starting 6-9).
 *   parsePhoneFast(raw, true) upgrades it (DDD + 9 + the 8 digits), what bureaus do; the mailing
 *   filter does so unless the campaign turned it off, and flags and counts each upgraded phone
 *   (withNinthDigit gives the cell's spelling with the 9 in place). Without the flag it is
 *   MOBILE_MISSING_NINTH_DIGIT: outcome reports stay strict, since an outcome of dialing the 8-digit
 *   string says nothing about the 9-digit line. Subscriber "7" (libphonenumber still calls it a valid
 *   MOBILE: Nextel's shut-down iDEN radio numbers) is treated the same way.
 * - 11 national digits whose third digit is not 9 is INVALID_SUBSCRIBER_NUMBER (only mobiles have 11
 *   digits). 10 digits with the subscriber starting 0 or 1 is INVALID_SUBSCRIBER_NUMBER: those
 *   prefixes are reserved (trunk/carrier selection and 1xx service codes), no landline starts there.
 * - After "9", any 8 digits are a valid mobile (libphonenumber agrees): Anatel keeps opening new 9x
 *   ranges, and rejecting a working mobile is worse than accepting a never-assigned one, which the
 *   shared outcome history will mark invalid anyway.
 * - 8 or 9 digits without DDD are TOO_SHORT: the DDD cannot be guessed (the dialer's own region is not
 *   known here, and guessing would merge different people's numbers).
 * - Errors are checked in reading order: characters, then the prefix (foreign), then non-geographic,
 *   then the length, DDD and subscriber. So a number is reported for the first thing the operator has
 *   to fix.
 */

import { isCarrierCode } from './carrierCodes';

export const PhoneError = {
  EMPTY: 1,
  INVALID_CHARACTERS: 2,
  TOO_SHORT: 3,
  TOO_LONG: 4,
  FOREIGN_NUMBER: 5,
  INVALID_DDD: 6,
  MOBILE_MISSING_NINTH_DIGIT: 7,
  INVALID_SUBSCRIBER_NUMBER: 8,
  NON_GEOGRAPHIC: 9,
} as const;

export type PhoneErrorCode = keyof typeof PhoneError;

export type PhoneParse =
  | { ok: true; e164: string; kind: 'mobile' | 'landline'; ddd: number; digits: number }
  | { ok: false; code: PhoneErrorCode; message: string };

const DDD_LIST: readonly number[] = [
  11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45,
  46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83,
  84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
];

export const VALID_DDDS: ReadonlySet<number> = new Set(DDD_LIST);

const DDD_OK = new Uint8Array(100);
for (const d of DDD_LIST) DDD_OK[d] = 1;

const E_EMPTY = -PhoneError.EMPTY;
const E_CHARS = -PhoneError.INVALID_CHARACTERS;
const E_SHORT = -PhoneError.TOO_SHORT;
const E_LONG = -PhoneError.TOO_LONG;
const E_FOREIGN = -PhoneError.FOREIGN_NUMBER;
const E_DDD = -PhoneError.INVALID_DDD;
const E_NINTH = -PhoneError.MOBILE_MISSING_NINTH_DIGIT;
const E_SUBSCRIBER = -PhoneError.INVALID_SUBSCRIBER_NUMBER;
const E_NONGEO = -PhoneError.NON_GEOGRAPHIC;

/** Digits of the current input (only the first MAX_KEEP are kept; longer inputs are TOO_LONG anyway). */
const MAX_KEEP = 24;
const digitBuffer = new Uint8Array(MAX_KEEP);

/*
 * Details of the last error, written only on error paths and read by parsePhone() right after the
 * call (JS is single-threaded, so nothing can run in between). They hold no raw number.
 */
let errPos = 0; // INVALID_CHARACTERS: index of the offending char, or -1 for a spreadsheet float
let errDigits = 0; // total digit count
let errNational = 0; // national digit count (after prefixes)
let errStart = 0; // index in digitBuffer where the national number (or the foreign country code) starts
let errPrefix = 0; // 1 when a trunk/country/carrier prefix was present

/** True when the (whitespace-trimmed) input ends in ".0" or ".00" right after a digit. */
function endsLikeFloat(raw: string): boolean {
  let j = raw.length - 1;
  while (j >= 0 && isSpace(raw.charCodeAt(j))) j--;
  let zeros = 0;
  while (j >= 0 && raw.charCodeAt(j) === 48) {
    zeros++;
    j--;
  }
  if (zeros < 1 || zeros > 2 || j < 1 || raw.charCodeAt(j) !== 46) return false;
  const before = raw.charCodeAt(j - 1);
  return before >= 48 && before <= 57;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x2007 || c === 0x202f;
}

/** "xx"/"XX" at raw[i] right after the leading "0" digit (nothing but that 0 read so far): "0xx11 ...". */
function isTrunkXX(raw: string, i: number, digitCount: number, plus: boolean, seen: boolean): boolean {
  if (seen || plus || digitCount !== 1 || digitBuffer[0] !== 0 || raw.charCodeAt(i - 1) !== 48) return false;
  const next = raw.charCodeAt(i + 1);
  return next === 120 || next === 88;
}

/** Separator characters other than ASCII space/dash/dot/parens/slash (checked only off the fast path). */
function isOtherSeparator(c: number): boolean {
  return (
    c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x2007 || c === 0x202f ||
    (c >= 0x2010 && c <= 0x2015) || c === 0x2212
  );
}

/** 800, 500, 900, 300 or 303 at digitBuffer[i]: 0800/0500/0900/0300/0303 service prefixes (DDD 80/50/90/30 do not exist). */
function serviceLead(i: number, digitCount: number): boolean {
  if (i + 2 >= digitCount || digitBuffer[i + 1] !== 0) return false;
  const a = digitBuffer[i];
  const c = digitBuffer[i + 2];
  return c === 0 ? a === 8 || a === 5 || a === 9 || a === 3 : c === 3 && a === 3;
}

/** 8-digit "capital" numbers at digitBuffer[i]: 300x, 400x, 4020, 4370, 4864. */
function capitalNumber(i: number): boolean {
  const a = digitBuffer[i]!;
  const b = digitBuffer[i + 1]!;
  const c = digitBuffer[i + 2]!;
  const d = digitBuffer[i + 3]!;
  if (a === 3) return b === 0 && c === 0;
  if (a !== 4) return false;
  if (b === 0) return c === 0 || (c === 2 && d === 0);
  return (b === 3 && c === 7 && d === 0) || (b === 8 && c === 6 && d === 4);
}

/**
 * `addNinthDigit`: read a 10-digit mobile written before the ninth digit (subscriber 6-9) as DDD + 9 + its 8 digits
 * instead of returning MOBILE_MISSING_NINTH_DIGIT.
 */
export function parsePhoneFast(raw: string, addNinthDigit = false): number {
  if (typeof raw !== 'string') {
    // Untyped callers (JSON, CSV libraries) may pass a spreadsheet number or null.
    errPos = -2;
    return raw === null || raw === undefined ? E_EMPTY : E_CHARS;
  }
  if (raw.length === 0) return E_EMPTY;
  const len = raw.length;
  let digitCount = 0;
  let plus = false;
  let dot = false;
  let trunkXX = false;
  for (let i = 0; i < len; i++) {
    const c = raw.charCodeAt(i);
    const v = c - 48;
    if (v >= 0 && v <= 9) {
      if (digitCount < MAX_KEEP) digitBuffer[digitCount] = v;
      digitCount++;
    } else if (c === 32 || c === 45 || c === 40 || c === 41 || c === 47) {
      // space - ( ) /
    } else if (c === 46) {
      dot = true;
    } else if (c === 43 && digitCount === 0 && !plus) {
      plus = true;
    } else if ((c === 120 || c === 88) && isTrunkXX(raw, i, digitCount, plus, trunkXX)) {
      trunkXX = true;
      i++;
    } else if (!isOtherSeparator(c)) {
      errPos = i;
      return E_CHARS;
    }
  }
  if (dot && digitCount > 0 && endsLikeFloat(raw)) {
    errDigits = digitCount;
    errPos = -1;
    return E_CHARS;
  }
  return digitsToNumber(digitCount, plus, trunkXX, addNinthDigit);
}

/** parsePhoneBytes' answer for a cell it leaves to parsePhoneFast: a byte past ASCII, a dot, an "x", any other character. */
export const NEEDS_TEXT = -100;

/**
 * parsePhoneFast on the bytes [start, end) of an 8-bit (ASCII-compatible) mailing, without making a string: the CSV
 * filter's hot path (services/mailingFilter/csvBytes.ts). Reads digits, the ASCII separators and a leading +; for
 * anything else it answers NEEDS_TEXT, and the caller decodes the cell and calls parsePhoneFast, so both always agree.
 */
export function parsePhoneBytes(bytes: Uint8Array, start: number, end: number, addNinthDigit = false): number {
  let digitCount = 0;
  let plus = false;
  for (let i = start; i < end; i++) {
    const c = bytes[i] as number;
    const v = c - 48;
    if (v >= 0 && v <= 9) {
      if (digitCount < MAX_KEEP) digitBuffer[digitCount] = v;
      digitCount++;
    } else if (c === 32 || c === 45 || c === 40 || c === 41 || c === 47 || c === 9 || c === 10 || c === 13) {
      // space - ( ) / and the ASCII separators of isOtherSeparator
    } else if (c === 43 && digitCount === 0 && !plus) {
      plus = true;
    } else {
      return NEEDS_TEXT;
    }
  }
  return digitsToNumber(digitCount, plus, false, addNinthDigit);
}

/** The number (or negated error) of the digits just scanned into digitBuffer: prefixes, DDD, subscriber. */
function digitsToNumber(digitCount: number, plus: boolean, trunkXX: boolean, addNinthDigit: boolean): number {
  errDigits = digitCount;
  if (digitCount === 0) return E_EMPTY;

  // Prefixes: [country code: +55 | 55 | 0055 | 00 XX 55] then [national prefix: 0 | 0 XX], then DDD.
  let nationalStart = 0;
  let hasPrefix = 0;
  if (trunkXX) {
    // "0xx": the trunk prefix with the carrier left open; the DDD follows.
    nationalStart = 1;
    hasPrefix = 1;
  } else if (plus) {
    if (digitCount < 2) {
      errNational = digitCount;
      errPrefix = 1;
      return E_SHORT;
    }
    if (digitBuffer[0] !== 5 || digitBuffer[1] !== 5) {
      errStart = 0;
      return E_FOREIGN;
    }
    nationalStart = 2;
    hasPrefix = 1;
  } else if (digitBuffer[0] === 0 && digitBuffer[1] === 0 && digitCount >= 2) {
    if (digitCount < 4) {
      errNational = 0;
      errPrefix = 1;
      return E_SHORT;
    }
    if (digitCount >= 16 && digitBuffer[4] === 5 && digitBuffer[5] === 5 && isCarrierCode(digitBuffer[2]!, digitBuffer[3]!)) nationalStart = 6;
    else if (digitBuffer[2] === 5 && digitBuffer[3] === 5) nationalStart = 4;
    else {
      errStart = 2;
      return E_FOREIGN;
    }
    hasPrefix = 1;
  } else if (digitBuffer[0] === 5 && digitBuffer[1] === 5 && digitCount >= 12) {
    nationalStart = 2;
    hasPrefix = 1;
  }
  if (!trunkXX && digitBuffer[nationalStart] === 0 && nationalStart < digitCount) {
    // Trunk "0", or "0" + carrier when the length requires it. "0800 ..."-style prefixes are never
    // a carrier (no DDD starts with 0), which matters for 13+ digits only.
    hasPrefix = 1;
    if (digitCount - nationalStart >= 13) {
      if (digitBuffer[nationalStart + 3] === 0 && serviceLead(nationalStart + 1, digitCount)) {
        errStart = nationalStart + 1;
        errNational = digitCount - nationalStart - 1;
        errPrefix = 1;
        return E_NONGEO;
      }
      nationalStart += isCarrierCode(digitBuffer[nationalStart + 1]!, digitBuffer[nationalStart + 2]!) ? 3 : 1;
    } else {
      nationalStart += 1;
    }
  }

  const nationalLength = digitCount - nationalStart;
  errStart = nationalStart;
  errNational = nationalLength;
  errPrefix = hasPrefix;
  if (nationalLength < 10) {
    if (nationalLength === 8 && capitalNumber(nationalStart)) return E_NONGEO;
    if ((hasPrefix === 1 || (nationalLength === 9 && digitBuffer[nationalStart] !== 9)) && serviceLead(nationalStart, digitCount)) return E_NONGEO;
    return E_SHORT;
  }
  if (nationalLength > 11) return E_LONG;
  if (serviceLead(nationalStart, digitCount)) return E_NONGEO;
  const ddd = digitBuffer[nationalStart]! * 10 + digitBuffer[nationalStart + 1]!;
  if (DDD_OK[ddd] === 0) return E_DDD;
  const first = digitBuffer[nationalStart + 2]!;
  if (nationalLength === 11) {
    if (first !== 9) return E_SUBSCRIBER;
  } else if (first > 5) {
    if (!addNinthDigit) return E_NINTH;
    let upgraded = 55 * 100 + digitBuffer[nationalStart]! * 10 + digitBuffer[nationalStart + 1]!;
    upgraded = upgraded * 10 + 9;
    for (let i = nationalStart + 2; i < digitCount; i++) upgraded = upgraded * 10 + digitBuffer[i]!;
    return upgraded;
  } else if (first < 2) {
    return E_SUBSCRIBER;
  }
  let value = 55;
  for (let i = nationalStart; i < digitCount; i++) value = value * 10 + digitBuffer[i]!;
  return value;
}

/** Kind of a valid E.164 digits number (as returned by parsePhoneFast): 13 digits = mobile, 12 = landline. */
export function phoneKind(digits: number): 'mobile' | 'landline' {
  return digits >= 1e12 ? 'mobile' : 'landline';
}

const CODE_BY_VALUE: readonly PhoneErrorCode[] = (() => {
  const out: PhoneErrorCode[] = [];
  for (const k of Object.keys(PhoneError) as PhoneErrorCode[]) out[PhoneError[k]] = k;
  return out;
})();

/** Maps a negative parsePhoneFast() result (e.g. -6) to its code name (e.g. 'INVALID_DDD'). */
export function phoneErrorCodeOf(negated: number): PhoneErrorCode {
  const code = negated < 0 ? CODE_BY_VALUE[-negated] : undefined;
  if (code === undefined) throw new RangeError(`${negated} is not a negated PhoneError value`);
  return code;
}

function digitsAt(start: number, count: number): string {
  let out = '';
  for (let i = start; i < start + count && i < errDigits && i < MAX_KEEP; i++) out += String(digitBuffer[i]);
  return out;
}

function serviceName(start: number): string {
  const lead = digitsAt(start, 3);
  if (errNational === 8 && lead !== '800' && lead !== '500' && lead !== '900') {
    return `${digitsAt(start, 4)} single-rate "capital" number`;
  }
  switch (lead) {
    case '800':
      return '0800 toll-free number';
    case '500':
      return '0500 donation number';
    case '900':
      return '0900 premium-rate number';
    default:
      return `0${lead} shared-cost number`;
  }
}

function describeChar(c: number): string {
  return c >= 32 && c < 127 ? `"${String.fromCharCode(c)}"` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Builds the message for the error just returned by parsePhoneFast(raw). Names the problem, never the number. */
function messageFor(code: number, raw: string): string {
  switch (code) {
    case PhoneError.EMPTY:
      return 'The phone number is empty (no digits)';
    case PhoneError.INVALID_CHARACTERS:
      if (errPos === -2) return 'The value is not text: phone numbers must be given as strings, not spreadsheet numbers';
      if (errPos < 0) {
        return 'The value ends in a decimal part (".0"): it looks like a spreadsheet number; store phone numbers as text';
      }
      return (
        `Invalid character ${describeChar(raw.charCodeAt(errPos))} at position ${errPos + 1}: ` +
        'only digits, spaces, - . ( ) /, a leading + and a leading 0xx are allowed'
      );
    case PhoneError.TOO_SHORT:
      if (errPrefix === 0 && (errNational === 8 || errNational === 9)) {
        return `Too short: ${errNational} digits, the DDD (area code) is missing and cannot be guessed`;
      }
      return (
        `Too short: ${errNational} digits after the prefixes; a Brazilian number has a 2-digit DDD ` +
        'plus 8 digits (landline) or 9 digits (mobile)'
      );
    case PhoneError.TOO_LONG:
      return (
        `Too long: ${errNational} digits after the prefixes (${errDigits} in total); a Brazilian number has ` +
        'a 2-digit DDD plus 8 digits (landline) or 9 digits (mobile)'
      );
    case PhoneError.FOREIGN_NUMBER:
      return (
        `Foreign number: the international prefix (+ or 00) is followed by ${digitsAt(errStart, 3)}..., ` +
        "not Brazil's country code 55"
      );
    case PhoneError.INVALID_DDD:
      return `DDD ${digitsAt(errStart, 2)} does not exist`;
    case PhoneError.MOBILE_MISSING_NINTH_DIGIT:
      return (
        `Mobile number without the ninth digit: DDD ${digitsAt(errStart, 2)} followed by 8 digits starting ` +
        `with ${digitBuffer[errStart + 2]}; Brazilian mobiles have 9 digits starting with 9 since 2016`
      );
    case PhoneError.INVALID_SUBSCRIBER_NUMBER: {
      const first = digitBuffer[errStart + 2];
      if (errNational === 11) {
        return (
          `Invalid subscriber number: DDD ${digitsAt(errStart, 2)} followed by 9 digits starting with ${first}; ` +
          'a 9-digit number must be a mobile starting with 9'
        );
      }
      return (
        `Invalid subscriber number: DDD ${digitsAt(errStart, 2)} followed by 8 digits starting with ${first}; ` +
        'landlines start with 2, 3, 4 or 5'
      );
    }
    case PhoneError.NON_GEOGRAPHIC:
      return `Non-geographic number (${serviceName(errStart)}): service numbers are not subscriber lines`;
    default:
      return 'Invalid phone number';
  }
}

/** Convenience wrapper (not for the hot path). */
export function parsePhone(raw: string): PhoneParse {
  const r = parsePhoneFast(raw);
  if (r > 0) {
    const kind = phoneKind(r);
    const ddd = Math.floor(r / (kind === 'mobile' ? 1e9 : 1e8)) % 100;
    return { ok: true, e164: `+${r}`, kind, ddd, digits: r };
  }
  const code = phoneErrorCodeOf(r);
  return { ok: false, code, message: messageFor(-r, raw) };
}

/**
 * The cell's own spelling with the ninth digit in place, for a cell that parsePhoneFast(cell, true) upgraded: a "9"
 * goes before the 8th digit from the end (the subscriber's first), so "(11) 8765-4321" becomes "(11) 98765-4321" and
 * the operator's format survives. Also right for a cell written without its DDD (a DDD column): "8765-4321".
 */
export function withNinthDigit(cell: string): string {
  let seen = 0;
  for (let i = cell.length - 1; i >= 0; i--) {
    const c = cell.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++seen === 8) return `${cell.slice(0, i)}9${cell.slice(i)}`;
  }
  return cell;
}
