import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import request from 'supertest';
import { loadConfig, type Config } from '../../server/config';
import { openPostgres, type Database } from '../../server/db/database';
import { createLogger, type Logger } from '../../server/logger';
import { startServer, type RunningServer } from '../../server/server';
// Plain JavaScript shared with the global setup (test/support/global-setup.js), which jest runs untranspiled.
const { testDatabaseUrl, testRedisUrl } = require('./urls') as { testDatabaseUrl: string; testRedisUrl: string };

export { testDatabaseUrl, testRedisUrl };

/** A clock the test moves: rules that depend on days (daily cap, expiry) are tested without waiting. */
export class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advanceDays(days: number): void {
    this.offsetMs += days * 86_400_000;
  }
  advanceMs(ms: number): void {
    this.offsetMs += ms;
  }
}

export const uniqueId = (prefix = 't') => `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export type TestServer = RunningServer & {
  schema: string;
  config: Config;
  clock: TestClock;
  http: RunningServer['http'];
  api: () => ReturnType<typeof request>;
  /** The operator listener (operator API, /metrics), on its own port. */
  operatorApi: () => ReturnType<typeof request>;
  stop(): Promise<void>;
};

export type TestServerOptions = {
  env?: Record<string, string>;
  /** Join an existing schema (several instances sharing one database). */
  schema?: string;
  /** Redis on (default) or off (single instance, in-process infrastructure). */
  redis?: boolean;
  redisPrefix?: string;
  clock?: TestClock;
  /** Keep the schema when stopping (another instance still uses it). */
  keepSchema?: boolean;
  /** The server's logger (e.g. one writing to memory, see support/logs.ts); by default pino at TEST_LOG_LEVEL. */
  logger?: Logger;
  /** Another PostgreSQL than the shared test one (a private cluster a fault test may stop, see support/services.ts). */
  databaseUrl?: string;
  /** Another Redis than the shared test one (implies redis on). */
  redisUrl?: string;
};

/**
 * Trust rules reduced to one source and no waiting, for tests of the plumbing around the shared history
 * (watching, the CLI, mailings), not of the trust rules themselves (test/rules/, test/domain/trust.test.ts).
 */
export const SINGLE_SOURCE_RULES = { TRUST_MIN_SOURCES: '1', TRUST_MIN_SPAN_HOURS: '0', TRUST_SOURCE_WEIGHT_CAP: '1000', TRUST_SOURCE_RATE_PER_DAY: '1000' };

/** Fixed test keys, the same for every instance of a test so they share pseudonyms. */
export const TEST_KEYS = {
  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789',
  PSEUDONYM_KEY: '000102030405060708090a0b0c0d0e0f',
  OPERATOR_TOKEN: 'test-operator-token-0123456789abcdef',
};

/**
 * A real server on 127.0.0.1:0 (its operator listener on another port 0) over real PostgreSQL (a schema of its own, dropped at the end) and real Redis
 * (a key prefix of its own), so leftovers of other runs cannot change a result.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const schema = options.schema ?? uniqueId('hyg');
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    OPERATOR_PORT: '0',
    DATABASE_URL: databaseUrl,
    ...(options.redis === false ? {} : { REDIS_URL: options.redisUrl ?? testRedisUrl, REDIS_PREFIX: options.redisPrefix ?? `${schema}:` }),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    STATUS_POLL_MS: '200',
    // A test's leftover request (a stalled stream) holds stop() for 2 s at most; drain tests set their own.
    SHUTDOWN_DRAIN_MS: '2000',
    ...TEST_KEYS,
    ...options.env,
  });
  const db: Database = await openPostgres({ url: databaseUrl, schema, poolSize: 5 });
  const clock = options.clock ?? new TestClock();
  const server = await startServer(config, { db, clock: clock.now, logger: options.logger ?? createLogger(config.logLevel) });
  return {
    ...server,
    schema,
    config,
    clock,
    api: () => request(server.url),
    operatorApi: () => request(server.operatorUrl),
    async stop() {
      await server.close();
      await db.close();
      if (!options.keepSchema) await dropSchema(schema, databaseUrl);
    },
  };
}

export async function dropSchema(schema: string, databaseUrl = testDatabaseUrl): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pool.end();
  }
}
