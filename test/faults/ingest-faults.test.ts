import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/index';
import { expectedCounters, outcomeFor } from '../plugin/fixtures/outcomes';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { freePort, killAllChildren, spawnChild, startServerProcess, TS_REGISTER, type Child } from '../support/processes';
import { TcpProxy } from '../support/tcp-proxy';
import { recordFault } from '../support/reliability';
import { eventually } from '../support/eventually';

/**
 * Fault tests: the server killed (SIGKILL) and restarted, the dialer process killed and restarted, the network
 * cut. Afterwards the campaign's `reported` counters (each accepted call id counted once) must equal exactly
 * what was reported: nothing lost, nothing doubled.
 */

const COUNT = 3000;
const REPORTER = path.join(__dirname, '..', 'plugin', 'fixtures', 'reporter.ts');

const total = (counters: { invalid: number; contact: number; neutral: number }) => counters.invalid + counters.contact + counters.neutral;
const delivered = async (client: HygieneClient) => {
  const { accepted, duplicates } = (await client.outboxStatus()).delivered;
  return accepted + duplicates;
};

async function reportedCounters(server: TestServer, tenant: BuiltTenant, campaignId: string) {
  const response = await server.api().get(`/v1/campaigns/${campaignId}`).set('authorization', tenant.auth('dialer')).expect(200);
  return response.body.reported as { invalid: number; contact: number; neutral: number };
}


