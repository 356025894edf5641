import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { getDMMF } from '@prisma/internals';
import { Pool, type PoolClient } from 'pg';
import { openPostgres, type Database } from '../../server/db/database';
import { applyMigrations, migrationsDir, readMigrations } from '../../server/db/migrate';
import { dropSchema, testDatabaseUrl, uniqueId } from '../support/harness';

/**
 * Issue 2, "a test proves that the migrated database matches schema.prisma". The SQL migrations are written by
 * hand (the schema engine cannot be downloaded here), so this reads the schema with getDMMF (WASM, no engine) and
 * compares it, line by line, with the catalog of a freshly migrated PostgreSQL schema: tables, columns (native
 * type, nullability, default), primary keys, unique and plain indexes, foreign keys (on delete / on update), enums.
 */
type Dmmf = Awaited<ReturnType<typeof getDMMF>>;
type Model = Dmmf['datamodel']['models'][number];
type Field = Model['fields'][number];

const SCHEMA_FILE = path.join(__dirname, '../../prisma/schema.prisma');
const schemaText = readFileSync(SCHEMA_FILE, 'utf8');

const tableOf = (model: Model) => model.dbName ?? model.name;
const columnOf = (field: Field) => field.dbName ?? field.name;

/** PostgreSQL's format_type() of a Prisma scalar with its @db native type. */
function pgType(field: Field, enumNames: Map<string, string>): string {
  if (field.isList) throw new Error(`list field ${field.name}: extend this test`);
  if (field.kind === 'enum') return `"${enumNames.get(field.type) ?? field.type}"`;
  const [native, args = []] = (field.nativeType ?? [null, []]) as [string | null, string[]];
  switch (`${field.type}:${native ?? ''}`) {
    case 'String:': return 'text';
    case 'String:Uuid': return 'uuid';
    case 'String:VarChar': return `character varying(${args[0]})`;
    case 'Int:': return 'integer';
    case 'Int:SmallInt': return 'smallint';
    case 'BigInt:': return 'bigint';
    case 'Boolean:': return 'boolean';
    case 'Float:': return 'double precision';
    case 'Json:': return 'jsonb';
    case 'Bytes:': return 'bytea';
    case 'DateTime:': return 'timestamp(3) without time zone';
    case 'DateTime:Timestamptz': return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'DateTime:Timestamp': return `timestamp(${args[0] ?? 6}) without time zone`;
    case 'DateTime:Date': return 'date';
    default: throw new Error(`${field.type} @db.${native}: extend this test`);
  }
}

/** pg_get_expr() of the column default Prisma's migrations create; uuid()/cuid() are client-side (no default). */
function pgDefault(table: string, field: Field, enumNames: Map<string, string>): string | null {
  if (!field.hasDefaultValue || field.default === undefined) return null;
  const value = field.default as unknown;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    const name = (value as { name: string }).name;
    if (name === 'now') return 'CURRENT_TIMESTAMP';
    if (name === 'autoincrement') return `nextval('${table}_${columnOf(field)}_seq'::regclass)`;
    if (name === 'uuid' || name === 'cuid' || name === 'nanoid' || name === 'ulid') return null;
    throw new Error(`default ${name}(): extend this test`);
  }
  if (field.kind === 'enum') return `'${String(value)}'::"${enumNames.get(field.type) ?? field.type}"`;
  // Numbers come as numbers, BigInt defaults as strings ("0"); only text defaults are quoted.
  if (typeof value === 'string' && field.type === 'String') return `'${value}'::text`;
  return String(value);
}

