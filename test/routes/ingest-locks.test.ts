import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { holdRows } from '../support/locks';

/**
 * The locks one outcome batch holds while another batch of the same tenant runs. Every batch of a tenant writes the
 * same counter rows (tabulation usage, the short-call meter's day, the campaign's tally); a batch that took them
 * before the shared history held them through its whole transaction, so each batch of the tenant waited for the
 * previous one's history work, and a tenant's dialers were served one batch at a time (docs/performance.md, "Ingest:
 * a tenant's counters locked last").
 */
describe('ingest locks', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
    await tenant.campaign('locks', true);
  });
  afterAll(() => server.stop());

  const send = (outcomes: unknown[]) =>
    server
      .api()
      .post('/v1/outcomes')
      .set('authorization', tenant.auth('dialer'))
      .send({ outcomes })
      .then((response) => response);

  test(
    'when a batch waits for a number another transaction holds, then a second batch of the same tenant with the same ' +
      'code and campaign commits meanwhile, and each call is counted once',
    async () => {
      const mark = (callId: string, phone: string) => ({ callId, campaignId: 'locks', phone, code: 'sip:404', call: { accessCode: '0800 123 4567' } });
      const first = await send([mark('seed-1', '11987650001')]);
      expect(first.body.accepted).toBe(1);
      const [row] = await server.db.prisma.$queryRawUnsafe<{ p: string }[]>('SELECT pseudonym::text AS p FROM number_history');
      expect(row).toBeDefined();

      // Another transaction holds the number's history row, as a long batch on the same number would.
      const hold = await holdRows(server, 'SELECT 1 FROM number_history WHERE pseudonym = $1::bigint FOR UPDATE', [row!.p]);
      try {
        let waitingSettled = false;
        const waiting = send([mark('wait-1', '11987650001')]).finally(() => {
          waitingSettled = true;
        });
        await hold.waitedOn('the first batch to wait for the held history row');

        const timedOut = Symbol('timed out');
        const other = await Promise.race([
          send([mark('other-1', '11987650002'), mark('other-2', '11987650003')]),
          new Promise<typeof timedOut>((resolve) => setTimeout(() => resolve(timedOut), 30_000).unref()),
        ]);
        // Without the counters last, this batch waited on the first one's counter rows until the holder let go.
        expect(other).not.toBe(timedOut);
        if (other === timedOut) return;
        expect(other.status).toBe(200);
        expect(other.body.accepted).toBe(2);
        expect(waitingSettled).toBe(false);

        await hold.release();
        const waited = await waiting;
        expect(waited.status).toBe(200);
        expect(waited.body.accepted).toBe(1);
      } finally {
        await hold.release();
      }

      // Every call counted once: the usage, the campaign's tally, the short-call meter's day and the history.
      const usage = await server.services.tabulations.usage(tenant.id, 1);
      expect(usage.usage).toEqual([{ code: 'sip:404', calls: 4 }]);
      const [tally] = await server.db.prisma.$queryRawUnsafe<{ invalid: number }[]>(
        'SELECT reported_invalid::int AS invalid FROM campaigns WHERE tenant_id = $1::uuid',
        tenant.id,
      );
      expect(tally!.invalid).toBe(4);
      const [meter] = await server.db.prisma.$queryRawUnsafe<{ calls: number }[]>(
        'SELECT sum(calls)::int AS calls FROM compliance_daily WHERE tenant_id = $1::uuid',
        tenant.id,
      );
      expect(meter!.calls).toBe(4);
      const [history] = await server.db.prisma.$queryRawUnsafe<{ reports: number }[]>('SELECT sum(invalid_reports)::int AS reports FROM number_history');
      expect(history!.reports).toBe(4);
    },
    90_000,
  );
});
