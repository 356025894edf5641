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

/**
 * Applies pending migrations the way `prisma migrate deploy` does, recording them in the same
 * `_prisma_migrations` table (same columns, sha256 checksums), so either tool can take over a database.
 * An advisory lock lets several instances start at once; a changed, already-applied migration stops start-up.
 */
export async function applyMigrations(runScript: ScriptRunner, query: RowQuery): Promise<string[]> {
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
  const applied: string[] = [];
  await query('SELECT pg_advisory_lock(727274)');
  try {
    const rows = await query('SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
    const done = new Map(rows.map((row) => [String(row.migration_name), String(row.checksum)]));
    for (const migration of readMigrations()) {
      const checksum = done.get(migration.name);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied (checksum differs)`);
        }
        continue;
      }
      await runScript(`BEGIN;\n${migration.sql}\n;COMMIT;`).catch(async (error: unknown) => {
        await runScript('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      });
      await query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)',
        [randomUUID(), migration.checksum, migration.name],
      );
      applied.push(migration.name);
    }
  } finally {
    await query('SELECT pg_advisory_unlock(727274)');
  }
  return applied;
}
