import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/index';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { expectedCounters, outcomeFor } from './fixtures/outcomes';

/** Opening an outbox that a crash or an older version left damaged: cut, salvage, deliver; never block. */

const line = (i: number) => JSON.stringify({ q: 1, o: outcomeFor('rec', 'campanha', i) }) + '\n';

describe('outbox recovery on open', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let dir: string;

  beforeEach(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-recovery-'));
  });

  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when a segment ends in a torn record and another holds a torn record mid-segment, then the tail is cut, the whole records are delivered once and the unreadable one is a dead letter', async () => {
    const outboxDir = path.join(dir, 'outbox');
    await mkdir(outboxDir);
    // seg 1: records 0-2 and a torn tail (a crash mid-append; never acknowledged).
    await writeFile(path.join(outboxDir, 'seg-000000000001.ndjson'), line(0) + line(1) + line(2) + line(3).slice(0, 40));
    // seg 2: what a version that ignored short writes left: record 5 cut short, records 6-7 appended right after it.
    await writeFile(path.join(outboxDir, 'seg-000000000002.ndjson'), line(4) + line(5).slice(0, 50) + line(6) + line(7));
    // A dead-letter file with a torn tail.
    await writeFile(path.join(outboxDir, 'dead-letters.ndjson'), '{"at":"2024-01-01T00:00:00.000Z","outcome":{"callId":"x"');

    const client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir, flushIntervalMs: 60_000 });
    try {
      expect((await client.outboxStatus()).pending).toBe(6);
      const status = await client.flush();
      expect(status).toMatchObject({ pending: 0, delivered: { accepted: 6, duplicates: 0 } });
      const letters = await client.deadLetters();
      expect(letters).toEqual([expect.objectContaining({ raw: line(5).slice(0, 50), error: expect.objectContaining({ code: 'CORRUPT_RECORD' }) })]);
      const counters = (await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer')).expect(200)).body.reported;
      const expected = expectedCounters(8);
      // Records 3 (torn, never acknowledged) and 5 (unreadable) are not counted.
      expected.neutral--; // record 3 (q850:17)
      expected.contact--; // record 5 (sip:200)
      expect(counters).toEqual(expected);
      // New appends land after the repaired tail, readable.
      await client.reportOutcome(outcomeFor('rec', 'campanha', 8));
      expect(await client.flush()).toMatchObject({ pending: 0, delivered: { accepted: 7 } });
      expect((await readFile(path.join(outboxDir, 'dead-letters.ndjson'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
