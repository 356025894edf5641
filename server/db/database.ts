import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { PrismaClient } from '../generated/prisma/client';
import type { Config } from '../config';
import { applyMigrations, type ScriptRunner } from './migrate';
import type { PoolStats } from '../infra/metrics';

export type Prisma = PrismaClient;

export type Database = {
  prisma: PrismaClient;
  kind: 'postgres' | 'embedded';
  /** Runs a multi-statement script outside Prisma (migrations, test set-up). */
  runScript: ScriptRunner;
  /** The connection pool's counts for /metrics; absent on the embedded database (one in-process connection). */
  poolStats?: () => PoolStats;
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
  return {
    prisma,
    kind: 'postgres',
    runScript,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** Embedded PostgreSQL (PGlite, WASM) in a local folder: the zero-install default. One process at a time. */
export async function openEmbedded(dataDir: string): Promise<Database> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  // PGlite and its adapter ship as ES modules that load WASM lazily, hence the dynamic imports.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  const runScript: ScriptRunner = async (sql) => {
    await pglite.exec(sql);
  };
  await applyMigrations(runScript, async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as Record<string, unknown>[]);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'embedded',
    runScript,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export function openDatabase(config: Config): Promise<Database> {
  return config.database.kind === 'postgres'
    ? openPostgres({ url: config.database.url })
    : openEmbedded(config.database.dataDir);
}
