import { Client } from 'pg';
import { testDatabaseUrl, type TestServer } from './harness';
import { eventually } from './eventually';

/**
 * Holds rows locked from a connection of its own: `lockSql` (a `SELECT … FOR UPDATE`) runs in a transaction left open
 * until `release()`. A batch that needs those rows then waits on them, uncommitted, for as long as a test wants: a
 * transaction held open deterministically, not by a sleep that merely makes the race likely.
 */
export async function holdRows(server: TestServer, lockSql: string, params: readonly unknown[]) {
  const client = new Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`SET search_path TO "${server.schema}"`);
  await client.query('BEGIN');
  await client.query(lockSql, [...params]);
  let released = false;
  return {
    /** Resolves once some transaction waits on the held rows. */
    async waitedOn(what: string): Promise<void> {
      await eventually(async () => {
        // Any backend blocked by this connection's lock.
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_blocking_pids(pid) @> ARRAY[pg_backend_pid()]`);
        return rows[0].n > 0;
      }, what);
    },
    /** Commits the holding transaction; a second call does nothing. */
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await client.query('COMMIT');
      await client.end();
    },
  };
}
