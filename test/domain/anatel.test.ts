import {
  accessCodeLevel,
  classifyCall,
  cnpjDigits,
  cnpjLevel,
  DEFAULT_SHORT_CALL_RULES as RULES,
  elapsedCallingDay,
  isValidCnpj,
  projectDay,
  shortSharePercent,
  statusOf,
} from '../../server/domain/anatel';
import { loadConfig } from '../../server/config';
import { TEST_KEYS } from '../support/harness';

/** Anatel's short-call rule as the meter applies it (server/domain/anatel.ts, docs/compliance.md). */
describe('short-call classification (definition in force since 1 June 2024)', () => {
  test('when a call completes in at most 6 s, whoever hangs up, then it is short; 7 s is not', () => {
    expect(classifyCall({ answered: true, talkSeconds: 6 }, RULES)).toBe('short');
    expect(classifyCall({ answered: true, talkSeconds: 0.5 }, RULES)).toBe('short');
    expect(classifyCall({ answered: true, talkSeconds: 7 }, RULES)).toBe('long');
  });

  test('when a call is not answered or reaches voicemail, then it is short whatever its duration', () => {
    expect(classifyCall({ answered: false, ringSeconds: 40 }, RULES)).toBe('short');
    expect(classifyCall({ answered: true, voicemail: true, talkSeconds: 30 }, RULES)).toBe('short');
  });

  test('when the dialer sent no deciding fact, then the call is unknown, never guessed short', () => {
    expect(classifyCall(undefined, RULES)).toBe('unknown');
    expect(classifyCall({}, RULES)).toBe('unknown');
    expect(classifyCall({ answered: true }, RULES)).toBe('unknown');
    expect(classifyCall({ ringSeconds: 3, accessCode: '1130030000' }, RULES)).toBe('unknown');
  });

  test('when the threshold is configured, then the classification follows it', () => {
    expect(classifyCall({ answered: true, talkSeconds: 8 }, { shortCallMaxSeconds: 10 })).toBe('short');
  });
});

describe('the two criteria', () => {
  const day = (calls: number, shortCalls: number) => ({ calls, shortCalls, unknownCalls: 0 });

  test('criterion I: 100,000 short calls on one access code is the limit; 80% of it the alert', () => {
    expect(accessCodeLevel(day(100_000, 100_000), RULES)).toBe('limit');
    expect(accessCodeLevel(day(500_000, 99_999), RULES)).toBe('alert');
    expect(accessCodeLevel(day(500_000, 80_000), RULES)).toBe('alert');
    expect(accessCodeLevel(day(500_000, 79_999), RULES)).toBe('ok');
  });

  test('criterion II: 120,000 calls with 103,000 short is 85.8% and the limit; 110,000 with 93,000 is under 85%', () => {
    expect(shortSharePercent(day(120_000, 103_000))).toBe(85.8);
    expect(cnpjLevel(day(120_000, 103_000), RULES)).toBe('limit');
    expect(shortSharePercent(day(110_000, 93_000))).toBe(84.5);
    expect(cnpjLevel(day(110_000, 93_000), RULES)).toBe('alert');
  });

  test('criterion II needs both volume and share: many calls mostly long, or few calls all short, are no limit', () => {
    expect(cnpjLevel(day(99_999, 99_999), RULES)).toBe('alert');
    expect(cnpjLevel(day(500_000, 300_000), RULES)).toBe('ok');
    expect(cnpjLevel(day(1_000, 1_000), RULES)).toBe('ok');
    expect(cnpjLevel(day(80_000, 54_400), RULES)).toBe('alert'); // 80% of 100,000 calls, 68% (80% of 85%) short
  });

  test('when thresholds are configured, then the criteria follow them', () => {
    const strict = { ...RULES, cnpjCallLimit: 1_000, cnpjShortSharePercent: 50, accessCodeShortCallLimit: 10 };
    expect(cnpjLevel(day(1_000, 500), strict)).toBe('limit');
    expect(accessCodeLevel(day(10, 10), strict)).toBe('limit');
  });

  test('status: the limit met today is "bloqueio provável"; the alert level, or a projection meeting a limit, is "atenção"', () => {
    expect(statusOf('limit', 'limit')).toBe('bloqueio provável');
    expect(statusOf('alert', 'alert')).toBe('atenção');
    expect(statusOf('ok', 'limit')).toBe('atenção');
    expect(statusOf('ok', 'alert')).toBe('ok');
  });
});

describe('projection over the calling day (08:00–21:00 Brazilian time by default)', () => {
  const day = '2026-12-02';
  const at = (hhmm: string) => new Date(`${day}T${hhmm}:00-03:00`);

  test('when half the calling day has gone by, then the day projects to twice its counts, same share', () => {
    expect(elapsedCallingDay(day, at('14:30'), RULES)).toBeCloseTo(0.5);
    expect(projectDay({ calls: 30_000, shortCalls: 27_000, unknownCalls: 10 }, day, at('14:30'), RULES)).toEqual({ calls: 60_000, shortCalls: 54_000, unknownCalls: 20 });
  });

  test('when the calling day is over, then the projection is the count; minutes after opening count as one hour', () => {
    expect(projectDay({ calls: 5, shortCalls: 5, unknownCalls: 0 }, day, at('22:00'), RULES)).toEqual({ calls: 5, shortCalls: 5, unknownCalls: 0 });
    expect(projectDay({ calls: 100, shortCalls: 50, unknownCalls: 0 }, day, at('08:05'), RULES)).toEqual({ calls: 1_300, shortCalls: 650, unknownCalls: 0 });
    expect(elapsedCallingDay(day, at('07:00'), RULES)).toBe(0);
  });
});

describe('CNPJ', () => {
  test('when its check digits match, then it is valid in any usual spelling; otherwise null', () => {
    expect(isValidCnpj('11222333000181')).toBe(true);
    expect(cnpjDigits('11.222.333/0001-81')).toBe('11222333000181');
    expect(cnpjDigits('11.222.333/0001-82')).toBeNull();
    expect(cnpjDigits('11111111111111')).toBeNull();
    expect(cnpjDigits('1122233300018')).toBeNull();
    expect(cnpjDigits('11.222.333/0001-8a')).toBeNull();
  });
});

describe('configuration', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'postgresql://db/x', ...TEST_KEYS };

  test('when no ANATEL_* variable is set, then the regulator\'s numbers of 2024 apply', () => {
    expect(loadConfig(base).shortCalls).toEqual(RULES);
  });

  test('when the thresholds are set, then the meter gets them; an end hour not after the start stops the start naming it', () => {
    const config = loadConfig({ ...base, ANATEL_CNPJ_SHORT_PERCENT: '90', ANATEL_ACCESS_CODE_SHORT_CALLS: '50000', ANATEL_SHORT_CALL_MAX_SECONDS: '3' });
    expect(config.shortCalls).toMatchObject({ cnpjShortSharePercent: 90, accessCodeShortCallLimit: 50_000, shortCallMaxSeconds: 3 });
    expect(() => loadConfig({ ...base, ANATEL_CALLING_DAY_START_HOUR: '20', ANATEL_CALLING_DAY_END_HOUR: '9' })).toThrow(/ANATEL_CALLING_DAY_END_HOUR: must be after/);
    expect(() => loadConfig({ ...base, ANATEL_CNPJ_SHORT_PERCENT: '101' })).toThrow(/ANATEL_CNPJ_SHORT_PERCENT/);
  });
});
