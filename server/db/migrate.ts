import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export type ScriptRunner = (sql: string) => Promise<void>;
export type RowQuery = (sql: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** prisma/migrations, found from the source tree and from dist/ alike. */
export function migrationsDir(): string {
  for (const candidate of [path.resolve(__dirname, '../../prisma/migrations'), path.resolve(__dirname, '../../../prisma/migrations')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('prisma/migrations not found');
}

export type Migration = { name: string; sql: string; checksum: string };

export function readMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** A quoted SQL literal; the values inlined here are hex, a UUID and a folder name. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Transaction control of a migration's own would commit its changes apart from its record. Looked for outside
 * dollar-quoted bodies and comments, where a PL/pgSQL function's BEGIN … END; is not a transaction.
 */
const TRANSACTION_CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)(\s+(WORK|TRANSACTION))?\s*;/im;
const controlsItsTransaction = (sql: string) =>
  TRANSACTION_CONTROL.test(sql.replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, "''").replace(/--[^\n]*/g, ''));

/**
 * Applies pending migrations the way `prisma migrate deploy` does, recording them in the same
 * `_prisma_migrations` table (same columns, sha256 checksums), so either tool can take over a database.
 * Each migration's SQL and the INSERT of its row run as one script inside one transaction: a crash or an error
 * anywhere leaves neither its changes nor its row (prisma itself writes the row first and leaves a failed one
 * behind, to be resolved by hand). So a migration must be transactional (no CREATE INDEX CONCURRENTLY).
 * An advisory lock lets several instances start at once; a changed, already-applied migration stops start-up.
 * `dir` is prisma/migrations unless a test gives another folder.
 */
export async function applyMigrations(runScript: ScriptRunner, query: RowQuery, dir = migrationsDir()): Promise<string[]> {
  // The lock comes before the CREATE TABLE: two instances starting at once on a new database both ran
  // CREATE TABLE IF NOT EXISTS, and one failed on pg_type's unique index (seen in test/deploy/smoke.test.ts).
  await query('SELECT pg_advisory_lock(727274)');
  try {
    await runScript(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    return await applyPending(runScript, query, dir);
  } finally {
    await query('SELECT pg_advisory_unlock(727274)');
  }
}

/** The pending migrations, in order, each in one transaction with its record; the caller holds the advisory lock. */
async function applyPending(runScript: ScriptRunner, query: RowQuery, dir: string): Promise<string[]> {
  const applied: string[] = [];
  const rows = await query('SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
  const done = new Map(rows.map((row) => [String(row.migration_name), String(row.checksum)]));
  for (const migration of readMigrations(dir)) {
    const checksum = done.get(migration.name);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new Error(`migration ${migration.name} was changed after it was applied (checksum differs)`);
      }
      continue;
    }
    if (controlsItsTransaction(migration.sql)) {
      throw new Error(`migration ${migration.name} controls its own transaction (BEGIN/COMMIT); remove that: each migration runs in one transaction with its record`);
    }
    // One simple-protocol script (parameters are not allowed in one): the row's values are inlined as literals.
    const record =
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) ' +
      `VALUES (${literal(randomUUID())}, ${literal(migration.checksum)}, ${literal(migration.name)}, now(), clock_timestamp(), 1)`;
    await runScript(`BEGIN;\n${migration.sql}\n;\n${record};\nCOMMIT;`).catch(async (error: unknown) => {
      await runScript('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
    });
    applied.push(migration.name);
  }
  return applied;
}
