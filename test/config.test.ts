import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, devKeysFile, loadConfig } from '../server/config';
import { estimatedEntropyBits, MIN_SECRET_BITS } from '../server/domain/tokenEntropy';

/** Issue 2, "Config": parsed once and validated; a bad value stops the process with a message naming it. */
describe('loadConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hyg-config-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const PROD_KEYS = {
    JWT_SECRET: 'a'.repeat(32),
    PSEUDONYM_KEY: '00112233445566778899aabbccddeeff',
    // Random-looking: a production OPERATOR_TOKEN must pass the entropy estimate (server/domain/tokenEntropy.ts).
    OPERATOR_TOKEN: '9f2c7a1e4b8d03f6a5c2e9b7d1f4a8c6e3b0d5f7a2c4e6b8',
  };

  /** The ConfigError thrown for an environment (fails the test when none is thrown). */
  function configError(env: Record<string, string>): ConfigError {
    try {
      loadConfig({ DATA_DIR: dataDir, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
  }

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['OPERATOR_PORT', { OPERATOR_PORT: '70000' }],
    ['OPERATOR_HOST', { OPERATOR_HOST: '' }],
    ['INVALID_THRESHOLD', { INVALID_THRESHOLD: '0' }],
    ['INVALID_THRESHOLD', { INVALID_THRESHOLD: 'ten' }],
    ['TRUST_MIN_SOURCES', { TRUST_MIN_SOURCES: '0' }],
    ['TRUST_AGENT_WEIGHT', { TRUST_AGENT_WEIGHT: '2' }],
    ['PSEUDONYM_KEY', { PSEUDONYM_KEY: 'abcd' }],
    ['PSEUDONYM_KEY', { PSEUDONYM_KEY: 'zz'.repeat(16) }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'localhost' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['HEAP_GROWING_PERCENT', { HEAP_GROWING_PERCENT: '-1' }],
    ['HEAP_GROWING_PERCENT', { HEAP_GROWING_PERCENT: 'half' }],
    ['FILTER_WORKERS', { FILTER_WORKERS: '-1' }],
    ['FILTER_WORKER_NICE', { FILTER_WORKER_NICE: '20' }],
  ])('when %s is bad (%j), then a ConfigError names the variable', (variable, env) => {
    expect(configError(env).message).toMatch(new RegExp(`\\b${variable}: `));
  });

  it('when several values are bad, then the message names each of them', () => {
    const message = configError({ PORT: 'abc', INVALID_THRESHOLD: '0', PSEUDONYM_KEY: 'abcd' }).message;
    for (const variable of ['PORT', 'INVALID_THRESHOLD', 'PSEUDONYM_KEY']) expect(message).toContain(`${variable}:`);
  });

  it('when DATABASE_URL is set without the keys, then a ConfigError names every missing key and no dev keys are written', () => {
    const message = configError({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test' }).message;
    expect(message).toMatch(/JWT_SECRET, PSEUDONYM_KEY, OPERATOR_TOKEN: required when DATABASE_URL is set/);
    expect(configError({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test', JWT_SECRET: PROD_KEYS.JWT_SECRET }).message).toMatch(/PSEUDONYM_KEY, OPERATOR_TOKEN: required/);
    expect(existsSync(devKeysFile(dataDir))).toBe(false);
  });

  it('when NODE_ENV=production has no keys, then it refuses too (dev keys are only for the embedded default)', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toMatch(/JWT_SECRET, PSEUDONYM_KEY, OPERATOR_TOKEN: required/);
  });

  it('when the keys and DATABASE_URL are given, then they are used as given and the rule parameters are parsed', () => {
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgresql://db/x', ...PROD_KEYS, INVALID_THRESHOLD: '7', TRUST_MIN_SOURCES: '3', QUARANTINE_DAYS: '30' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgresql://db/x' });
    expect(config.jwtSecret).toBe(PROD_KEYS.JWT_SECRET);
    expect(config.pseudonymKey.toString('hex')).toBe(PROD_KEYS.PSEUDONYM_KEY);
    expect(config.rules).toMatchObject({ invalidThreshold: 7, minSources: 3, quarantineDays: 30, sourceWeightCap: 5 });
    expect(existsSync(devKeysFile(dataDir))).toBe(false);
  });

  it.each([
    ['one character repeated', 'o'.repeat(32)],
    ['a word repeated to the length', 'operator'.repeat(5)],
    ['a short pattern repeated', 'ab12'.repeat(10)],
    ['the alphabet in order', '0123456789abcdefghijklmnopqrstuvwxyz'],
  ])('when a production OPERATOR_TOKEN is %s, then a ConfigError names OPERATOR_TOKEN and its estimated entropy, never the token', (_name, token) => {
    for (const production of [{ DATABASE_URL: 'postgresql://db/x' }, { NODE_ENV: 'production' }]) {
      const message = configError({ ...production, ...PROD_KEYS, OPERATOR_TOKEN: token }).message;
      expect(message).toMatch(/OPERATOR_TOKEN: too guessable \(about \d+ bits of estimated entropy, at least 128 needed/);
      expect(message).not.toContain(token);
    }
  });

  it('when the embedded default has a weak OPERATOR_TOKEN, then it starts (the entropy check is for production)', () => {
    expect(loadConfig({ DATA_DIR: dataDir, OPERATOR_TOKEN: 'o'.repeat(32) }).operatorToken).toBe('o'.repeat(32));
  });

  it('when nothing is set, then the defaults apply: embedded database in DATA_DIR, no Redis, threshold 10, the operator listener on 127.0.0.1:3001', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, operator: { host: '127.0.0.1', port: 3001 }, database: { kind: 'embedded', dataDir }, redis: undefined, rules: { invalidThreshold: 10 }, heapGrowingPercent: 50, filterWorkerNice: 10 });
    // Mailings are filtered off the event loop by default, on every machine (one worker at least).
    expect(config.filterWorkers).toBeGreaterThanOrEqual(1);
  });

  it('when the embedded default starts for the first time, then it generates dev keys once in DATA_DIR (owner-only) and reuses them', () => {
    const nested = path.join(dataDir, 'nested', 'data');
    const first = loadConfig({ DATA_DIR: nested });
    const file = devKeysFile(nested);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8');
    expect(first.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.pseudonymKey).toHaveLength(16);
    expect(first.operatorToken.length).toBeGreaterThanOrEqual(32);
    // A generated token would pass the production entropy check (tokens are random: 192 bits of hex).
    expect(estimatedEntropyBits(first.operatorToken)).toBeGreaterThanOrEqual(MIN_SECRET_BITS);

    const second = loadConfig({ DATA_DIR: nested });
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect({ jwt: second.jwtSecret, key: second.pseudonymKey.toString('hex'), op: second.operatorToken }).toEqual({ jwt: first.jwtSecret, key: first.pseudonymKey.toString('hex'), op: first.operatorToken });

    // Another data folder is another installation: other keys.
    expect(loadConfig({ DATA_DIR: path.join(dataDir, 'other') }).jwtSecret).not.toBe(first.jwtSecret);
    // A key given in the environment wins over the file's.
    expect(loadConfig({ DATA_DIR: nested, PSEUDONYM_KEY: PROD_KEYS.PSEUDONYM_KEY }).pseudonymKey.toString('hex')).toBe(PROD_KEYS.PSEUDONYM_KEY);
  });

  it('when the dev keys file is damaged, then a ConfigError names the file and the bad key instead of a crash', () => {
    loadConfig({ DATA_DIR: dataDir });
    const file = devKeysFile(dataDir);
    writeFileSync(file, '{ not json');
    expect(configError({}).message).toContain(`${file}: not valid JSON`);
    writeFileSync(file, JSON.stringify({ jwtSecret: 'j'.repeat(64), pseudonymKey: 'zz', operatorToken: 'o'.repeat(48) }));
    expect(configError({}).message).toContain(`${file}: pseudonymKey: must be 32 hexadecimal characters`);
  });

  // The real entry point, run from the sources (no build needed) through the development loader.
  const mainTs = path.join(__dirname, '..', 'server', 'main.ts');
  const loader = path.join(__dirname, '..', 'scripts', 'ts-register.js');

  it('when the server starts with a bad value, then it exits with code 2 and a message naming the variable', () => {
    const result = spawnSync(process.execPath, ['-r', loader, mainTs], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: 'abc', INVALID_THRESHOLD: '0', HOST: '127.0.0.1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Invalid configuration/);
    expect(result.stderr).toMatch(/PORT: /);
    expect(result.stderr).toMatch(/INVALID_THRESHOLD: /);
    expect(result.stdout).not.toMatch(/listening|Hygiene server on/);
  });
});
