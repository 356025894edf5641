import { HygieneConfigError } from '../errors';

/**
 * The connector's only door to VICIdial's MySQL/MariaDB. Every statement is timed: VICIdial's tables are MyISAM,
 * where a SELECT holds a table read lock until its last row is sent, so the time of one query bounds how long the
 * dialer's UPDATEs to that table had to wait. The meter keeps the longest one (docs/vicidial.md shows the numbers).
 *
 * mysql2 is loaded lazily: the rest of the plugin works without it, and a dialer host that installed the plugin
 * without it gets a message in Portuguese naming the fix instead of a stack trace.
 */

export type SqlParam = string | number | null;
export type Row = Record<string, unknown>;

export type QueryMeter = { queries: number; totalMs: number; maxMs: number; maxSql: string };

export interface VicidialDb {
  query<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** INSERT / UPDATE / DELETE: the number of rows changed. */
  execute(sql: string, params?: readonly SqlParam[]): Promise<number>;
  readonly meter: QueryMeter;
  close(): Promise<void>;
}

type Mysql2Pool = {
  query(options: { sql: string; values?: readonly SqlParam[] }): Promise<[unknown, unknown]>;
  end(): Promise<void>;
};
type Mysql2 = { createPool(options: Record<string, unknown>): Mysql2Pool };

function loadMysql2(): Mysql2 {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('mysql2/promise') as Mysql2;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new HygieneConfigError('o conector VICIdial precisa do pacote "mysql2", que não está instalado; instale com: npm install mysql2');
  }
}

/** Opens a small pool on a mysql:// URL. Dates come back as the strings VICIdial stored (no time-zone guessing). */
export function openVicidialDb(url: string, label = 'mysql'): VicidialDb {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HygieneConfigError(`${label}: URL inválida; use mysql://usuario:senha@host:3306/asterisk`);
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') throw new HygieneConfigError(`${label}: a URL deve começar com mysql:// (recebido "${parsed.protocol}")`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new HygieneConfigError(`${label}: a URL precisa do nome do banco, ex.: mysql://usuario:senha@host:3306/asterisk`);
  const pool = loadMysql2().createPool({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
    connectionLimit: 2,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  });
  const meter: QueryMeter = { queries: 0, totalMs: 0, maxMs: 0, maxSql: '' };
  const timed = async (sql: string, params: readonly SqlParam[] | undefined): Promise<unknown> => {
    const started = process.hrtime.bigint();
    const [result] = await pool.query({ sql, values: params ?? [] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    meter.queries++;
    meter.totalMs += ms;
    if (ms > meter.maxMs) {
      meter.maxMs = ms;
      meter.maxSql = sql.replace(/\s+/g, ' ').slice(0, 120);
    }
    return result;
  };
  return {
    meter,
    query: async <T extends Row>(sql: string, params?: readonly SqlParam[]) => (await timed(sql, params)) as T[],
    execute: async (sql: string, params?: readonly SqlParam[]) => ((await timed(sql, params)) as { affectedRows: number }).affectedRows,
    close: () => pool.end(),
  };
}

/** `?, ?, ?` for an IN list. */
export const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** Splits a list into chunks (keyed look-ups stay small statements). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
