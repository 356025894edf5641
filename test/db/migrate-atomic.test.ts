import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { applyMigrations, migrationsDir, readMigrations } from '../../server/db/migrate';
import { dropSchema, testDatabaseUrl, uniqueId } from '../support/harness';

/**
 * Issue 11: each migration is recorded in the transaction that applies it. Every test runs the project's
 * migrations from a temporary copy of prisma/migrations, plus a deliberately broken last one, on a fresh schema.
 */
describe('migrations are recorded in the transaction that applies them', () => {
  const folders: string[] = [];
  const schemas: string[] = [];
  const pools: Pool[] = [];

  /** A copy of prisma/migrations with one extra migration (named to sort last) holding `sql`. */
  function migrationsWith(name: string, sql: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'hyg-migrations-'));
    folders.push(dir);
    cpSync(migrationsDir(), dir, { recursive: true });
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
    return dir;
  }

  async function freshSchema(): Promise<{ client: PoolClient; run: (sql: string) => Promise<void>; query: (sql: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]> }> {
    const schema = uniqueId('migrate_atomic');
    schemas.push(schema);
    const admin = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.end();
    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1, options: `-c search_path="${schema}"` });
    pools.push(pool);
    const client = await pool.connect();
    return {
      client,
      run: async (sql) => void (await client.query(sql)),
      query: async (sql, params) => (await client.query(sql, params as unknown[])).rows as Record<string, unknown>[],
    };
  }

  const tableExists = async (query: (sql: string, params?: readonly unknown[]) => Promise<Record<string, unknown>[]>, table: string) =>
    (await query('SELECT to_regclass($1) IS NOT NULL AS present', [table]))[0]!.present as boolean;
  const recorded = async (query: (sql: string) => Promise<Record<string, unknown>[]>) =>
    (await query('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name')).map((row) => row.migration_name as string);

  afterAll(async () => {
    for (const pool of pools) await pool.end().catch(() => undefined);
    for (const schema of schemas) await dropSchema(schema);
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('when a migration fails halfway, then neither its first statements nor its row remain, and the earlier ones are applied and recorded', async () => {
    const dir = migrationsWith('99990101000000_broken', 'CREATE TABLE probe_half (id integer);\nINSERT INTO probe_half VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n');
    const { client, run, query } = await freshSchema();
    try {
      await expect(applyMigrations(run, query, dir)).rejects.toThrow(/migration 99990101000000_broken failed: .*no_such_table/);
      expect(await tableExists(query, 'probe_half')).toBe(false);
      const projectMigrations = readMigrations(migrationsDir()).map((migration) => migration.name);
      expect(projectMigrations.length).toBeGreaterThan(0);
      expect(await recorded(query)).toEqual(projectMigrations);
      expect(await tableExists(query, 'tenants')).toBe(true);
      // The session is usable again (the failed transaction was rolled back) and the lock released.
      expect(await applyMigrations(run, query)).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('when recording a migration fails after its SQL ran, then its changes are rolled back with the record (no applied-but-unrecorded migration)', async () => {
    // The migration's SQL succeeds, then makes its own record fail: with the SQL and the INSERT in two transactions,
    // probe_applied would stay while the migration stays unrecorded, and the next start would apply it again.
    const sql = [
      'CREATE TABLE probe_applied (id integer);',
      "CREATE FUNCTION refuse_record() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'recording refused';\nEND;\n$$;",
      'CREATE TRIGGER refuse_record BEFORE INSERT ON "_prisma_migrations" FOR EACH ROW EXECUTE FUNCTION refuse_record();',
      '',
    ].join('\n');
    const dir = migrationsWith('99990102000000_unrecordable', sql);
    const { client, run, query } = await freshSchema();
    try {
      await expect(applyMigrations(run, query, dir)).rejects.toThrow(/migration 99990102000000_unrecordable failed: recording refused/);
      expect(await tableExists(query, 'probe_applied')).toBe(false);
      expect(await recorded(query)).not.toContain('99990102000000_unrecordable');
      expect((await query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname = 'refuse_record'"))[0]!.n).toBe(0);
    } finally {
      client.release();
    }
  });

  it('when a migration holds its own COMMIT, then it is refused before anything of it runs', async () => {
    const dir = migrationsWith('99990103000000_own_commit', 'CREATE TABLE probe_commit (id integer);\nCOMMIT;\nCREATE TABLE probe_after (id integer);\n');
    const { client, run, query } = await freshSchema();
    try {
      await expect(applyMigrations(run, query, dir)).rejects.toThrow(/99990103000000_own_commit controls its own transaction/);
      expect(await tableExists(query, 'probe_commit')).toBe(false);
      expect(await recorded(query)).not.toContain('99990103000000_own_commit');
    } finally {
      client.release();
    }
  });
});
