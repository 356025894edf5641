/**
 * Brazilian phone normalizer: spelling table, libphonenumber-js oracle (bench/phoneOracle.ts: a 25k
 * sample here, the full 250k corpus in `npm run bench`), messages.
 */
import { ORACLE_SAMPLE_SIZE, agreementWhereApplies, oracleProblems, oracleSummary, runPhoneOracle } from '../../bench/phoneOracle';
import { CARRIER_SELECTION_CODES, LIBPHONENUMBER_CARRIER_CODES } from '../../server/domain/carrierCodes';
import {
  PhoneError,
  type PhoneErrorCode,
  VALID_DDDS,
  parsePhone,
  NEEDS_TEXT,
  parsePhoneBytes,
  parsePhoneFast,
  phoneErrorCodeOf,
  phoneKind,
  withNinthDigit,
} from '../../server/domain/phone';

type Expected = `+${string}` | PhoneErrorCode;

/** Real-world spellings seen in mailings, with what they must normalize to. */
const TABLE: ReadonlyArray<readonly [string, Expected]> = [
  // Mobiles and landlines, national
  ['(11) 91234-5678', '+5511912345678'],
  ['11 91234-5678', '+5511912345678'],
  ['11912345678', '+5511912345678'],
  ['  11 9 1234 5678  ', '+5511912345678'],
  ['11.91234.5678', '+5511912345678'],
  ['11/91234-5678', '+5511912345678'],
  ['\t(11) 91234-5678\r', '+5511912345678'],
  ['11\u00a091234\u20135678', '+5511912345678'],
  ['99 90000-0000', '+5599900000000'],
  ['(61) 3322-1234', '+556133221234'],
  ['11 5234-5678', '+551152345678'],
  ['11 4004-1234', '+551140041234'],
  ['55 3222-1234', '+555532221234'],
  ['55 99123-4567', '+5555991234567'],
  // Country code
  ['+55 11 91234-5678', '+5511912345678'],
  ['+55 (11) 91234-5678', '+5511912345678'],
  ['+5511912345678', '+5511912345678'],
  ['+ 55 11 912345678', '+5511912345678'],
  ['(+55) 11 91234.5678', '+5511912345678'],
  ['55 11 91234-5678', '+5511912345678'],
  ['5511912345678', '+5511912345678'],
  ['551123456789', '+551123456789'],
  ['0055 11 91234-5678', '+5511912345678'],
  ['00 55 (21) 2345-6789', '+552123456789'],
  ['00 21 55 11 91234-5678', '+5511912345678'],
  ['0014 55 11 2345-6789', '+551123456789'],
  ['+55 (011) 91234-5678', '+5511912345678'],
  ['55 0 11 2345-6789', '+551123456789'],
  // Trunk prefix and carrier selection
  ['011 91234-5678', '+5511912345678'],
  ['0 11 2345-6789', '+551123456789'],
  ['(011) 2345-6789', '+551123456789'],
  ['0 21 11 91234-5678', '+5511912345678'],
  ['015 11 91234-5678', '+5511912345678'],
  ['041 (11) 2345-6789', '+551123456789'],
  ['(0 21 11) 2345-6789', '+551123456789'],
  ['0 19 11 2345-6789', '+551123456789'],
  ['055 55 99123-4567', '+5555991234567'],
  // "0xx": the trunk prefix with the carrier left open (issue 12)
  ['0xx11 98765-4321', '+5511987654321'],
  ['(0xx11) 91234-5678', '+5511912345678'],
  ['(0XX21) 2345-6789', '+552123456789'],
  ['0XX 11 3322-1234', '+551133221234'],
  ['0x11 91234-5678', 'INVALID_CHARACTERS'],
  ['0xxx11 91234-5678', 'INVALID_CHARACTERS'],
  ['+55 0xx11 91234-5678', 'INVALID_CHARACTERS'],
  ['11 0xx 91234-5678', 'INVALID_CHARACTERS'],
  // Only licensed carrier codes: "0" + any other pair + a whole number is too long, not another subscriber
  ['0 30 31 91234-5678', 'TOO_LONG'],
  ['0 11 21 2345-6789', 'TOO_LONG'],
  ['0 17 31 91234-5678', '+5531912345678'],
  ['00 30 55 11 91234-5678', 'FOREIGN_NUMBER'],
  // Unicode separators (pasted from Word, web pages, Excel)
  ['11\u202f98765\u20114321', '+5511987654321'],
  ['(11)\u00a098765\u20134321', '+5511987654321'],
  ['11 98765\u20144321', '+5511987654321'],
  ['11\u200798765\u22124321', '+5511987654321'],
  // Empty and characters
  ['', 'EMPTY'],
  ['   ', 'EMPTY'],
  ['( ) -', 'EMPTY'],
  ['+', 'EMPTY'],
  [null as unknown as string, 'EMPTY'],
  [11912345678 as unknown as string, 'INVALID_CHARACTERS'],
  ['11 91234-5678 ramal 12', 'INVALID_CHARACTERS'],
  ['5.5119123457E+12', 'INVALID_CHARACTERS'],
  ['11912345678.0', 'INVALID_CHARACTERS'],
  ['1191234567.0', 'INVALID_CHARACTERS'],
  ["'11912345678", 'INVALID_CHARACTERS'],
  ['11 91234-5678#', 'INVALID_CHARACTERS'],
  ['+55 +11 91234-5678', 'INVALID_CHARACTERS'],
  ['11 9123+45678', 'INVALID_CHARACTERS'],
  ['11 91234_5678', 'INVALID_CHARACTERS'],
  // Length
  ['1234567', 'TOO_SHORT'],
  ['2345-6789', 'TOO_SHORT'],
  ['91234-5678', 'TOO_SHORT'],
  ['+55 11 2345-678', 'TOO_SHORT'],
  ['0 11 2345-678', 'TOO_SHORT'],
  ['+5', 'TOO_SHORT'],
  ['119123456789', 'TOO_LONG'],
  ['+55 11 91234-56789', 'TOO_LONG'],
  ['11 91234-5678 / 11 2345-6789', 'TOO_LONG'],
  ['90 21 11 91234-5678', 'TOO_LONG'],
  ['9011 91234-5678', 'TOO_LONG'],
  ['+55 55 11 2345-6789', 'TOO_LONG'],
  // Foreign
  ['+1 212 555 1212', 'FOREIGN_NUMBER'],
  ['+44 20 7946 0958', 'FOREIGN_NUMBER'],
  ['+351 912 345 678', 'FOREIGN_NUMBER'],
  ['00 1 212 555 1212', 'FOREIGN_NUMBER'],
  ['0014 1 212 555 1212', 'FOREIGN_NUMBER'],
  ['+011 91234-5678', 'FOREIGN_NUMBER'],
  // DDD
  ['20 91234-5678', 'INVALID_DDD'],
  ['(10) 2345-6789', 'INVALID_DDD'],
  ['23 3456-7890', 'INVALID_DDD'],
  ['+55 56 91234-5678', 'INVALID_DDD'],
  ['0 70 2345-6789', 'INVALID_DDD'],
  // Subscriber
  ['11 8123-4567', 'MOBILE_MISSING_NINTH_DIGIT'],
  ['11 9123-4567', 'MOBILE_MISSING_NINTH_DIGIT'],
  ['11 7123-4567', 'MOBILE_MISSING_NINTH_DIGIT'],
  ['+55 21 6123-4567', 'MOBILE_MISSING_NINTH_DIGIT'],
  ['11 1234-5678', 'INVALID_SUBSCRIBER_NUMBER'],
  ['11 0234-5678', 'INVALID_SUBSCRIBER_NUMBER'],
  ['11 81234-5678', 'INVALID_SUBSCRIBER_NUMBER'],
  ['1 212 555 1212', 'INVALID_SUBSCRIBER_NUMBER'],
  // Non-geographic
  ['0800 123 4567', 'NON_GEOGRAPHIC'],
  ['0800-123-456', 'NON_GEOGRAPHIC'],
  ['0800 1234', 'NON_GEOGRAPHIC'],
  ['0300 123 4567', 'NON_GEOGRAPHIC'],
  ['0303 123 4567', 'NON_GEOGRAPHIC'],
  ['0500 123 4567', 'NON_GEOGRAPHIC'],
  ['0900 123 4567', 'NON_GEOGRAPHIC'],
  ['800 123 4567', 'NON_GEOGRAPHIC'],
  ['800 123 456', 'NON_GEOGRAPHIC'],
  ['900 123 456', 'TOO_SHORT'],
  ['55 900 123 456', '+5555900123456'],
  ['+55 800 123 4567', 'NON_GEOGRAPHIC'],
  ['4004-1234', 'NON_GEOGRAPHIC'],
  ['3003 1234', 'NON_GEOGRAPHIC'],
  ['4020-1234', 'NON_GEOGRAPHIC'],
  ['0 4004-1234', 'NON_GEOGRAPHIC'],
];

