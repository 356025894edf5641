/**
 * The libphonenumber-js oracle for the Brazilian phone normalizer (server/domain/phone.ts): a seeded corpus of
 * generated spellings, each parsed by us and by libphonenumber-js, where every disagreement must be explained by a
 * named, deliberate rule. `npm test` runs a 25k prefix of the corpus (test/domain/phone.test.ts); `npm run bench`
 * runs all 250k (its "phone oracle" phase). The corpus of a smaller size is a prefix of the larger one (same seed,
 * same draws), so the sample is the first part of the full run, not a different corpus.
 *
 * libphonenumber-js is a development dependency: it is the oracle, never on the hot path (~9 s per 1M numbers).
 * Its "max" metadata is needed: the default ("min") metadata has no per-type patterns, so getType() is always
 * undefined and isValid() accepts e.g. "11 6123-4567".
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { CARRIER_SELECTION_CODES, LIBPHONENUMBER_CARRIER_CODES } from '../server/domain/carrierCodes';
import { PhoneError, VALID_DDDS, parsePhoneFast, phoneErrorCodeOf, phoneKind } from '../server/domain/phone';

export const ORACLE_SEED = 20240611;
export const ORACLE_FULL_SIZE = 250_000;
/** What `npm test` runs: enough to exercise every deliberate rule, a tenth of the time. */
export const ORACLE_SAMPLE_SIZE = 25_000;

/** Carrier codes that libphonenumber's BR metadata accepts after "0" (and after the "00" prefix). */
const LIB_CARRIERS = LIBPHONENUMBER_CARRIER_CODES.map(String);
/** The licensed codes we accept (server/domain/carrierCodes.ts), and the two-digit pairs that are no carrier. */
const LICENSED = new Set(CARRIER_SELECTION_CODES.map(String));
const UNLICENSED: string[] = [];
for (let code = 10; code < 100; code++) if (!LICENSED.has(String(code))) UNLICENSED.push(String(code));

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Sample = { raw: string; category: string };

