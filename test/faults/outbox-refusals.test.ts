import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient, Outbox } from '../../plugin/src/index';
import type { LogFn } from '../../plugin/src/logger';
import { buildTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { recordFault } from '../support/reliability';
import { expectedCounters, outcomeFor } from '../plugin/fixtures/outcomes';
import { CountingProxy } from './counting-proxy';
import { eventually } from '../support/eventually';

/**
 * Failures that will not pass by themselves. A revoked key: the outbox must stop knocking (one refused request,
 * not a loop), say so loudly (log and the status another process reads), keep every outcome, and deliver them
 * once a client with a valid key takes the directory over. A local failure that repeats after each send: the
 * outbox must back off rather than re-send every flush interval.
 */


describe('outbox delivery facing failures that do not pass by themselves', () => {
  let server: TestServer;
  let proxy: CountingProxy;
  let dir: string;

  beforeEach(async () => {
    server = await startTestServer();
    proxy = new CountingProxy(server.url);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-cred-'));
  });

  afterEach(async () => {
    await proxy.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when the dialer key is revoked mid-run, then delivery stops after one refused request, says so, and resumes exactly once with a new client', async () => {
    const url = await proxy.listen();
    const tenant = await buildTenant(server);
    const outboxDir = path.join(dir, 'outbox');
    const logs: Array<{ level: string; message: string }> = [];
    const logger: LogFn = (level, message) => logs.push({ level, message });
    const options = { serverUrl: url, outboxDir, batchSize: 20, flushIntervalMs: 20, requestTimeoutMs: 2000, retry: { baseMs: 20, maxMs: 200, maxAttempts: 3 }, logger };
    const client = new HygieneClient({ ...options, apiKey: tenant.dialerKey });
    let reported = 0;
    const report = async (count: number) => {
      await client.reportOutcomes(Array.from({ length: count }, (_v, i) => outcomeFor('cred', 'campanha', reported + i)));
      reported += count;
    };
    try {
      await report(100);
      await eventually(async () => (await client.outboxStatus()).pending === 0, 'the first outcomes to be delivered');

      const {
        keys: [key],
      } = await server.services.tenants.listDialerKeys(tenant.id, { limit: 1 });
      await server.services.tenants.revokeDialerKey(tenant.id, key!.id, 'test');
      const revokedAt = Date.now();
      await report(20);
      await eventually(async () => (await client.outboxStatus()).blockedBy !== null, 'the outbox to notice the refused key');
      // A measured window with the dialer still reporting: every append is a chance to knock again.
      const windowEnd = Date.now() + 2000;
      while (Date.now() < windowEnd) {
        await report(20);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const refused = proxy.statuses.filter((entry) => entry.route === 'POST /v1/outcomes' && entry.status === 401 && entry.at >= revokedAt).length;
      expect(refused).toBe(1);
      const status = await client.outboxStatus();
      expect(status).toMatchObject({ blockedBy: expect.stringContaining('401'), deadLetters: 0, pending: reported - 100 });
      expect(logs.filter((entry) => entry.level === 'error' && /credential|key/i.test(entry.message))).toHaveLength(1);
      // `hygiene fila`, run from another process, sees why nothing moves.
      expect((await Outbox.inspect(outboxDir)).blockedBy).toEqual(expect.stringContaining('401'));
    } finally {
      await client.close();
    }

    // Someone fixes the key: a new client on the same directory delivers what waited, each outcome once.
    const key = await server.services.tenants.createDialerKey(tenant.id, 'nova', 'test');
    const fixedAt = Date.now();
    const again = new HygieneClient({ ...options, apiKey: key.key });
    try {
      await eventually(async () => (await again.outboxStatus()).pending === 0, 'the waiting outcomes to be delivered');
      const recoveryMs = Date.now() - fixedAt;
      expect(await again.outboxStatus()).toMatchObject({ blockedBy: null, deadLetters: 0 });
      const counters = (await server.api().get('/v1/campaigns/campanha').set('authorization', `Bearer ${key.key}`).expect(200)).body.reported;
      expect(counters).toEqual(expectedCounters(reported));
      const counted = counters.invalid + counters.contact + counters.neutral;
      recordFault({
        fault: 'dialer key revoked while reporting',
        load: `${reported} tabulations, batches of 20, 2 s of reporting while refused`,
        sent: reported,
        counted,
        lost: reported - counted,
        doubled: 0,
        clientSaw: `1 request refused with 401, then delivery stopped (status.blockedBy, one error log); outcomes kept on disk`,
        recoveryMs,
      });
    } finally {
      await again.close();
    }
  });

  it('when the dead letters cannot be written after each send, then delivery backs off instead of re-sending every flush interval, and resumes once they can', async () => {
    const url = await proxy.listen();
    const tenant = await buildTenant(server);
    const outboxDir = path.join(dir, 'outbox');
    // A directory where the dead-letter file should be: every append to it fails (EISDIR), as a full disk would.
    await mkdir(path.join(outboxDir, 'dead-letters.ndjson'), { recursive: true });
    const client = new HygieneClient({ serverUrl: url, apiKey: tenant.dialerKey, outboxDir, batchSize: 20, flushIntervalMs: 20, requestTimeoutMs: 2000, retry: { baseMs: 20, maxMs: 400, maxAttempts: 3 } });
    try {
      const outcomes = Array.from({ length: 20 }, (_v, i) => (i === 5 ? { ...outcomeFor('loop', 'campanha', i), code: 'CODIGO_DESCONHECIDO' } : outcomeFor('loop', 'campanha', i)));
      await client.reportOutcomes(outcomes);
      const start = Date.now();
      await eventually(() => proxy.count('POST /v1/outcomes', start) >= 1, 'a first send');
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the measured window
      const sends = proxy.count('POST /v1/outcomes', start);
      expect(sends).toBeGreaterThanOrEqual(2); // it does not give up...
      expect(sends).toBeLessThanOrEqual(15); // ...but backs off: every 20 ms would be ~80 sends
      expect(await client.outboxStatus()).toMatchObject({ pending: 20, lastError: expect.objectContaining({ code: 'EISDIR' }) });

      await rm(path.join(outboxDir, 'dead-letters.ndjson'), { recursive: true });
      const fixedAt = Date.now();
      await eventually(async () => (await client.outboxStatus()).pending === 0, 'delivery to resume by itself');
      const recoveryMs = Date.now() - fixedAt;
      expect((await client.deadLetters()).map((letter) => letter.outcome?.callId)).toEqual(['loop-5']);
      const counters = (await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer')).expect(200)).body.reported;
      const counted = counters.invalid + counters.contact + counters.neutral;
      expect(counted).toBe(19);
      recordFault({
        fault: 'dead-letter file unwritable after each send',
        load: '20 tabulations (1 with an unknown code), flush interval 20 ms',
        sent: 20,
        counted,
        lost: 19 - counted,
        doubled: Math.max(0, counted - 19),
        clientSaw: `${sends} sends in 2 s (backoff, the server answered duplicates after the first), lastError EISDIR; then 19 counted + 1 dead letter`,
        recoveryMs,
      });
    } finally {
      await client.close();
    }
  });
});