function expectedOf(raw: string): Expected | number {
  const r = parsePhoneFast(raw);
  return r > 0 ? `+${r}` : phoneErrorCodeOf(r);
}

describe('parsePhoneFast spelling table', () => {
  test.each(TABLE)('when the input is %j, then the result is %s', (raw, expected) => {
    expect(expectedOf(raw)).toBe(expected);
    const parsed = parsePhone(raw);
    if (expected.startsWith('+')) {
      expect(parsed).toMatchObject({ ok: true, e164: expected, digits: Number(expected.slice(1)) });
    } else {
      expect(parsed).toMatchObject({ ok: false, code: expected });
    }
  });

  test('when a valid number is parsed, then kind, DDD and digits are reported', () => {
    expect(parsePhone('(11) 91234-5678')).toEqual({
      ok: true,
      e164: '+5511912345678',
      kind: 'mobile',
      ddd: 11,
      digits: 5511912345678,
    });
    expect(parsePhone('0 21 (61) 3322-1234')).toEqual({
      ok: true,
      e164: '+556133221234',
      kind: 'landline',
      ddd: 61,
      digits: 556133221234,
    });
    expect(phoneKind(5511912345678)).toBe('mobile');
    expect(phoneKind(556133221234)).toBe('landline');
  });

  test('when every DDD is used, then exactly the 67 Brazilian area codes are accepted', () => {
    expect(VALID_DDDS.size).toBe(67);
    // 00-09 are not tried: a leading 0 is a trunk/international prefix, not a DDD.
    for (let ddd = 10; ddd < 100; ddd++) {
      const dd = String(ddd).padStart(2, '0');
      const mobile = parsePhoneFast(`${dd} 91234-5678`);
      const landline = parsePhoneFast(`${dd} 2234-5678`);
      if (VALID_DDDS.has(ddd)) {
        expect(mobile).toBe(Number(`55${dd}912345678`));
        expect(landline).toBe(Number(`55${dd}22345678`));
      } else {
        expect(mobile).toBe(-PhoneError.INVALID_DDD);
        expect(landline).toBe(-PhoneError.INVALID_DDD);
      }
    }
  });

  test('when phoneErrorCodeOf gets a negated error, then it returns its name, and it rejects anything else', () => {
    for (const [name, value] of Object.entries(PhoneError)) expect(phoneErrorCodeOf(-value)).toBe(name);
    expect(() => phoneErrorCodeOf(5511912345678)).toThrow(RangeError);
    expect(() => phoneErrorCodeOf(-42)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------
// Oracle (bench/phoneOracle.ts): a seeded 25k prefix here, the full 250k corpus in `npm run bench`
// ---------------------------------------------------------------------------------------------------

describe('parsePhoneFast against libphonenumber-js', () => {
  test('when 25k generated spellings are parsed, then we agree with libphonenumber except where a named rule says why', () => {
    const report = runPhoneOracle(ORACLE_SAMPLE_SIZE);
    expect(report.inputs).toBe(ORACLE_SAMPLE_SIZE);
    expect(oracleProblems(report)).toEqual([]);
    expect(agreementWhereApplies(report)).toBeGreaterThanOrEqual(0.995);
    console.log(`${oracleSummary(report)}\ncategories: ${JSON.stringify(report.categories)}`);
  });
});

// ---------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------

describe('parsePhone messages', () => {
  const cases: ReadonlyArray<readonly [string, PhoneErrorCode, RegExp]> = [
    ['   ', 'EMPTY', /empty/i],
    ['11 91234-5678 ramal 12', 'INVALID_CHARACTERS', /Invalid character "r" at position 15/],
    ['11912345678.0', 'INVALID_CHARACTERS', /spreadsheet/i],
    ['11 91234\u00b75678', 'INVALID_CHARACTERS', /U\+00B7 at position 9/],
    ['2345-6789', 'TOO_SHORT', /8 digits.*DDD.*missing/],
    ['91234-5678', 'TOO_SHORT', /9 digits.*DDD.*missing/],
    ['+55 11 2345-678', 'TOO_SHORT', /Too short: 9 digits/],
    ['119123456789', 'TOO_LONG', /Too long: 12 digits/],
    ['+1 212 555 1212', 'FOREIGN_NUMBER', /Foreign number.*followed by 121.*Brazil's country code 55/],
    ['0014 44 20 7946 0958', 'FOREIGN_NUMBER', /Foreign number.*followed by 144/],
    ['20 91234-5678', 'INVALID_DDD', /^DDD 20 does not exist$/],
    ['+55 (10) 3234-5678', 'INVALID_DDD', /^DDD 10 does not exist$/],
    ['11 8123-4567', 'MOBILE_MISSING_NINTH_DIGIT', /without the ninth digit.*DDD 11/],
    ['11 1234-5678', 'INVALID_SUBSCRIBER_NUMBER', /DDD 11.*starting with 1.*landlines start with 2, 3, 4 or 5/],
    ['11 81234-5678', 'INVALID_SUBSCRIBER_NUMBER', /DDD 11.*9 digits starting with 8.*mobile starting with 9/],
    ['0800 123 4567', 'NON_GEOGRAPHIC', /Non-geographic.*0800 toll-free/],
    ['0300 123 4567', 'NON_GEOGRAPHIC', /0300 shared-cost/],
    ['0900 123 4567', 'NON_GEOGRAPHIC', /0900 premium-rate/],
    ['4004-1234', 'NON_GEOGRAPHIC', /4004 single-rate "capital" number/],
  ];

  test.each(cases)('when the input is %j, then the code is %s and the message names the problem', (raw, code, pattern) => {
    const parsed = parsePhone(raw);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.code).toBe(code);
    expect(parsed.message).toMatch(pattern);
  });

  test('when a number is rejected, then the message does not repeat the number (no raw numbers in logs)', () => {
    for (const [raw, expected] of TABLE) {
      if (expected.startsWith('+') || typeof raw !== 'string') continue;
      const parsed = parsePhone(raw);
      if (parsed.ok) throw new Error(`${raw} should be rejected`);
      const digits = raw.replace(/\D/g, '');
      if (digits.length >= 8) expect(parsed.message).not.toContain(digits.slice(-6));
    }
  });
});

/*
 * Timing measured on the 2-core dev machine (Node 20; throwaway script, phone.ts compiled with tsc to
 * CommonJS; mix of formatted mobiles/landlines, +55 and carrier spellings, random digit strings):
 *   parsePhoneFast, 1,000,000 inputs: 114 ms on the first (cold) pass, 47 ms best of 5.
 *   libphonenumber-js parse + isValid (default "min" metadata), 100,000 inputs: 335 ms best of 5
 *     (484 ms cold), i.e. ~3.4 s per 1M.
 *   libphonenumber-js/max parse + isValid + getType, 100,000 inputs: 490 ms best of 5, ~4.9 s per 1M.
 */

// ---------------------------------------------------------------------------------------------------
// Legacy 8-digit mobiles and carrier codes (issue 12)
// ---------------------------------------------------------------------------------------------------

describe('the ninth digit', () => {
  const upgrades: ReadonlyArray<readonly [string, string]> = [
    ['11 8123-4567', '+5511981234567'],
    ['(21) 6123-4567', '+5521961234567'],
    ['+55 31 7123-4567', '+5531971234567'],
    ['0xx11 9123-4567', '+5511991234567'],
    ['0 21 11 8123-4567', '+5511981234567'],
  ];

  test.each(upgrades)('when %j is parsed with the upgrade, then it is the mobile %s', (raw, e164) => {
    expect(`+${parsePhoneFast(raw, true)}`).toBe(e164);
    expect(parsePhoneFast(raw)).toBe(-PhoneError.MOBILE_MISSING_NINTH_DIGIT);
  });

  test('when the upgrade is asked for a landline, an 11-digit mobile or a reserved prefix, then nothing changes', () => {
    for (const raw of ['11 2345-6789', '11 91234-5678', '11 1234-5678', '11 0234-5678', '8123-4567']) expect(parsePhoneFast(raw, true)).toBe(parsePhoneFast(raw));
  });

  test('when the 9 is put in a cell, then it goes before the subscriber in the cell own spelling', () => {
    expect(withNinthDigit('(11) 8765-4321')).toBe('(11) 98765-4321');
    expect(withNinthDigit('"0xx11 8765.4321"')).toBe('"0xx11 98765.4321"');
    expect(withNinthDigit('8765-4321')).toBe('98765-4321');
    expect(withNinthDigit('+55118765\u20134321')).toBe('+551198765\u20134321');
  });
});

describe('carrier selection codes', () => {
  test('when the list is read, then it holds every code libphonenumber knows and no pair starting with 0', () => {
    for (const code of LIBPHONENUMBER_CARRIER_CODES) expect(CARRIER_SELECTION_CODES).toContain(code);
    expect(CARRIER_SELECTION_CODES.every((code) => code >= 10 && code <= 99)).toBe(true);
  });

  test.each(CARRIER_SELECTION_CODES.map((code) => [code]))('when carrier %i precedes a number, then it is read as a carrier', (code) => {
    expect(parsePhoneFast(`0 ${code} 11 91234-5678`)).toBe(5511912345678);
  });
});

describe('parsePhoneBytes (the CSV filter reads phone cells as bytes)', () => {
  it('when 50,000 random spellings are parsed as bytes and as text, then both answer the same, or the byte parser leaves the cell to the text parser', () => {
    // Digits, every separator, prefixes and the characters only the text parser reads (".", "x", an en dash, an accent).
    const alphabet = ['0', '1', '1', '2', '5', '5', '9', '9', '8', '3', ' ', '-', '(', ')', '/', '+', '\t', '.', 'x', 'X', '\u2013', 'é', 'a', '0', '55', '011', '0xx'];
    let seed = 20261203;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let compared = 0;
    let leftToText = 0;
    const disagreements: unknown[] = [];
    for (let n = 0; n < 50_000; n++) {
      let text = '';
      const length = Math.floor(random() * 18);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      // Half of them start as real numbers, so that valid ones, legacy mobiles and prefixes are common.
      if (random() < 0.5) text = `${['', '+55 ', '0', '55', '0xx'][Math.floor(random() * 5)]}${11 + Math.floor(random() * 88)} ${Math.floor(random() * 1e9)}${text.slice(0, 3)}`;
      const bytes = Buffer.from(text, 'latin1');
      for (const addNinthDigit of [false, true]) {
        const fromBytes = parsePhoneBytes(bytes, 0, bytes.length, addNinthDigit);
        if (fromBytes === NEEDS_TEXT) {
          // Only a character outside digits and ASCII separators, or a + that does not lead, sends a cell to the text parser.
          if (/^[ ()/\-\t\r\n]*\+?[0-9 ()/\-\t\r\n]*$/.test(text)) disagreements.push({ text, leftToTextThoughPlain: true });
          leftToText++;
          continue;
        }
        const fromText = parsePhoneFast(text, addNinthDigit);
        if (fromBytes !== fromText) disagreements.push({ text, addNinthDigit, fromBytes, fromText });
        compared++;
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(20_000);
    expect(leftToText).toBeGreaterThan(10_000);
  });
});
