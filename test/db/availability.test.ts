import { createServer, type Socket } from 'node:net';
import { Pool } from 'pg';
import { isDatabaseUnavailable } from '../../server/db/availability';
import { testDatabaseUrl } from '../support/harness';
import { freePort } from '../support/processes';

/**
 * The classifier decides between 503 (retry later) and 500 (a bug): a false "unavailable" would hide bugs behind
 * retries, a missed one floods the log with stacks. Real errors from pg where they are cheap to provoke; the
 * outage forms through Prisma are met live in test/faults/postgres-outage.test.ts.
 */
describe('database unavailability', () => {
  const caught = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      return error;
    }
    throw new Error('expected an error');
  };

  it('when the session is terminated, the port refuses or the pool times out, then the error means unavailable', async () => {
    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    pool.on('error', () => undefined);
    const refusedPool = new Pool({ host: '127.0.0.1', port: await freePort(), user: 'postgres', max: 1 });
    // A listener that never answers (a hung server): connecting waits until the pool's timeout.
    const held = new Set<Socket>();
    const hung = createServer((socket) => void held.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const hungPort = (hung.address() as { port: number }).port;
    const silent = new Pool({ host: '127.0.0.1', port: hungPort, user: 'postgres', max: 1, connectionTimeoutMillis: 200 });
    try {
      expect(isDatabaseUnavailable(await caught(() => pool.query('SELECT pg_terminate_backend(pg_backend_pid())')))).toBe(true);
      expect(isDatabaseUnavailable(await caught(() => refusedPool.query('SELECT 1')))).toBe(true);
      expect(isDatabaseUnavailable(await caught(() => silent.query('SELECT 1')))).toBe(true);
    } finally {
      await Promise.all([pool.end(), refusedPool.end(), silent.end()]);
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('when a query is wrong, violates a constraint or is cancelled, then the error does not mean unavailable', async () => {
    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    try {
      expect(isDatabaseUnavailable(await caught(() => pool.query('SELEC 1')))).toBe(false);
      expect(isDatabaseUnavailable(await caught(() => pool.query('SELECT 1/0')))).toBe(false);
      expect(isDatabaseUnavailable(await caught(() => pool.query("SET statement_timeout = 1; SELECT pg_sleep(1)")))).toBe(false);
    } finally {
      await pool.end();
    }
    // The shapes Prisma gives the same errors (see the head of server/db/availability.ts).
    expect(isDatabaseUnavailable({ code: 'P2002', meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation' } } } })).toBe(false);
    expect(isDatabaseUnavailable({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57014', originalCode: '57014' } } } })).toBe(false);
    expect(isDatabaseUnavailable({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P03', originalCode: '57P03' } } } })).toBe(true);
    expect(isDatabaseUnavailable({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'TooManyConnections' } } } })).toBe(true);
  });
});