describe('fault tolerance of outcome reporting', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-faults-'));
  });

  afterEach(async () => {
    await killAllChildren();
    await rm(dir, { recursive: true, force: true });
  });

  it('when the server is SIGKILLed and restarted during reporting, then every outcome is counted exactly once', async () => {
    const schema = uniqueId('hyg');
    // An in-process instance on the same schema makes the tenant and reads the counters; the dialer talks only
    // to the server process, which is the one killed.
    const observer = await startTestServer({ schema });
    const port = await freePort();
    let serverProcess: Child & { url: string } = await startServerProcess({ schema, port });
    const tenant = await buildTenant(observer);
    const client = new HygieneClient({ serverUrl: serverProcess.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox'), batchSize: 100, flushIntervalMs: 20, requestTimeoutMs: 2000, retry: { baseMs: 50, maxMs: 500, maxAttempts: 100 } });
    let recoveryMs: number | null = null;
    try {
      let killed = false;
      for (let i = 0; i < COUNT; i += 50) {
        await client.reportOutcomes(Array.from({ length: 50 }, (_v, j) => outcomeFor('srv', 'campanha', i + j)));
        if (i === 1000) {
          await eventually(async () => (await client.outboxStatus()).delivered.accepted > 0, 'a first delivery');
          await serverProcess.kill('SIGKILL');
          killed = true;
        }
        if (i === 2000) {
          serverProcess = await startServerProcess({ schema, port });
          const restartedAt = Date.now();
          const before = await delivered(client);
          await eventually(async () => (await delivered(client)) > before, 'a delivery after the restart');
          recoveryMs = Date.now() - restartedAt;
        }
      }
      expect(killed).toBe(true);
      const status = await client.flush();
      expect(status).toMatchObject({ pending: 0, deadLetters: 0 });
      // Each outcome got exactly one final answer: accepted, or duplicate when an earlier send was committed but
      // its answer was lost (the server counted it then, not now).
      expect(status.delivered.accepted + status.delivered.duplicates).toBe(COUNT);
      const counters = await reportedCounters(observer, tenant, 'campanha');
      expect(counters).toEqual(expectedCounters(COUNT));
      recordFault({
        fault: 'server SIGKILL during ingest, restarted',
        load: `${COUNT.toLocaleString('en-US')} tabulations through the plugin outbox, batches of 100`,
        sent: COUNT,
        counted: total(counters),
        lost: Math.max(0, COUNT - total(counters)),
        doubled: Math.max(0, total(counters) - COUNT),
        clientSaw: `connection refused, retried from the outbox; ${status.delivered.duplicates} answered "duplicate" after the restart`,
        recoveryMs,
      });
    } finally {
      await client.close();
      await serverProcess.kill('SIGKILL');
      await observer.stop();
    }
  });

  it('when the dialer process is SIGKILLed mid-reporting and restarted, then every acknowledged outcome is counted exactly once', async () => {
    const server = await startTestServer();
    try {
      const tenant = await buildTenant(server);
      const outbox = path.join(dir, 'outbox');
      const env = { HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, OUTBOX: outbox, CAMPAIGN: 'campanha', PREFIX: 'dlr', COUNT: '20000' };
      const reporter = spawnChild(['-r', TS_REGISTER, REPORTER], { ...env, MODE: 'report' });
      await reporter.waitForLine(/^acked (\d{4,})$/, 60_000);
      // Kill it while it is still appending and delivering.
      // The campaign exists once the first batch was delivered (the server registers it on first sight).
      const firstDeliveryCounted = async () => {
        const response = await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer'));
        return response.status === 200 && (response.body.reported as { contact: number }).contact > 0;
      };
      await eventually(firstDeliveryCounted, 'a first delivery');
      await reporter.kill('SIGKILL');
      expect(reporter.stdout()).not.toContain('all acked');
      const acked = Math.max(...[...reporter.stdout().matchAll(/^acked (\d+)$/gm)].map((m) => Number(m[1])));

      const restartedAt = Date.now();
      const restarted = spawnChild(['-r', TS_REGISTER, REPORTER], { ...env, MODE: 'flush' });
      const [, json] = await restarted.waitForLine(/^flushed (.*)$/, 60_000);
      const recoveryMs = Date.now() - restartedAt;
      expect(JSON.parse(json!)).toMatchObject({ pending: 0, deadLetters: 0 });
      expect(await restarted.exited).toEqual({ code: 0, signal: null });

      // Counted = the acknowledged prefix, possibly plus the group that was being written when the kill came.
      const counters = await reportedCounters(server, tenant, 'campanha');
      const counted = counters.invalid + counters.contact + counters.neutral;
      expect(counted).toBeGreaterThanOrEqual(acked);
      expect(counted).toBeLessThanOrEqual(acked + 25);
      expect(counters).toEqual(expectedCounters(counted));
      // Exactly call ids 0..counted-1: sending them again is all duplicates and changes nothing.
      const again = await tenant.report(Array.from({ length: counted }, (_v, i) => outcomeFor('dlr', 'campanha', i)));
      expect(again).toMatchObject({ accepted: 0, duplicates: counted });
      expect(await reportedCounters(server, tenant, 'campanha')).toEqual(counters);
      recordFault({
        fault: 'dialer SIGKILL mid-reporting, restarted',
        load: '20,000 tabulations appended and delivered by a separate dialer process',
        sent: acked,
        counted,
        lost: Math.max(0, acked - counted),
        doubled: 0,
        clientSaw: `${acked.toLocaleString('en-US')} acknowledged before the kill; the restarted process re-sent its outbox (${counted - acked} unacknowledged in flight were also counted once)`,
        recoveryMs,
      });
    } finally {
      await server.stop();
    }
  });

  it('when the network is cut and restored several times during reporting, then every outcome is counted exactly once', async () => {
    const server = await startTestServer();
    const proxy = new TcpProxy(Number(new URL(server.url).port));
    const proxyPort = await proxy.listen();
    const tenant = await buildTenant(server);
    const client = new HygieneClient({ serverUrl: `http://127.0.0.1:${proxyPort}`, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox'), batchSize: 100, flushIntervalMs: 20, requestTimeoutMs: 500, retry: { baseMs: 50, maxMs: 300, maxAttempts: 100 } });
    try {
      let cuts = 0;
      for (let i = 0; i < COUNT; i += 50) {
        await client.reportOutcomes(Array.from({ length: 50 }, (_v, j) => outcomeFor('net', 'campanha', i + j)));
        if (i % 700 === 350) {
          // Cut once bytes are flowing, so requests and answers in transit are lost.
          const before = proxy.bytesUp;
          await eventually(() => proxy.bytesUp > before, 'traffic through the proxy');
          proxy.cut();
          cuts++;
        }
        if (i % 700 === 650) proxy.restore();
      }
      proxy.restore();
      const restoredAt = Date.now();
      const before = await delivered(client);
      await eventually(async () => (await delivered(client)) > before || (await client.outboxStatus()).pending === 0, 'a delivery after the last restore');
      const recoveryMs = Date.now() - restoredAt;
      expect(cuts).toBeGreaterThanOrEqual(4);
      const status = await client.flush();
      expect(status).toMatchObject({ pending: 0, deadLetters: 0 });
      // Each outcome got exactly one final answer: accepted, or duplicate when an earlier send was committed but
      // its answer was lost (the server counted it then, not now).
      expect(status.delivered.accepted + status.delivered.duplicates).toBe(COUNT);
      const counters = await reportedCounters(server, tenant, 'campanha');
      expect(counters).toEqual(expectedCounters(COUNT));
      recordFault({
        fault: 'network cut and restored during ingest',
        load: `${COUNT.toLocaleString('en-US')} tabulations, batches of 100, ${cuts} cuts through a loopback TCP proxy`,
        sent: COUNT,
        counted: total(counters),
        lost: Math.max(0, COUNT - total(counters)),
        doubled: Math.max(0, total(counters) - COUNT),
        clientSaw: `timeouts and resets, retried from the outbox; ${status.delivered.duplicates} answers lost after commit came back as "duplicate"`,
        recoveryMs,
      });
    } finally {
      await client.close();
      await proxy.close();
      await server.stop();
    }
  });
});
