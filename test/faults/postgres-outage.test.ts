import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/index';
import { buildTenant } from '../support/factories';
import { startTestServer } from '../support/harness';
import { memoryLogger } from '../support/logs';
import { recordFault } from '../support/reliability';
import { startPrivatePostgres, stopAllPrivateServices } from '../support/services';
import { expectedCounters, outcomeFor } from '../plugin/fixtures/outcomes';
import { linesWithMessage, readiness, reportedCounters } from './support';
import { eventually } from '../support/eventually';

/**
 * PostgreSQL is the system of record: while it is away nothing can be committed, so the server must say so
 * (503 UNAVAILABLE with Retry-After, as docs/api.md promises; /readyz 503 with the reason), log the incident
 * once rather than a stack per request, and serve again by itself once it is back. The dialer's outbox keeps
 * the tabulations meanwhile: at the end every one is counted exactly once.
 */

const COUNT = 3000;
const OUTAGE_MS = 2500;

describe('PostgreSQL outage', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-pg-fault-'));
  });

  afterEach(async () => {
    await stopAllPrivateServices();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([['fast' as const], ['immediate' as const]])(
    'when PostgreSQL is stopped (%s) during ingest and started again, then clients get 503 with Retry-After, the incident is logged once, and every outcome is counted exactly once',
    async (mode) => {
      const postgres = await startPrivatePostgres();
      const logs = memoryLogger();
      const server = await startTestServer({ databaseUrl: postgres.url, redis: false, logger: logs.logger });
      const clientSaw = new Map<string, number>();
      let client: HygieneClient | undefined;
      try {
        const tenant = await buildTenant(server);
        client = new HygieneClient({
          serverUrl: server.url,
          apiKey: tenant.dialerKey,
          outboxDir: path.join(dir, 'outbox'),
          batchSize: 100,
          flushIntervalMs: 20,
          requestTimeoutMs: 2000,
          retry: { baseMs: 50, maxMs: 500, maxAttempts: 100 },
          logger: (level, _message, fields) => {
            if (level !== 'warn' && level !== 'error') return;
            const answer = /^\d{3} [A-Z_]+/.exec(String(fields?.error ?? ''))?.[0] ?? String(fields?.error ?? 'no answer').slice(0, 40);
            clientSaw.set(answer, (clientSaw.get(answer) ?? 0) + 1);
          },
        });
        let faultStart = 0;
        let faultEnd = 0;
        let recoveryMs = 0;
        for (let i = 0; i < COUNT; i += 50) {
          await client.reportOutcomes(Array.from({ length: 50 }, (_v, j) => outcomeFor('pg', 'campanha', i + j)));
          if (i === 1000) {
            await eventually(async () => (await client!.outboxStatus()).delivered.accepted > 0, 'a first delivery');
            await postgres.stop(mode);
            faultStart = Date.now();
            const refused = await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer'));
            expect({ status: refused.status, retryAfter: refused.headers['retry-after'], code: refused.body.error?.code }).toEqual({ status: 503, retryAfter: '2', code: 'UNAVAILABLE' });
            const ready = await readiness(server.url);
            expect(ready).toMatchObject({ status: 503, retryAfter: '2', body: { status: 'unavailable', database: 'down', reason: expect.stringMatching(/^database: /) } });
            // The outbox keeps trying meanwhile and is answered 503 each time.
            await eventually(() => (clientSaw.get('503 UNAVAILABLE') ?? 0) >= 3, 'the client to meet a few 503s');
          }
          if (i === 2000) {
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, faultStart + OUTAGE_MS - Date.now())));
            await postgres.start();
            faultEnd = Date.now();
            await eventually(async () => (await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer'))).status === 200, 'a first successful answer');
            recoveryMs = Date.now() - faultEnd;
          }
        }
        const status = await client.flush();
        expect(status).toMatchObject({ pending: 0, deadLetters: 0 });
        // One final answer per outcome: accepted, or duplicate when a committed batch's answer was lost.
        expect(status.delivered.accepted + status.delivered.duplicates).toBe(COUNT);
        const counters = await reportedCounters(server.url, tenant.auth('dialer'), 'campanha');
        expect(counters).toEqual(expectedCounters(COUNT));
        expect(await readiness(server.url)).toMatchObject({ status: 200, body: { status: 'ready', database: 'up' } });

        // One line when it went away, one when it came back; no stack per refused request.
        await eventually(() => linesWithMessage(logs.lines(), 'database back').length > 0, 'the "database back" line');
        const lines = logs.lines();
        expect(linesWithMessage(lines, 'database unavailable')).toHaveLength(1);
        expect(linesWithMessage(lines, 'database back')).toHaveLength(1);
        expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
        const refusedRequests = lines.filter((line) => line.msg === 'request refused: database unavailable').length;
        expect(refusedRequests).toBeGreaterThan(0);
        // Warnings of background jobs (the status index's poll) are their owners' to count; reported, not judged.
        const otherWarnings = new Map<string, number>();
        for (const line of lines) if (line.level === 40 && line.msg !== 'database unavailable') otherWarnings.set(String(line.msg), (otherWarnings.get(String(line.msg)) ?? 0) + 1);

        const total = counters.invalid + counters.contact + counters.neutral;
        recordFault({
          fault: `PostgreSQL stopped (-m ${mode}) during ingest, restarted`,
          load: `${COUNT.toLocaleString('en-US')} tabulations via HygieneClient, batches of 100; down ${((faultEnd - faultStart) / 1000).toFixed(1)} s`,
          sent: COUNT,
          counted: total,
          lost: Math.max(0, COUNT - total),
          doubled: Math.max(0, total - COUNT),
          clientSaw: `${[...clientSaw].map(([answer, times]) => `${times}× ${answer}`).join(', ')} (Retry-After: 2); /readyz 503; server log: 1 warn + 1 info for ${refusedRequests} refused requests${[...otherWarnings].map(([message, times]) => `, ${times}× "${message}"`).join('')}`,
          recoveryMs,
        });
      } finally {
        await client?.close();
        // A failed test may leave it stopped; the server's own schema is dropped through it.
        await postgres.start();
        await server.stop();
      }
    },
  );
});