function generateCorpus(size: number, seed: number): Sample[] {
  const rnd = mulberry32(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const digits = (k: number): string => {
    let s = '';
    for (let i = 0; i < k; i++) s += String(int(10));
    return s;
  };
  const ddds = [...VALID_DDDS];
  const badDdds: string[] = [];
  // 10-99 only: "0X" would be read as a trunk prefix, not as a DDD.
  for (let d = 10; d < 100; d++) if (!VALID_DDDS.has(d)) badDdds.push(String(d));
  let dddCursor = 0;
  const nextDdd = (): string => String(ddds[dddCursor++ % ddds.length]);
  const carrier = (): string => (rnd() < 0.5 ? pick(LIB_CARRIERS) : pick(CARRIER_SELECTION_CODES).toString());
  // Unicode separators pasted from Word and web pages: en dash, em dash, NBSP, narrow NBSP, non-breaking hyphen.
  const sep = (): string => pick([' ', ' ', ' ', '-', '-', '.', '', '', '/', ' - ', '\u2013', '\u00a0', '\u202f', '\u2011', '\u2014']);
  const groups = (s: string, sizes: readonly number[]): string => {
    const out: string[] = [];
    let i = 0;
    for (const k of sizes) {
      out.push(s.slice(i, i + k));
      i += k;
    }
    if (i < s.length) out.push(s.slice(i));
    const joiner = sep();
    return out.join(rnd() < 0.8 ? joiner : sep());
  };
  const wrap = (s: string): string => pick(['', '', '', ' ', '  ', '\t']) + s + pick(['', '', '', ' ', '\r', '\n']);

  /** Applies a random real-world spelling to a national number (DDD + subscriber). */
  const spell = (national: string): string => {
    const ddd = national.slice(0, 2);
    const sub = national.slice(2);
    const subSizes = sub.length === 9 ? pick([[5, 4], [1, 4, 4], [9], [3, 3, 3]]) : pick([[4, 4], [8], [2, 3, 3]]);
    const subStr = groups(sub, subSizes);
    const r = rnd();
    let head: string;
    if (r < 0.33) head = pick([ddd, `(${ddd})`, ddd]);
    else if (r < 0.48) head = pick(['+55 ', '+55', '+ 55 ', '(+55) ', '+55-', '+55 (']) + ddd + pick(['', ')', ' ']);
    else if (r < 0.56) head = pick(['55 ', '55', '(55) ', '55-']) + ddd;
    else if (r < 0.61) head = pick(['0055 ', '00 55 ', '0055', '00-55-']) + ddd;
    else if (r < 0.65) head = `00${carrier()}${pick([' ', '', '-'])}55 ${ddd}`;
    else if (r < 0.72) head = pick([`0${ddd}`, `(0${ddd})`, `0 ${ddd}`, `(0 ${ddd})`]);
    else if (r < 0.77) head = pick([`0xx${ddd}`, `(0xx${ddd})`, `0XX${ddd}`, `(0XX${ddd})`, `0xx ${ddd}`, `0xx-${ddd}`]);
    else if (r < 0.93) {
      const c = carrier();
      head = pick([`0${c} ${ddd}`, `(0${c}) ${ddd}`, `0${c}${ddd}`, `0 ${c} ${ddd}`, `(0 ${c} ${ddd})`]);
    } else if (r < 0.96) head = pick(['+55 (0', '55 0', '+550']) + ddd + pick([') ', ' ', '']);
    else head = `90${carrier()} ${ddd}`;
    return wrap(head + sep() + subStr);
  };

  const generators: ReadonlyArray<readonly [string, number, () => string]> = [
    ['mobile', 24, () => spell(`${nextDdd()}9${digits(8)}`)],
    ['landline', 16, () => spell(`${nextDdd()}${pick(['2', '3', '4', '5'])}${digits(7)}`)],
    ['old-mobile', 6, () => spell(`${nextDdd()}${pick(['6', '7', '8', '9'])}${digits(7)}`)],
    // "0" + two digits that are no licensed carrier + a whole national number: over-long, never another subscriber.
    ['unlicensed-carrier', 3, () => wrap(`0${pick(['', ' '])}${pick(UNLICENSED)}${pick([' ', ''])}${nextDdd()}${sep()}${rnd() < 0.5 ? `9${digits(8)}` : `${pick(['2', '3', '4', '5'])}${digits(7)}`}`)],
    [
      'bad-subscriber',
      4,
      () =>
        spell(
          rnd() < 0.5
            ? `${nextDdd()}${pick(['0', '1'])}${digits(7)}`
            : `${nextDdd()}${pick(['0', '1', '2', '3', '4', '5', '6', '7', '8'])}${digits(8)}`,
        ),
    ],
    ['bad-ddd', 4, () => spell(`${pick(badDdds)}${rnd() < 0.5 ? `9${digits(8)}` : `${pick(['2', '3', '4', '5'])}${digits(7)}`}`)],
    [
      'non-geographic',
      6,
      () => {
        const r = rnd();
        let body: string;
        if (r < 0.7) {
          const lead = pick(['800', '800', '500', '900', '300', '303']);
          body = `${lead}${digits(lead.startsWith('3') ? 7 : pick([6, 7]))}`;
          body = groups(body, [3, 3]);
          const prefix = pick(['0', '0', '0', '', '+55 ', '55 0', '55 ', '(0', '0 ']);
          // "55 900 123 456" is a valid DDD 55 mobile, not a non-geographic number.
          body = (prefix === '55 ' && lead === '900' ? '55 0' : prefix) + body;
        } else {
          body = groups(pick(['300', '400']) + digits(5), [4]);
          if (rnd() < 0.3) body = pick(['4020', '4370', '4864']) + sep() + digits(4);
          if (rnd() < 0.15) body = pick(['0', '+55 ', '0 ']) + body;
        }
        return wrap(body);
      },
    ],
    [
      'foreign',
      4,
      () => {
        const national = pick([
          () => `1 ${pick(['212', '415', '305', '617', '202'])} ${pick(['2', '5', '7'])}${digits(2)} ${digits(4)}`,
          () => `351 9${pick(['1', '2', '3', '6'])}${digits(7)}`,
          () => `44 7${digits(9)}`,
          () => `54 9 11 ${digits(8)}`,
          () => `598 9${digits(7)}`,
          () => `${pick(['1', '34', '49', '33', '39', '81', '595'])}${digits(7 + int(5))}`,
        ])();
        const r = rnd();
        if (r < 0.6) return wrap(`${pick(['+', '+ ', '(+'])}${national}`);
        if (r < 0.8) return wrap(`00${pick([' ', ''])}${national}`);
        // Not carrier 55: "0055 ..." is Brazil by our rules.
        let c = carrier();
        while (c === '55') c = carrier();
        return wrap(`00${c} ${national}`);
      },
    ],
    [
      'random',
      24,
      () => {
        const s = digits(7 + int(9));
        if (rnd() < 0.6) return s;
        // Random separators; no dots, so the spreadsheet-float rule only comes from its own category.
        let out = '';
        for (let i = 0; i < s.length; i++) out += (i > 0 && rnd() < 0.15 ? pick([' ', '-', '(', ')']) : '') + s[i];
        return wrap(rnd() < 0.1 ? `+${out}` : out);
      },
    ],
    [
      'random-prefixed',
      10,
      () => pick(['0', '00', '0055', '+55', '55', '90', '0', '00', '+550', '550']) + pick(['', ' ']) + digits(7 + int(7)),
    ],
    ['spreadsheet-float', 1, () => spell(`${nextDdd()}${pick(['6', '7', '8', '9', '2', '3'])}${digits(7)}`).trim() + pick(['.0', '.00'])],
  ];

  const total = generators.reduce((sum, g) => sum + g[1], 0);
  const samples: Sample[] = [];
  // Every DDD, each as mobile and landline, in the plain spelling.
  for (const ddd of ddds) {
    samples.push({ raw: `(${ddd}) 9${digits(4)}-${digits(4)}`, category: 'every-ddd' });
    samples.push({ raw: `(${ddd}) ${pick(['2', '3', '4', '5'])}${digits(3)}-${digits(4)}`, category: 'every-ddd' });
  }
  while (samples.length < size) {
    let x = int(total);
    for (const [category, weight, gen] of generators) {
      if (x < weight) {
        samples.push({ raw: gen(), category });
        break;
      }
      x -= weight;
    }
  }
  return samples;
}

/** libphonenumber's opinion (e164 is set when isValid()), reduced to the kinds our rules talk about. */
type Verdict = {
  kind: 'ok' | 'non-geographic' | 'mobile-without-ninth' | 'foreign' | 'unexpected-type' | 'invalid';
  e164: string | null;
  type: string | undefined;
};

const INVALID: Verdict = { kind: 'invalid', e164: null, type: undefined };

function libVerdict(raw: string): Verdict {
  const p = parsePhoneNumberFromString(raw, 'BR');
  if (!p?.isValid()) return INVALID;
  const e164 = p.number;
  const type = p.getType();
  if (p.countryCallingCode !== '55') return { kind: 'foreign', e164, type };
  if (type === 'MOBILE' && p.nationalNumber.length === 10) return { kind: 'mobile-without-ninth', e164, type };
  if (type === 'MOBILE' || type === 'FIXED_LINE') return { kind: 'ok', e164, type };
  if (type === 'TOLL_FREE' || type === 'PREMIUM_RATE' || type === 'SHARED_COST') {
    return { kind: 'non-geographic', e164, type };
  }
  return { kind: 'unexpected-type', e164, type };
}

const sameVerdict = (a: Verdict, b: Verdict): boolean => a.kind === b.kind && a.e164 === b.e164;

/**
 * How we read the prefixes (see phone.ts): [+55 | 55 (12+ digits) | 0055 | 00 XX 55] then [0 | 0 XX
 * (13+ digits left)] then the national number. libphonenumber judges the national number, spelled
 * "+55" + national. Where that differs from libphonenumber's verdict on the raw input, one of our
 * deliberate prefix rules used for this input is the reason:
 * - ZERO_ZERO_55_IS_BRAZIL: libphonenumber reads "0055" as international prefix 00 + carrier 55 and
 *   then looks for a country code.
 * - INTERNATIONAL_CARRIER_LICENSED / NATIONAL_CARRIER_LICENSED: libphonenumber only knows 13 carrier
 *   codes after "00" and after "0"; we accept every licensed one (server/domain/carrierCodes.ts). Two
 *   digits that are no licensed code are no carrier for either of us.
 * - ZERO_XX_IS_TRUNK_PREFIX: "0xx11 ..." is "0" + any carrier; libphonenumber reads the x as an
 *   extension mark and finds no number.
 * - FIFTY_FIVE_IS_DDD_BELOW_12_DIGITS: with fewer than 12 digits a leading 55 is DDD 55 for us;
 *   libphonenumber falls back to reading it as the country code when that makes a valid number,
 *   e.g. "55 800 123456" (0800 with 6 digits), which is DDD 55 with an invalid subscriber for us.
 * Returns null when the input is foreign for us ("+" or "00" not followed by 55): libphonenumber judges it as is.
 */
function readPrefixes(digits: string, plus: boolean, zeroXX: boolean): { national: string; rules: string[] } | null {
  let rest = digits;
  const rules: string[] = [];
  if (zeroXX) return { national: digits.slice(1), rules: ['ZERO_XX_IS_TRUNK_PREFIX'] };
  if (plus) {
    if (!digits.startsWith('55')) return null;
    rest = digits.slice(2);
  } else if (digits.startsWith('00')) {
    if (digits.length >= 16 && digits.startsWith('55', 4) && LICENSED.has(digits.slice(2, 4))) {
      rest = digits.slice(6);
      if (!LIB_CARRIERS.includes(digits.slice(2, 4))) rules.push('INTERNATIONAL_CARRIER_LICENSED');
    } else if (digits.startsWith('55', 2)) {
      rest = digits.slice(4);
      rules.push('ZERO_ZERO_55_IS_BRAZIL');
    } else {
      return null;
    }
  } else if (digits.startsWith('55') && digits.length >= 12) {
    rest = digits.slice(2);
  } else if (digits.startsWith('55')) {
    rules.push('FIFTY_FIVE_IS_DDD_BELOW_12_DIGITS');
  }
  if (rest.startsWith('0')) {
    if (rest.length >= 13 && LICENSED.has(rest.slice(1, 3))) {
      if (!LIB_CARRIERS.includes(rest.slice(1, 3))) rules.push('NATIONAL_CARRIER_LICENSED');
      rest = rest.slice(3);
    } else {
      rest = rest.slice(1);
    }
  }
  return { national: rest, rules };
}

/** "0xx" / "0XX" right after a leading 0 (domain/phone.ts). */
const ZERO_XX = /^[^\d+]*0[xX]{2}/;

/** Ends in ".0"/".00" after a digit: a spreadsheet float (phone.ts rejects it as INVALID_CHARACTERS). */
const FLOAT_TAIL = /\d\.0{1,2}\s*$/;

/**
 * What a rule (or plain agreement, rule null) requires of our result: the exact E.164 number, or
 * an invalid result (with a specific code when the rule names one).
 */
type Check = { rule: string | null; e164: string | null; code: number | null; type: string | undefined };

function checkFor(raw: string): { direct: Verdict; check: Check } {
  const digits = raw.replace(/\D/g, '');
  const plus = raw.includes('+');
  const direct = libVerdict(raw);
  const reading = readPrefixes(digits, plus, ZERO_XX.test(raw));
  let reference = direct;
  let prefixRule: string | null = null;
  // libphonenumber's punctuation lacks the narrow no-break space (U+202F): where it alone makes the difference, say so.
  if (raw.includes('\u202f') && !sameVerdict(direct, libVerdict(raw.replace(/\u202f/g, ' ')))) prefixRule = 'NARROW_NO_BREAK_SPACE_IS_A_SEPARATOR';
  if (reading !== null) {
    // A DDD never starts with 0: a national number left starting with 0 is invalid whatever follows.
    reference = reading.national.startsWith('0') ? INVALID : libVerdict(`+55${reading.national}`);
    if (!sameVerdict(direct, reference)) prefixRule ??= reading.rules[0] ?? 'UNDECLARED_PREFIX_READING';
  }
  const invalid = (rule: string | null, code: number | null): Check => ({ rule, e164: null, code, type: undefined });
  if (FLOAT_TAIL.test(raw)) return { direct, check: invalid('SPREADSHEET_FLOAT', PhoneError.INVALID_CHARACTERS) };
  if (reading?.national.startsWith('90') && reference.e164 !== null && reference.e164 !== `+55${reading.national}`) {
    // libphonenumber strips "90" (+ carrier), the collect-call prefix; we do not accept it.
    return { direct, check: invalid('COLLECT_CALL_90_PREFIX', null) };
  }
  switch (reference.kind) {
    case 'ok':
      return { direct, check: { rule: prefixRule, e164: reference.e164, code: null, type: reference.type } };
    case 'non-geographic':
      if (reading !== null && digits.length === 9 && digits.startsWith('9')) {
        // 0900 with 6 digits and no 0 for libphonenumber; a 9-digit mobile without DDD for us.
        return { direct, check: invalid('NINE_DIGITS_STARTING_9_HAVE_NO_DDD', PhoneError.TOO_SHORT) };
      }
      return { direct, check: invalid('NON_GEOGRAPHIC_SERVICE_NUMBER', PhoneError.NON_GEOGRAPHIC) };
    case 'mobile-without-ninth':
      return { direct, check: invalid('LEGACY_7_MOBILE_WITHOUT_NINTH_DIGIT', PhoneError.MOBILE_MISSING_NINTH_DIGIT) };
    case 'foreign':
      return { direct, check: invalid('FOREIGN_NUMBER', PhoneError.FOREIGN_NUMBER) };
    case 'invalid':
      return { direct, check: invalid(prefixRule, null) };
    default:
      return {
        direct,
        check: { rule: `UNEXPECTED_LIBPHONENUMBER_TYPE_${reference.type}`, e164: '?', code: null, type: undefined },
      };
  }
}

function meets(check: Check, ours: number): boolean {
  if (check.e164 === null) return ours < 0 && (check.code === null || ours === -check.code);
  // Same E.164, and the kind agrees with libphonenumber's type.
  return ours > 0 && `+${ours}` === check.e164 && phoneKind(ours) === (check.type === 'MOBILE' ? 'mobile' : 'landline');
}

/** Do validity or E.164 differ between libphonenumber (isValid(), number) and a result (null = invalid)? */
const differs = (direct: Verdict, e164: string | null): boolean => direct.e164 !== e164;

/**
 * Every deliberate difference from libphonenumber (why: see the comment at the top of phone.ts):
 * - the prefix rules above (readPrefixes) and NARROW_NO_BREAK_SPACE_IS_A_SEPARATOR (U+202F, which
 *   libphonenumber does not strip, between digits);
 * - NINE_DIGITS_STARTING_9_HAVE_NO_DDD: "900 123 456" is a 0900 number for libphonenumber, a mobile
 *   without DDD (TOO_SHORT) for us;
 * - SPREADSHEET_FLOAT: "...5678.0" is INVALID_CHARACTERS, libphonenumber keeps the 0 as a digit;
 * - COLLECT_CALL_90_PREFIX: libphonenumber strips "90" + carrier, we reject the number;
 * - NON_GEOGRAPHIC_SERVICE_NUMBER: TOLL_FREE / PREMIUM_RATE / SHARED_COST are NON_GEOGRAPHIC for us;
 * - LEGACY_7_MOBILE_WITHOUT_NINTH_DIGIT: 10-digit "7" mobiles are MOBILE_MISSING_NINTH_DIGIT for us;
 * - FOREIGN_NUMBER: valid foreign numbers are FOREIGN_NUMBER for us.
 */
export const DELIBERATE_RULES = [
  'ZERO_ZERO_55_IS_BRAZIL',
  'INTERNATIONAL_CARRIER_LICENSED',
  'NATIONAL_CARRIER_LICENSED',
  'ZERO_XX_IS_TRUNK_PREFIX',
  'NARROW_NO_BREAK_SPACE_IS_A_SEPARATOR',
  'FIFTY_FIVE_IS_DDD_BELOW_12_DIGITS',
  'NINE_DIGITS_STARTING_9_HAVE_NO_DDD',
  'SPREADSHEET_FLOAT',
  'COLLECT_CALL_90_PREFIX',
  'NON_GEOGRAPHIC_SERVICE_NUMBER',
  'LEGACY_7_MOBILE_WITHOUT_NINTH_DIGIT',
  'FOREIGN_NUMBER',
];

export type OracleReport = {
  inputs: number;
  agreements: number;
  /** Legacy 8-digit mobiles read with the ninth digit added, each a valid MOBILE for libphonenumber. */
  ninthDigitUpgrades: number;
  validAgreements: number;
  disagreements: number;
  /** Inputs where our result breaks what libphonenumber (or the rule explaining the difference) requires (first 25). */
  failures: string[];
  /** Disagreements each rule predicts from libphonenumber alone, and those seen between us and libphonenumber. */
  predicted: Record<string, number>;
  observed: Record<string, number>;
  /** Up to 8 examples per rule of an observed disagreement. */
  examples: Record<string, string[]>;
  categories: Record<string, { valid: number; invalid: number }>;
  validExamples: Record<string, string[]>;
  seconds: number;
};

/** Parses `size` generated spellings with both parsers and tallies agreements and explained disagreements. */
export function runPhoneOracle(size: number, seed = ORACLE_SEED): OracleReport {
  const started = process.hrtime.bigint();
  const corpus = generateCorpus(size, seed);
  const failures: string[] = [];
  const predicted: Record<string, number> = {};
  const observed: Record<string, number> = {};
  const categories: Record<string, { valid: number; invalid: number }> = {};
  const examples: Record<string, string[]> = {};
  const validExamples: Record<string, string[]> = {};
  let agreements = 0;
  let validAgreements = 0;
  let ninthDigitUpgrades = 0;

  for (const { raw, category } of corpus) {
    const ours = parsePhoneFast(raw);
    const { direct, check } = checkFor(raw);
    if (ours === -PhoneError.MOBILE_MISSING_NINTH_DIGIT) {
      // The upgrade (a campaign's default): DDD + 9 + the 8 digits, a number libphonenumber calls a valid MOBILE.
      const upgraded = parsePhoneFast(raw, true);
      const national = String(upgraded).slice(2);
      const lib = parsePhoneNumberFromString(`+55${national}`);
      const lastEight = raw.replace(/\D/g, '').slice(-8);
      if (upgraded > 0 && national.length === 11 && national[2] === '9' && national.endsWith(lastEight) && lib?.isValid() && lib.getType() === 'MOBILE') ninthDigitUpgrades++;
      else if (failures.length < 25) failures.push(`${JSON.stringify(raw)} [${category}]: ninth digit upgrade gave ${upgraded > 0 ? `+${upgraded}` : phoneErrorCodeOf(upgraded)}`);
    }
    const stats = categories[category] ?? { valid: 0, invalid: 0 };
    categories[category] = stats;
    if (ours > 0) {
      stats.valid++;
      const valid = validExamples[category] ?? [];
      validExamples[category] = valid;
      if (valid.length < 5) valid.push(raw);
    } else {
      stats.invalid++;
      // Generated mobiles and landlines are only rejected when spelled with the collect-call prefix.
      if ((category === 'mobile' || category === 'landline') && !/^\D*90/.test(raw) && failures.length < 25) {
        failures.push(`${JSON.stringify(raw)} [${category}]: rejected as ${phoneErrorCodeOf(ours)}`);
      }
    }

    if (!meets(check, ours) && failures.length < 25) {
      const got = ours > 0 ? `+${ours}` : phoneErrorCodeOf(ours);
      const want = check.e164 ?? (check.code === null ? 'invalid' : phoneErrorCodeOf(-check.code));
      failures.push(`${JSON.stringify(raw)} [${category}]: got ${got}, expected ${want} (rule ${check.rule ?? 'none'})`);
    }
    const ruleName = check.rule ?? 'UNEXPLAINED';
    if (differs(direct, check.e164)) predicted[ruleName] = (predicted[ruleName] ?? 0) + 1;
    if (differs(direct, ours > 0 ? `+${ours}` : null)) {
      observed[ruleName] = (observed[ruleName] ?? 0) + 1;
      const list = examples[ruleName] ?? [];
      examples[ruleName] = list;
      if (list.length < 8) list.push(`${JSON.stringify(raw)}: ours ${ours > 0 ? `+${ours}` : phoneErrorCodeOf(ours)}, libphonenumber ${direct.e164 ?? 'invalid'} ${direct.type ?? ''}`);
    } else {
      agreements++;
      if (ours > 0) validAgreements++;
    }
  }
  const disagreements = Object.values(observed).reduce((sum, count) => sum + count, 0);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { inputs: corpus.length, agreements, ninthDigitUpgrades, validAgreements, disagreements, failures, predicted, observed, examples, categories, validExamples, seconds };
}

/** Everything the oracle requires of a run, as readable problems (none = pass); the test and the bench share it. */
export function oracleProblems(report: OracleReport): string[] {
  const problems = [...report.failures];
  const { observed, predicted, categories } = report;
  if (observed.UNEXPLAINED) problems.push(`${observed.UNEXPLAINED} disagreements no rule explains: ${JSON.stringify(report.examples.UNEXPLAINED)}`);
  // Each rule explains exactly the disagreements attributed to it, and no rule is unknown.
  for (const rule of new Set([...Object.keys(observed), ...Object.keys(predicted)])) {
    if (observed[rule] !== predicted[rule]) problems.push(`rule ${rule}: ${observed[rule] ?? 0} disagreements observed, ${predicted[rule] ?? 0} predicted`);
  }
  for (const rule of Object.keys(observed).filter((name) => name !== 'UNEXPLAINED' && !DELIBERATE_RULES.includes(name))) {
    problems.push(`rule ${rule} is not a deliberate rule: ${JSON.stringify(report.examples[rule])}`);
  }
  // Every deliberate difference is exercised by the corpus.
  for (const rule of DELIBERATE_RULES.filter((name) => !((observed[name] ?? 0) > 0))) problems.push(`rule ${rule} is never exercised`);
  if (report.agreements + report.disagreements !== report.inputs) problems.push(`${report.agreements} agreements + ${report.disagreements} disagreements != ${report.inputs} inputs`);
  if (report.ninthDigitUpgrades < 10) problems.push(`only ${report.ninthDigitUpgrades} ninth-digit upgrades checked`);
  if (report.validAgreements <= report.inputs / 4) problems.push(`only ${report.validAgreements} valid agreements of ${report.inputs}`);
  // Generated categories land where they should.
  const everyDdd = categories['every-ddd'];
  if (everyDdd?.valid !== 2 * VALID_DDDS.size || everyDdd.invalid !== 0) problems.push(`every-ddd: ${JSON.stringify(everyDdd)}, expected ${2 * VALID_DDDS.size} valid`);
  for (const category of ['bad-ddd', 'bad-subscriber', 'old-mobile', 'unlicensed-carrier', 'non-geographic', 'foreign', 'spreadsheet-float']) {
    if (!categories[category]) problems.push(`category ${category} never generated`);
    else if (categories[category].valid > 0) problems.push(`category ${category}: accepted ${JSON.stringify(report.validExamples[category])}`);
  }
  return problems;
}

/**
 * Agreement with libphonenumber where it applies: of the inputs no deliberate rule covers, the share where both give
 * the same verdict and E.164 (an unexplained disagreement is the only way below 1).
 */
export const agreementWhereApplies = (report: OracleReport): number => report.agreements / (report.agreements + (report.observed.UNEXPLAINED ?? 0));

export const oracleSummary = (report: OracleReport): string =>
  `phone oracle: ${report.inputs} inputs in ${report.seconds.toFixed(1)} s, ${report.agreements} agreements (${report.validAgreements} valid; ` +
  `${(100 * agreementWhereApplies(report)).toFixed(2)}% where libphonenumber applies, ${(100 * report.agreements / report.inputs).toFixed(1)}% of all inputs), ` +
  `${report.ninthDigitUpgrades} ninth-digit upgrades checked, ` +
  `${report.disagreements} explained disagreements: ${JSON.stringify(report.observed)}`;