/** Canonical description of what schema.prisma asks for, one fact per line. */
function expectedFacts(dmmf: Dmmf): string[] {
  const facts: string[] = [];
  const enumNames = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const models = new Map(dmmf.datamodel.models.map((model) => [model.name, model]));
  for (const e of dmmf.datamodel.enums) facts.push(`enum "${e.dbName ?? e.name}" (${e.values.map((v) => v.dbName ?? v.name).join(', ')})`);
  for (const model of dmmf.datamodel.models) {
    const table = tableOf(model);
    facts.push(`table ${table}`);
    const byName = new Map(model.fields.map((field) => [field.name, field]));
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (!field.relationFromFields?.length) continue;
        const target = models.get(field.type)!;
        const targetFields = new Map(target.fields.map((f) => [f.name, f]));
        const from = field.relationFromFields.map((name) => columnOf(byName.get(name)!));
        const to = (field.relationToFields ?? []).map((name) => columnOf(targetFields.get(name)!));
        const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
        const onUpdate = (field as Field & { relationOnUpdate?: string }).relationOnUpdate ?? 'Cascade';
        facts.push(`fk ${table}_${from.join('_')}_fkey ${table}(${from.join(', ')}) -> ${tableOf(target)}(${to.join(', ')}) on delete ${onDelete} on update ${onUpdate}`);
        continue;
      }
      const nullability = field.isRequired ? 'NOT NULL' : 'NULL';
      facts.push(`column ${table}.${columnOf(field)} ${pgType(field, enumNames)} ${nullability} default ${pgDefault(table, field, enumNames) ?? 'none'}`);
    }
  }
  for (const index of dmmf.datamodel.indexes) {
    const model = models.get(index.model)!;
    const table = tableOf(model);
    const byName = new Map(model.fields.map((field) => [field.name, field]));
    const columns = index.fields.map((f) => columnOf(byName.get(f.name)!) + (f.sortOrder === 'desc' ? ' DESC' : ''));
    const plain = index.fields.map((f) => columnOf(byName.get(f.name)!)).join('_');
    const dbName = (index as { dbName?: string | null }).dbName;
    if (index.type === 'id') facts.push(`primary key ${dbName ?? `${table}_pkey`} ${table}(${columns.join(', ')})`);
    else if (index.type === 'unique') facts.push(`unique index ${dbName ?? `${table}_${plain}_key`} ${table}(${columns.join(', ')})`);
    else if (index.type === 'normal') facts.push(`index ${dbName ?? `${table}_${plain}_idx`} ${table}(${columns.join(', ')})`);
    else throw new Error(`index type ${index.type}: extend this test`);
  }
  return facts.sort();
}

const ON_ACTION: Record<string, string> = { a: 'NoAction', r: 'Restrict', c: 'Cascade', n: 'SetNull', d: 'SetDefault' };

