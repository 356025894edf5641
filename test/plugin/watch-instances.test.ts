import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/index';
import { nextInvalidation } from '../support/watch';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, uniqueId, type TestServer } from '../support/harness';

/**
 * Two instances behind a balancer: the dialer's socket and its re-check land on one instance, the invalidation
 * commits on the other. The push used to leave the committing instance through Redis at once, so it often reached
 * the dialer before the dialer's own instance had polled the change: its re-check still read "clean" and the dialer
 * kept the number (bench/instances.ts measured 10–44% of pushes so lost). Each instance now pushes to its own
 * sockets once its index holds the change.
 */
describe('mid-campaign invalidation with two instances', () => {
  let first: TestServer;
  let second: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  let dir: string;
  let clientB: HygieneClient;

  beforeAll(async () => {
    const schema = uniqueId('hyg');
    // One tenant's marks make a number invalid, and keep their weight however many numbers it marks (no earned-weight
    // decay): every number below is invalid in the pool, not only in tenant A's own view.
    const env = { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '3', TRUST_REPUTATION_MIN_MARKS: '1000000' };
    first = await startTestServer({ schema, redisPrefix: `${schema}:`, keepSchema: true, env });
    second = await startTestServer({ schema, redisPrefix: `${schema}:`, env });
    a = await buildTenant(first);
    b = await buildTenant(first);
    await a.campaign('cobranca', true);
    await b.campaign('vendas', true);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-watch2-'));
    clientB = new HygieneClient({ serverUrl: second.url, apiKey: b.dialerKey, outboxDir: path.join(dir, 'b'), retry: { baseMs: 50, maxMs: 500 } });
  });

  afterAll(async () => {
    await clientB.close();
    await second.stop();
    await first.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when tenant A invalidates numbers through instance 1, then tenant B\'s dialer on instance 2 drops each of them', async () => {
    const numbers = Array.from({ length: 40 }, (_v, i) => `(11) 9${String(7000_0000 + i * 1237).padStart(8, '0')}`);
    const queue = new Set(numbers);
    const watcher = clientB.watchCampaign('vendas', queue, (phones) => {
      for (const phone of phones) queue.delete(phone);
    });
    await watcher.ready();
    for (const [i, phone] of numbers.entries()) {
      const invalidation = nextInvalidation(watcher, 5000);
      await a.report(invalidOutcomes(`inv-${i}`, 'cobranca', phone, 3));
      expect(await invalidation).toEqual([phone]);
    }
    expect(queue.size).toBe(0);
  }, 60_000);
});
