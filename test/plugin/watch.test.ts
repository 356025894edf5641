import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/index';
import { nextInvalidation } from '../support/watch';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';

const N = '(11) 98765-4321';
const OTHERS = ['11 2345-6789', '+55 21 99876-5432', '21 3456-7890'];

describe('mid-campaign invalidation across tenants', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  let dir: string;
  let clientB: HygieneClient;

  beforeEach(async () => {
    // Threshold 3 and a per-tenant daily cap of 3: tenant A alone can push N over the line today.
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '3' } });
    a = await buildTenant(server);
    b = await buildTenant(server);
    await a.campaign('cobranca', true);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-watch-'));
    clientB = new HygieneClient({ serverUrl: server.url, apiKey: b.dialerKey, outboxDir: path.join(dir, 'b'), retry: { baseMs: 50, maxMs: 500 } });
  });

  afterEach(async () => {
    await clientB.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when tenant A pushes N over the threshold, then tenant B\'s running dialer is told to stop dialing N, and only N', async () => {
    await b.campaign('vendas', true);
    const queue = new Set([N, ...OTHERS]);
    const watcher = clientB.watchCampaign('vendas', queue, (phones) => {
      for (const phone of phones) queue.delete(phone);
    });
    await watcher.ready();
    const invalidation = nextInvalidation(watcher, 5000);

    await a.report(invalidOutcomes('a-1', 'cobranca', N, 2)); // unconfirmed: nothing to stop yet
    await a.report(invalidOutcomes('a-2', 'cobranca', N, 1)); // third mark: invalid list

    expect(await invalidation).toEqual([N]);
    expect([...queue]).toEqual(OTHERS);
    expect(watcher.has(N)).toBe(false);
    expect(watcher.size).toBe(OTHERS.length);
  });

  it('when B\'s campaign has hygiene off, then the push does not touch its queue (opt-in), and turning it on drops N', async () => {
    await b.campaign('sem-higiene', false);
    const stopped: string[] = [];
    const watcher = clientB.watchCampaign('sem-higiene', [N, ...OTHERS], (phones) => stopped.push(...phones));
    await watcher.ready();
    await a.report(invalidOutcomes('a-3', 'cobranca', N, 3));
    // The push reached B's socket (B's check endpoint says invalid) but the campaign did not opt in.
    expect((await clientB.checkNumbers([N]))[0]).toEqual({ status: 'invalid' });
    expect(stopped).toEqual([]);
    expect(watcher.has(N)).toBe(true);

    const invalidation = nextInvalidation(watcher, 5000);
    await server.api().put('/v1/campaigns/sem-higiene/hygiene').set('authorization', b.auth('admin')).send({ enabled: true }).expect(200);
    expect(await invalidation).toEqual([N]);
  });
});
