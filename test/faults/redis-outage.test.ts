import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { HygieneClient } from '../../plugin/src/index';
import { buildTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { memoryLogger } from '../support/logs';
import { freePort, killAllChildren, startServerProcess, type Child } from '../support/processes';
import { recordFault } from '../support/reliability';
import { startPrivateRedis, stopAllPrivateServices } from '../support/services';
import { expectedCounters, outcomeFor } from '../plugin/fixtures/outcomes';
import { campaignListener, jsonLines, linesWithMessage, readiness, reportedCounters, type ClientSocket } from './support';
import { eventually } from '../support/eventually';

/**
 * Redis is shared state between instances (socket.io adapter, pub/sub nudges, rate limits), never the system of
 * record: while it is away every instance must keep serving from PostgreSQL, say "degraded" on /readyz, log
 * the outage once, and carry live events between instances again by itself once Redis is back.
 */

const OUTAGE_MS = 2500;

/** Creates campaigns through `from` until `listener` (on another instance) hears one: live events cross instances. */
async function firstEventAcross(from: string, credential: string, listener: { campaigns: string[] }, label: string): Promise<number> {
  const prefix = uniqueId(label);
  let sent = 0;
  await eventually(async () => {
    await request(from).post('/v1/campaigns').set('authorization', credential).send({ id: `${prefix}-${sent++}` }).expect(201);
    return listener.campaigns.some((id) => id.startsWith(prefix));
  }, `a campaign:updated from ${from} to reach another instance`);
  return Date.now();
}

describe('Redis outage', () => {
  const sockets: ClientSocket[] = [];
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-redis-fault-'));
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await killAllChildren();
    await stopAllPrivateServices();
    await rm(dir, { recursive: true, force: true });
  });

  it('when two instances start while Redis is down, then they serve from PostgreSQL, report degraded, rate-limit sign-ins in process, revoke keys, and carry live events once Redis starts', async () => {
    const redis = await startPrivateRedis({ initiallyRunning: false });
    const schema = uniqueId('hyg');
    const logsA = memoryLogger();
    const logsB = memoryLogger();
    const servers: TestServer[] = [];
    try {
      servers.push(await startTestServer({ schema, redisUrl: redis.url, keepSchema: true, logger: logsA.logger }));
      servers.push(await startTestServer({ schema, redisUrl: redis.url, logger: logsB.logger }));
      const [a, b] = servers as [TestServer, TestServer];

      // The load balancer keeps sending traffic: 200, and the body says what is missing.
      expect(await readiness(a.url)).toMatchObject({ status: 200, body: { status: 'degraded', database: 'up', redis: 'down' } });
      const tenant = await buildTenant(a);
      // Sign-ins are still limited per address (30 a minute), in process while Redis is away.
      const wrong = (attempt: number) => a.api().post('/v1/auth/login').send({ email: `nobody-${attempt}@example.com`, password: 'wrong password' });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 32; attempt++) statuses.push((await wrong(attempt)).status);
      expect(statuses.slice(0, 25).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(-1)).toEqual([429]);

      // A revocation's cache drop cannot be broadcast: it still succeeds (other instances' caches expire in 30 s).
      const created = await a.api().post('/v1/dialer-keys').set('authorization', tenant.auth('admin')).send({ name: 'segundo' }).expect(201);
      await a.api().delete(`/v1/dialer-keys/${created.body.id}`).set('authorization', tenant.auth('admin')).expect(200);

      // Ingest and filtering run on PostgreSQL; the other instance sees the counts by polling.
      const sent = Array.from({ length: 20 }, (_v, i) => outcomeFor('boot', 'campanha', i));
      expect(await tenant.report(sent)).toMatchObject({ accepted: 20 });
      expect(await reportedCounters(b.url, tenant.auth('dialer'), 'campanha')).toEqual(expectedCounters(20));

      const listener = await campaignListener(b.url, tenant.adminToken);
      sockets.push(listener.socket);
      await redis.start();
      const redisBack = Date.now();
      await eventually(async () => (await readiness(a.url)).body.status === 'ready' && (await readiness(b.url)).body.status === 'ready', 'both instances ready');
      const firstEvent = await firstEventAcross(a.url, tenant.auth('dialer'), listener, 'boot');

      for (const logs of [logsA, logsB]) {
        expect(linesWithMessage(logs.lines(), 'redis unavailable')).toHaveLength(1);
        expect(linesWithMessage(logs.lines(), 'redis back')).toHaveLength(1);
        expect(logs.lines().filter((line) => (line.level as number) >= 40 && line.msg !== 'redis unavailable' && line.event !== 'auth.login')).toEqual([]);
      }
      recordFault({
        fault: 'Redis down when 2 instances start, then started',
        load: 'sign-ins, 20 tabulations, campaign registrations',
        sent: 20,
        counted: 20,
        lost: 0,
        doubled: 0,
        clientSaw: 'every answer as without the fault; /readyz 200 "degraded"; 429 after 10 bad sign-ins (in-process limit)',
        recoveryMs: firstEvent - redisBack,
      });
    } finally {
      for (const server of servers.reverse()) await server.stop();
    }
  });

  it('when Redis is killed for over 2 s while campaigns are registered and outcomes reported, then no process dies, every outcome is counted once, /readyz goes degraded then ready, and live events resume', async () => {
    const redis = await startPrivateRedis();
    const schema = uniqueId('hyg');
    const observer = await startTestServer({ schema, redis: false });
    const processes: Child[] = [];
    const env = { REDIS_URL: redis.url, LOG_LEVEL: 'info' };
    let client: HygieneClient | undefined;
    try {
      const a = await startServerProcess({ schema, port: await freePort(), env });
      const b = await startServerProcess({ schema, port: await freePort(), env });
      processes.push(a, b);
      const tenant = await buildTenant(observer);
      const listener = await campaignListener(b.url, tenant.adminToken);
      sockets.push(listener.socket);
      await firstEventAcross(a.url, tenant.auth('dialer'), listener, 'before');

      const clientWarnings: string[] = [];
      client = new HygieneClient({
        serverUrl: a.url,
        apiKey: tenant.dialerKey,
        outboxDir: path.join(dir, 'outbox'),
        batchSize: 100,
        flushIntervalMs: 20,
        requestTimeoutMs: 2000,
        retry: { baseMs: 50, maxMs: 500, maxAttempts: 100 },
        logger: (level, message, fields) => void (level !== 'debug' && level !== 'info' && clientWarnings.push(`${message} ${JSON.stringify(fields ?? {})}`)),
      });
      const registrations: number[] = [];
      const readyDuringOutage = new Set<string>();
      let next = 0;
      const reportChunk = async () => {
        await client!.reportOutcomes(Array.from({ length: 50 }, (_v, j) => outcomeFor('redis', 'campanha', next + j)));
        next += 50;
        for (const target of [a, b]) {
          const response = await request(target.url).post('/v1/campaigns').set('authorization', tenant.auth('dialer')).send({ id: uniqueId('during') }).catch((error: Error) => ({ status: error.message }));
          registrations.push(typeof response.status === 'number' ? response.status : 0);
        }
      };

      while (next < 600) await reportChunk();
      await eventually(async () => (await client!.outboxStatus()).delivered.accepted > 0, 'a first delivery');
      await redis.stop();
      const faultStart = Date.now();
      while (Date.now() - faultStart < OUTAGE_MS || next < 1400) {
        await reportChunk();
        const ready = await readiness(a.url).catch(() => ({ status: 0, body: { status: 'no answer' } }));
        readyDuringOutage.add(`${ready.status} ${String(ready.body.status)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await redis.start();
      const faultEnd = Date.now();
      while (next < 2000) await reportChunk();
      const count = next;

      const status = await client.flush();
      expect(status).toMatchObject({ pending: 0, deadLetters: 0 });
      expect(status.delivered.accepted + status.delivered.duplicates).toBe(count);
      const counters = await reportedCounters(observer.url, tenant.auth('dialer'), 'campanha');
      expect(counters).toEqual(expectedCounters(count));
      expect(processes.map((child) => child.process.exitCode)).toEqual([null, null]);
      expect(new Set(registrations)).toEqual(new Set([201]));
      expect(readyDuringOutage).toContain('200 degraded');

      await eventually(async () => (await readiness(a.url)).body.status === 'ready' && (await readiness(b.url)).body.status === 'ready', 'both instances ready again');
      const firstEvent = await firstEventAcross(a.url, tenant.auth('dialer'), listener, 'after');

      for (const child of processes) {
        const lines = jsonLines(child.stdout());
        expect(linesWithMessage(lines, 'redis unavailable')).toHaveLength(1);
        expect(linesWithMessage(lines, 'redis back')).toHaveLength(1);
        expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
      }
      const total = counters.invalid + counters.contact + counters.neutral;
      recordFault({
        fault: 'Redis SIGKILLed during ingest, 2 instances, restarted',
        load: `${count.toLocaleString('en-US')} tabulations via HygieneClient (batches of 100) + ${registrations.length} campaign registrations; down ${((faultEnd - faultStart) / 1000).toFixed(1)} s`,
        sent: count,
        counted: total,
        lost: Math.max(0, count - total),
        doubled: Math.max(0, total - count),
        clientSaw: `every registration 201, ${clientWarnings.length} delivery retries; /readyz ${[...readyDuringOutage].join(', ')}`,
        recoveryMs: firstEvent - faultEnd,
      });
    } finally {
      await client?.close();
      for (const child of processes) await child.kill('SIGKILL');
      await observer.stop();
    }
  });
});
