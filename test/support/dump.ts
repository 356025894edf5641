import { Pool } from 'pg';
import { parsePhone } from '../../server/domain/phone';
import { testDatabaseUrl } from './harness';

export type Cell = { table: string; column: string; value: string };

/**
 * Every value of every column of every table of a schema, cast to text. Tables and columns come from
 * information_schema, so a table or column added later is dumped too without touching this code.
 */
export async function dumpSchema(schema: string): Promise<{ tables: Map<string, number>; cells: Cell[] }> {
  const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
  try {
    const columns = await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
      [schema],
    );
    const byTable = new Map<string, string[]>();
    for (const row of columns.rows) byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row.column_name]);
    const tables = new Map<string, number>();
    const cells: Cell[] = [];
    for (const [table, names] of byTable) {
      const select = names.map((name, i) => `"${name}"::text AS c${i}`).join(', ');
      const rows = await pool.query<Record<string, string | null>>(`SELECT ${select} FROM "${schema}"."${table}"`);
      tables.set(table, rows.rowCount ?? 0);
      for (const row of rows.rows) {
        names.forEach((name, i) => {
          const value = row[`c${i}`];
          if (value !== null && value !== undefined) cells.push({ table, column: name, value });
        });
      }
    }
    return { tables, cells };
  } finally {
    await pool.end();
  }
}

/** The digit spellings of a Brazilian number: E.164, national (DDD + subscriber), subscriber, and a mobile's last 8. */
export function digitSpellings(phone: string): string[] {
  const parsed = parsePhone(phone);
  if (!parsed.ok) throw new Error(`test phone ${phone} does not parse: ${parsed.message}`);
  const e164 = String(parsed.digits);
  const national = e164.slice(2);
  const subscriber = national.slice(2);
  return [...new Set([e164, national, `0${national}`, subscriber, subscriber.slice(-8)])];
}

/** Where any spelling of any of the phones appears, in a cell's text or in its digits alone ("98765-4321"). */
export function findPhones(cells: readonly { value: string; where: string }[], phones: readonly string[]): string[] {
  const needles = phones.flatMap((phone) => digitSpellings(phone).map((spelling) => ({ phone, spelling })));
  const hits: string[] = [];
  for (const cell of cells) {
    const digitsOnly = cell.value.replace(/\D/g, '');
    for (const { phone, spelling } of needles) {
      if (cell.value.includes(spelling) || digitsOnly.includes(spelling)) hits.push(`${cell.where}: "${spelling}" of ${phone}`);
    }
  }
  return hits;
}
