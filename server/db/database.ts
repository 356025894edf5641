import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import path from 'node:path';
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { PrismaClient } from '../generated/prisma/client';
import type { Config } from '../config';
import { applyMigrations, type ScriptRunner } from './migrate';
import type { PoolStats } from '../infra/metrics';

export type Prisma = PrismaClient;

/** The raw bytes of a `COPY … TO STDOUT`, chunk by chunk, on a connection of its own. */
export type CopyOut = (sql: string) => AsyncIterable<Buffer>;

export type Database = {
  prisma: PrismaClient;
  kind: 'postgres' | 'embedded';
  /** Runs a multi-statement script outside Prisma (migrations, test set-up). */
  runScript: ScriptRunner;
  /** The connection pool's counts for /metrics; absent on the embedded database (one in-process connection). */
  poolStats?: () => PoolStats;
  /** PostgreSQL only: the status index's start-up load reads the history with a binary COPY (services/statusLoad.ts). */
  copyOut?: CopyOut;
  close(): Promise<void>;
};

export type PostgresOptions = { url: string; schema?: string; poolSize?: number };

/** PostgreSQL through @prisma/adapter-pg. `schema` confines every query (and migration) to one schema. */
export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // Without a bound, a request waits for a connection as long as an unresponsive database lets it (a host that
    // drops packets): with one, it fails into a 503 UNAVAILABLE (db/availability.ts) the client can retry.
    connectionTimeoutMillis: 5000,
    ...(options.schema ? { options: `-c search_path="${options.schema}"` } : {}),
  });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing
  if (options.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  const runScript: ScriptRunner = async (sql) => {
    await pool.query(sql);
  };
  // One connection for the whole migration: the advisory lock is held by a session.
  try {
    const client = await pool.connect();
    try {
      await applyMigrations(
        async (sql) => void (await client.query(sql)),
        async (sql, params) => (await client.query(sql, params as unknown[])).rows,
      );
    } finally {
      client.release();
    }
  } catch (error) {
    // A refused start (changed migration, unreachable database) must not leave the pool's connections open.
    await pool.end().catch(() => undefined);
    throw error;
  }
  const adapter = new PrismaPg(pool, options.schema ? { schema: options.schema } : undefined);
  const prisma = new PrismaClient({ adapter });
  async function* copyOut(sql: string): AsyncGenerator<Buffer> {
    const client = await pool.connect();
    let finished = false;
    try {
      for await (const chunk of client.query(copyTo(sql))) yield chunk as Buffer;
      finished = true;
    } finally {
      // A COPY abandoned half way (an error, a consumer that stopped) leaves the connection mid-protocol: destroyed.
      client.release(finished ? undefined : true);
    }
  }
  return {
    prisma,
    kind: 'postgres',
    runScript,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    copyOut,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Embedded PostgreSQL (PGlite, WASM) in a local folder: the zero-install default. One process at a time. */
export async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  ownerOnly(dataDir);
  // Loaded only when the embedded database is chosen (PGlite loads WASM). `require`, not `import()`: the adapter is
  // CommonJS and recognises PGlite's errors by `instanceof` against PGlite's CommonJS build, while `import()` (kept
  // as is under `module: node16`) would load PGlite's ES build, a second copy whose errors the adapter would miss.
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const { PrismaPGlite } = require('pglite-prisma-adapter') as typeof import('pglite-prisma-adapter');
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  const runScript: ScriptRunner = async (sql) => {
    await pglite.exec(sql);
  };
  await applyMigrations(runScript, async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as Record<string, unknown>[]);
  ownerOnly(dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'embedded',
    runScript,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
      ownerOnly(dataDir);
    },
  };
}

/**
 * The data folder holds the history's pseudonyms, the WAL and the development keys: owner-only (folders 0700, files
 * 0600). PGlite creates its files 0666 less the umask (world-readable under the usual 022): main.ts sets umask 077
 * for what is written while the server runs, and this fixes what exists at open and at close, including folders
 * made by an earlier version.
 */
export function ownerOnly(root: string): void {
  const pending = [root];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const stats = lstatSync(current, { throwIfNoEntry: false });
    if (!stats || stats.isSymbolicLink()) continue;
    if (stats.isDirectory()) {
      if ((stats.mode & 0o777) !== 0o700) chmodSync(current, 0o700);
      for (const name of readdirSync(current)) pending.push(path.join(current, name));
    } else if ((stats.mode & 0o077) !== 0) {
      chmodSync(current, stats.mode & 0o700);
    }
  }
}

export function openDatabase(config: Config): Promise<Database> {
  return config.database.kind === 'postgres'
    ? openPostgres({ url: config.database.url })
    : openEmbedded(config.database.dataDir);
}