/** The same facts read from pg_catalog for one schema. */
async function actualFacts(client: PoolClient, schema: string): Promise<string[]> {
  const facts: string[] = [];
  const q = async <T extends Record<string, unknown>>(sql: string) => (await client.query<T>(sql, [schema])).rows;
  const enums = await q<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE n.nspname = $1 GROUP BY t.typname`,
  );
  for (const e of enums) facts.push(`enum "${e.name}" (${e.labels.join(', ')})`);
  const relations = `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'`;
  for (const t of await q<{ name: string }>(`SELECT c.relname AS name FROM pg_class c WHERE c.oid IN (${relations})`)) facts.push(`table ${t.name}`);
  const columns = await q<{ tbl: string; col: string; type: string; notnull: boolean; def: string | null }>(
    `SELECT c.relname AS tbl, a.attname AS col, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid IN (${relations}) AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  for (const c of columns) facts.push(`column ${c.tbl}.${c.col} ${c.type} ${c.notnull ? 'NOT NULL' : 'NULL'} default ${c.def ?? 'none'}`);
  const indexes = await q<{ tbl: string; name: string; primary: boolean; unique: boolean; cols: string[]; constraint_type: string | null }>(
    `SELECT t.relname AS tbl, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique,
            array(SELECT pg_get_indexdef(x.indexrelid, k + 1, true) || CASE WHEN x.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END
                  FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k) AS cols,
            (SELECT con.contype::text FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('u')) AS constraint_type
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     WHERE x.indrelid IN (${relations})`,
  );
  for (const i of indexes) {
    const kind = i.primary ? 'primary key' : i.unique ? (i.constraint_type ? 'unique constraint' : 'unique index') : 'index';
    facts.push(`${kind} ${i.name} ${i.tbl}(${i.cols.join(', ')})`);
  }
  const fks = await q<{ name: string; tbl: string; cols: string[]; ref: string; refcols: string[]; del: string; upd: string }>(
    `SELECT con.conname AS name, t.relname AS tbl, r.relname AS ref, con.confdeltype AS del, con.confupdtype AS upd,
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols,
            array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS refcols
     FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
     WHERE con.contype = 'f' AND con.conrelid IN (${relations})`,
  );
  for (const f of fks) facts.push(`fk ${f.name} ${f.tbl}(${f.cols.join(', ')}) -> ${f.ref}(${f.refcols.join(', ')}) on delete ${ON_ACTION[f.del]} on update ${ON_ACTION[f.upd]}`);
  return facts.sort();
}

/** What the schema asks for and the database lacks, and what the database has beyond it. */
function compare(expected: readonly string[], actual: readonly string[]) {
  return { missingInDatabase: expected.filter((fact) => !actual.includes(fact)), notInSchema: actual.filter((fact) => !expected.includes(fact)) };
}

describe('the migrated database matches prisma/schema.prisma', () => {
  const schema = uniqueId('schema_check');
  let db: Database;
  let pool: Pool;
  let client: PoolClient;
  let dmmf: Dmmf;

  beforeAll(async () => {
    db = await openPostgres({ url: testDatabaseUrl, schema, poolSize: 2 });
    pool = new Pool({ connectionString: testDatabaseUrl, max: 2, options: `-c search_path="${schema}"` });
    client = await pool.connect();
    dmmf = await getDMMF({ datamodel: schemaText });
  });

  afterAll(async () => {
    client?.release();
    await pool?.end();
    await db?.close();
    await dropSchema(schema);
  });

  it('when the schema is read with getDMMF, then it works offline (WASM) and sees every model', () => {
    expect(dmmf.datamodel.models.map((model) => model.dbName)).toEqual(
      expect.arrayContaining(['tenants', 'admin_users', 'dialer_keys', 'campaigns', 'campaign_events', 'tabulation_codes', 'mailings', 'number_history', 'number_evidence', 'trust_sources', 'audit_events', 'call_receipts']),
    );
  });

  it('when the migrations are applied to an empty schema, then tables, columns, types, defaults, keys, indexes, foreign keys and enums are exactly those of schema.prisma', async () => {
    const expected = expectedFacts(dmmf);
    const actual = await actualFacts(client, schema);
    expect(compare(expected, actual)).toEqual({ missingInDatabase: [], notInSchema: [] });
    // Not vacuous: the comparison covered every kind of fact.
    for (const kind of ['enum ', 'table ', 'column ', 'primary key ', 'unique index ', 'index ', 'fk ']) {
      expect(expected.filter((fact) => fact.startsWith(kind)).length).toBeGreaterThan(0);
    }
    expect(expected).toContain('fk mailings_campaign_id_fkey mailings(campaign_id) -> campaigns(id) on delete Cascade on update Cascade');
    expect(expected).toContain('column campaign_events.id bigint NOT NULL default nextval(\'campaign_events_id_seq\'::regclass)');
  });

  it('when schema.prisma gains a column, an index or a different onDelete that the migration lacks, then the comparison reports each', async () => {
    const actual = await actualFacts(client, schema);
    const withColumn = schemaText.replace('  slug      String   @unique\n', '  slug      String   @unique\n  region    String?  @db.VarChar(2)\n');
    const withIndex = schemaText.replace('  @@index([tenantId])\n  @@map("admin_users")', '  @@index([tenantId])\n  @@index([name])\n  @@map("admin_users")');
    const withRestrict = schemaText.replace(
      '  tenant Tenant @relation(fields: [tenantId], references: [id], onDelete: Cascade)\n\n  @@index([tenantId])\n  @@map("admin_users")',
      '  tenant Tenant @relation(fields: [tenantId], references: [id], onDelete: Restrict)\n\n  @@index([tenantId])\n  @@map("admin_users")',
    );
    const withoutDefault = schemaText.replace('hygieneEnabled   Boolean   @default(false)', 'hygieneEnabled   Boolean  ');
    for (const mutated of [withColumn, withIndex, withRestrict, withoutDefault]) expect(mutated).not.toBe(schemaText);

    expect(compare(expectedFacts(await getDMMF({ datamodel: withColumn })), actual).missingInDatabase).toEqual(['column tenants.region character varying(2) NULL default none']);
    expect(compare(expectedFacts(await getDMMF({ datamodel: withIndex })), actual).missingInDatabase).toEqual(['index admin_users_name_idx admin_users(name)']);
    expect(compare(expectedFacts(await getDMMF({ datamodel: withRestrict })), actual)).toEqual({
      missingInDatabase: ['fk admin_users_tenant_id_fkey admin_users(tenant_id) -> tenants(id) on delete Restrict on update Cascade'],
      notInSchema: ['fk admin_users_tenant_id_fkey admin_users(tenant_id) -> tenants(id) on delete Cascade on update Cascade'],
    });
    expect(compare(expectedFacts(await getDMMF({ datamodel: withoutDefault })), actual).notInSchema).toEqual(['column campaigns.hygiene_enabled boolean NOT NULL default false']);
  });

  it('when the database drifts from the migration (a nullability or a dropped index), then the comparison reports it', async () => {
    const drifted = uniqueId('schema_drift');
    const other = await openPostgres({ url: testDatabaseUrl, schema: drifted, poolSize: 1 });
    const driftPool = new Pool({ connectionString: testDatabaseUrl, max: 1, options: `-c search_path="${drifted}"` });
    const driftClient = await driftPool.connect();
    try {
      await driftClient.query('ALTER TABLE tenants ALTER COLUMN name DROP NOT NULL; DROP INDEX call_receipts_received_at_idx');
      expect(compare(expectedFacts(dmmf), await actualFacts(driftClient, drifted))).toEqual({
        missingInDatabase: ['column tenants.name text NOT NULL default none', 'index call_receipts_received_at_idx call_receipts(received_at)'],
        notInSchema: ['column tenants.name text NULL default none'],
      });
    } finally {
      driftClient.release();
      await driftPool.end();
      await other.close();
      await dropSchema(drifted);
    }
  });

  describe('migration bookkeeping (server/db/migrate.ts)', () => {
    const run = (sql: string) => client.query(sql).then(() => undefined);
    const query = async (sql: string, params?: readonly unknown[]) => (await client.query(sql, params as unknown[])).rows as Record<string, unknown>[];

    it('when migrations are applied, then _prisma_migrations records each folder with the sha256 of its SQL, like prisma migrate deploy', async () => {
      const rows = await query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name');
      const onDisk = readMigrations(migrationsDir());
      expect(onDisk.length).toBeGreaterThan(0);
      expect(rows).toEqual(
        onDisk.map((migration) => ({
          migration_name: migration.name,
          checksum: createHash('sha256').update(readFileSync(path.join(migrationsDir(), migration.name, 'migration.sql'))).digest('hex'),
          finished_at: expect.any(Date),
          applied_steps_count: 1,
        })),
      );
    });

    it('when migrations are applied a second time, then nothing is applied and nothing changes', async () => {
      const before = await actualFacts(client, schema);
      const rowsBefore = await query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
      expect(await applyMigrations(run, query)).toEqual([]);
      expect(await query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).toEqual(rowsBefore);
      expect(await actualFacts(client, schema)).toEqual(before);
      // Opening the database again (what every server start does) is a no-op too.
      const again = await openPostgres({ url: testDatabaseUrl, schema, poolSize: 1 });
      await again.close();
      expect(await query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).toEqual(rowsBefore);
    });

    it('when an applied migration was changed afterwards, then applying refuses with its name and the server does not start', async () => {
      const [first] = readMigrations(migrationsDir());
      const original = (await query('SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1', [first!.name]))[0]!.checksum as string;
      await query('UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2', ['0'.repeat(64), first!.name]);
      try {
        await expect(applyMigrations(run, query)).rejects.toThrow(`migration ${first!.name} was changed after it was applied (checksum differs)`);
        await expect(openPostgres({ url: testDatabaseUrl, schema, poolSize: 1 })).rejects.toThrow(/was changed after it was applied/);
      } finally {
        await query('UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2', [original, first!.name]);
      }
      // The refusal released the advisory lock: the next start goes through.
      expect(await applyMigrations(run, query)).toEqual([]);
    });
  });
});
