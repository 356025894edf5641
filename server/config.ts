import { DEFAULT_TRUST_RULES, type TrustRules } from './domain/trust';
import type { ShortCallRules } from './domain/anatel';
import { estimatedEntropyBits, MIN_SECRET_BITS } from './domain/tokenEntropy';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * The only place that reads process.env. Parsed once at boot; a bad value stops the process with a message
 * naming the variable. Without DATABASE_URL the server runs on its embedded default (PGlite in DATA_DIR) and
 * generates development keys there on first start; with DATABASE_URL (production) the keys must be given.
 */
const hexKey = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes * 2} hexadecimal characters`);

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  // The operator API and /metrics listen apart, on loopback unless told otherwise (docs/security.md).
  OPERATOR_HOST: z.string().min(1).default('127.0.0.1'),
  OPERATOR_PORT: int(0, 65535).default(3001),
  // Which proxies' X-Forwarded-For to believe for the client address (sign-in limits, logs): express's "trust proxy".
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .refine((value) => /^(true|false|\d{1,2})$/.test(value) || value.split(',').every((entry) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry.trim())), {
      message: 'must be false, true, a number of hops, or a comma-separated list of addresses/CIDRs (loopback, linklocal, uniquelocal allowed)',
    }),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('data'),
  REDIS_URL: z.string().url().optional(),
  REDIS_PREFIX: z.string().min(1).default('hyg:'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PSEUDONYM_KEY: hexKey(16).optional(),
  OPERATOR_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  ADMIN_TOKEN_TTL_SECONDS: int(60, 7 * 24 * 3600).default(8 * 3600),
  // The trust rules of the shared history (server/domain/trust.ts, docs/rules.md).
  INVALID_THRESHOLD: int(1, 1000).default(10),
  TRUST_MIN_SOURCES: int(1, 100).default(2),
  TRUST_SOURCE_WEIGHT_CAP: z.coerce.number().positive().max(1000).default(5),
  TRUST_SOURCE_RATE_PER_DAY: z.coerce.number().positive().max(1000).default(5),
  TRUST_MIN_SPAN_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  TRUST_AGENT_WEIGHT: z.coerce.number().min(0).max(1).default(0.5),
  TRUST_CONTACTS_TO_CLEAR: int(1, 100).default(2),
  TRUST_CONTACT_WINDOW_DAYS: int(1, 3650).default(30),
  QUARANTINE_DAYS: int(1, 3650).default(180),
  PROBATION_DAYS: int(1, 3650).default(28),
  TRUST_REPUTATION_MIN_MARKS: int(1, 1_000_000).default(20),
  TRUST_CORROBORATION_FLOOR: z.coerce.number().min(0).max(1).default(DEFAULT_TRUST_RULES.corroborationFloor),
  TRUST_CORROBORATION_TARGET: z.coerce.number().min(0).max(1).default(DEFAULT_TRUST_RULES.corroborationTarget),
  READ_BUDGET_BASE: int(0, 1_000_000_000).default(2_000_000),
  READ_BUDGET_PER_TABULATION: int(0, 1_000_000).default(20),
  CALL_ID_RETENTION_DAYS: int(1, 365).default(14),
  MAX_BATCH_SIZE: int(1, 100_000).default(10_000),
  MAX_JSON_BODY_BYTES: int(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  MAX_MAILING_BYTES: int(1024, 64 * 1024 * 1024 * 1024).default(8 * 1024 * 1024 * 1024),
  // Per-tenant bounds on what one authenticated dialer can make the server hold (docs/security.md).
  MAX_RECORD_BYTES: int(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  MAX_NEW_CAMPAIGNS_PER_BATCH: int(1, 100_000).default(100),
  MAX_CONCURRENT_MAILINGS_PER_TENANT: int(1, 10_000).default(4),
  MAX_SPILL_BYTES_PER_TENANT: int(1024, 1024 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  SOCKET_EVENTS_PER_SECOND: int(1, 10_000).default(20),
  STATUS_POLL_MS: int(50, 60_000).default(500),
  // 0 = none: a mailing may stream for hours (up to MAX_MAILING_BYTES); Node's own default cut it at 300 s.
  HTTP_REQUEST_TIMEOUT_MS: int(0, 7 * 24 * 3600 * 1000).default(0),
  HTTP_IDLE_TIMEOUT_MS: int(0, 24 * 3600 * 1000).default(120_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 3600 * 1000).default(60_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(0, 3600 * 1000).default(5_000),
  // Under the 30 s most orchestrators (systemd, Kubernetes) wait between SIGTERM and SIGKILL.
  SHUTDOWN_DRAIN_MS: int(0, 24 * 3600 * 1000).default(25_000),
  // Threads that filter mailings off the event loop (server/services/mailingFilter/filterPool.ts); 0 = on it.
  FILTER_WORKERS: int(0, 64).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
  // Their scheduling priority (Linux nice, 0-19): above 0, requests on the event loop get a busy core first.
  FILTER_WORKER_NICE: int(0, 19).default(10),
  // How far V8 lets its old generation grow past the live heap before a major collection (server/infra/heap.ts).
  HEAP_GROWING_PERCENT: int(0, 1000).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Anatel's short-call rule (server/domain/anatel.ts, docs/compliance.md): the regulator's numbers, as configuration.
  ANATEL_SHORT_CALL_MAX_SECONDS: int(0, 3600).default(6),
  ANATEL_ACCESS_CODE_SHORT_CALLS: int(1, 100_000_000).default(100_000),
  ANATEL_CNPJ_CALLS: int(1, 100_000_000).default(100_000),
  ANATEL_CNPJ_SHORT_PERCENT: z.coerce.number().min(0).max(100).default(85),
  ANATEL_ALERT_PERCENT: z.coerce.number().min(1).max(100).default(80),
  ANATEL_CALLING_DAY_START_HOUR: int(0, 23).default(8),
  ANATEL_CALLING_DAY_END_HOUR: int(1, 24).default(21),
});

export type RuleConfig = TrustRules;

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** The operator listener (operator API, /metrics, /healthz): 127.0.0.1:3001 by default; port 0 = any free one. */
  operator: { host: string; port: number };
  /** express's "trust proxy": false (the socket's address is the client), true, a hop count, or trusted addresses. */
  trustProxy: boolean | number | string;
  database: { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string };
  redis: { url: string; prefix: string } | undefined;
  jwtSecret: string;
  pseudonymKey: Buffer;
  /** Bearer token of the operator API (tenants, admins, keys); used by `npm run admin`. */
  operatorToken: string;
  adminTokenTtlSeconds: number;
  rules: RuleConfig;
  /** Verdict reads per tenant per rolling 24 h (server/services/readBudget.ts). */
  readBudget: { base: number; perContribution: number };
  /** Anatel's short-call rule as the meter applies it (server/domain/anatel.ts). */
  shortCalls: ShortCallRules;
  callIdRetentionDays: number;
  maxBatchSize: number;
  maxJsonBodyBytes: number;
  maxMailingBytes: number;
  /** Longest CSV record or NDJSON line of a mailing, in bytes. */
  maxRecordBytes: number;
  /** Unknown campaign ids one outcome batch may register; items naming more are rejected one by one. */
  maxNewCampaignsPerBatch: number;
  /** Mailings of one tenant filtered at the same time on one instance (in-process count, not shared). */
  maxConcurrentMailingsPerTenant: number;
  /** Malformed CSV rows one tenant's mailings in flight may hold back (memory and spill files), in bytes, per instance. */
  maxSpillBytesPerTenant: number;
  /** Events one socket may send per second (burst: one second's worth); see server/realtime/eventRate.ts. */
  socketEventsPerSecond: number;
  statusPollMs: number;
  /** Limits of the HTTP server (server.ts); 0 = none. */
  http: HttpTimeouts;
  /** How long a shutdown lets requests in flight (a streaming mailing) finish before it cuts them. */
  shutdownDrainMs: number;
  /** Filter worker threads; 0 filters on the event loop. */
  filterWorkers: number;
  filterWorkerNice: number;
  /** V8's heap growing factor, as 1 + percent/100; 0 leaves V8's own (up to 4×) (server/infra/heap.ts). */
  heapGrowingPercent: number;
  logLevel: string;
};

export type HttpTimeouts = {
  /** Whole request, headers and body (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** A connection that sends and reads nothing for this long is cut (Node's server.timeout). */
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
};

export class ConfigError extends Error {}

type DevKeys = { jwtSecret: string; pseudonymKey: string; operatorToken: string };

export const devKeysFile = (dataDir: string) => path.join(dataDir, 'dev-keys.json');

const devKeysSchema = z.object({
  jwtSecret: z.string().min(32, 'must be at least 32 characters'),
  pseudonymKey: hexKey(16),
  operatorToken: z.string().min(32, 'must be at least 32 characters'),
});

/** Development keys live in the embedded data folder, created once with owner-only permissions. */
function loadOrCreateDevKeys(dataDir: string): DevKeys {
  const file = devKeysFile(dataDir);
  if (existsSync(file)) {
    // A damaged file must stop the start with its name, not crash later (an empty pseudonym key) or silently.
    let content: unknown;
    try {
      content = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  ${file}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = devKeysSchema.safeParse(content);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.') || 'content'}: ${issue.message}`);
      throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
    }
    return parsed.data;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700); // mode applies only to a folder made now, and less the umask
  const keys: DevKeys = {
    jwtSecret: randomBytes(32).toString('hex'),
    pseudonymKey: randomBytes(16).toString('hex'),
    operatorToken: randomBytes(24).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.ANATEL_CALLING_DAY_END_HOUR <= e.ANATEL_CALLING_DAY_START_HOUR) {
    throw new ConfigError(
      `Invalid configuration:\n  ANATEL_CALLING_DAY_END_HOUR: must be after ANATEL_CALLING_DAY_START_HOUR (${e.ANATEL_CALLING_DAY_END_HOUR} <= ${e.ANATEL_CALLING_DAY_START_HOUR})`,
    );
  }
  if (e.HTTP_REQUEST_TIMEOUT_MS > 0 && e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    // Node refuses this combination; say so in the variables' own names.
    throw new ConfigError(
      `Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_HEADERS_TIMEOUT_MS} > ${e.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
  const dataDir = path.resolve(e.DATA_DIR);
  let jwtSecret = e.JWT_SECRET;
  let pseudonymKey = e.PSEUDONYM_KEY;
  let operatorToken = e.OPERATOR_TOKEN;
  if (operatorToken && (e.DATABASE_URL || e.NODE_ENV === 'production')) {
    // The operator token opens every tenant: a placeholder or a repeated word must not reach production.
    const bits = estimatedEntropyBits(operatorToken);
    if (bits < MIN_SECRET_BITS) {
      throw new ConfigError(
        `Invalid configuration:\n  OPERATOR_TOKEN: too guessable (about ${bits} bits of estimated entropy, at least ${MIN_SECRET_BITS} needed ` +
          'when DATABASE_URL is set or NODE_ENV=production); use a random value, e.g. openssl rand -hex 32',
      );
    }
  }
  if (!jwtSecret || !pseudonymKey || !operatorToken) {
    if (e.DATABASE_URL || e.NODE_ENV === 'production') {
      const missing = [!jwtSecret && 'JWT_SECRET', !pseudonymKey && 'PSEUDONYM_KEY', !operatorToken && 'OPERATOR_TOKEN']
        .filter(Boolean)
        .join(', ');
      throw new ConfigError(
        `Invalid configuration:\n  ${missing}: required when DATABASE_URL is set or NODE_ENV=production ` +
          '(development keys are generated only for the embedded default; see docs/operations.md)',
      );
    }
    const devKeys = loadOrCreateDevKeys(dataDir);
    jwtSecret ??= devKeys.jwtSecret;
    pseudonymKey ??= devKeys.pseudonymKey;
    operatorToken ??= devKeys.operatorToken;
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    operator: { host: e.OPERATOR_HOST, port: e.OPERATOR_PORT },
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'embedded', dataDir },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    jwtSecret,
    pseudonymKey: Buffer.from(pseudonymKey, 'hex'),
    operatorToken,
    adminTokenTtlSeconds: e.ADMIN_TOKEN_TTL_SECONDS,
    rules: {
      ...DEFAULT_TRUST_RULES,
      invalidThreshold: e.INVALID_THRESHOLD,
      minSources: e.TRUST_MIN_SOURCES,
      sourceWeightCap: e.TRUST_SOURCE_WEIGHT_CAP,
      sourceRatePerDay: e.TRUST_SOURCE_RATE_PER_DAY,
      minSpanHours: e.TRUST_MIN_SPAN_HOURS,
      agentWeight: e.TRUST_AGENT_WEIGHT,
      contactsToClear: e.TRUST_CONTACTS_TO_CLEAR,
      contactWindowDays: e.TRUST_CONTACT_WINDOW_DAYS,
      quarantineDays: e.QUARANTINE_DAYS,
      probationDays: e.PROBATION_DAYS,
      reputationMinMarks: e.TRUST_REPUTATION_MIN_MARKS,
      corroborationFloor: e.TRUST_CORROBORATION_FLOOR,
      corroborationTarget: e.TRUST_CORROBORATION_TARGET,
    },
    readBudget: { base: e.READ_BUDGET_BASE, perContribution: e.READ_BUDGET_PER_TABULATION },
    shortCalls: {
      shortCallMaxSeconds: e.ANATEL_SHORT_CALL_MAX_SECONDS,
      accessCodeShortCallLimit: e.ANATEL_ACCESS_CODE_SHORT_CALLS,
      cnpjCallLimit: e.ANATEL_CNPJ_CALLS,
      cnpjShortSharePercent: e.ANATEL_CNPJ_SHORT_PERCENT,
      alertPercent: e.ANATEL_ALERT_PERCENT,
      callingDayStartHour: e.ANATEL_CALLING_DAY_START_HOUR,
      callingDayEndHour: e.ANATEL_CALLING_DAY_END_HOUR,
    },
    callIdRetentionDays: e.CALL_ID_RETENTION_DAYS,
    maxBatchSize: e.MAX_BATCH_SIZE,
    maxJsonBodyBytes: e.MAX_JSON_BODY_BYTES,
    maxMailingBytes: e.MAX_MAILING_BYTES,
    maxRecordBytes: e.MAX_RECORD_BYTES,
    maxNewCampaignsPerBatch: e.MAX_NEW_CAMPAIGNS_PER_BATCH,
    maxConcurrentMailingsPerTenant: e.MAX_CONCURRENT_MAILINGS_PER_TENANT,
    maxSpillBytesPerTenant: e.MAX_SPILL_BYTES_PER_TENANT,
    socketEventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
    statusPollMs: e.STATUS_POLL_MS,
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    filterWorkers: e.FILTER_WORKERS,
    filterWorkerNice: e.FILTER_WORKER_NICE,
    logLevel: e.LOG_LEVEL,
  };
}
