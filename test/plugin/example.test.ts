import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSimulatedDialer } from '../../plugin/examples/simulated-dialer';
import { DEFAULT_TABULATION_MAP, normalizeTabulationCode } from '../../server/domain/tabulations';
import { buildTenant, invalidOutcomes } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';

describe('the simulated dialer example', () => {
  let server: TestServer;
  let dir: string;

  beforeEach(async () => {
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '3' } });
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-example-'));
  });

  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when it runs against a real server, then it filters, dials the kept numbers and every outcome is counted once', async () => {
    const other = await buildTenant(server);
    await other.campaign('outra', true);
    const dead = '(11) 91111-0000';
    await other.report(invalidOutcomes('dead', 'outra', dead, 3));

    const tenant = await buildTenant(server);
    await tenant.campaign('simulacao', true);
    const rows = Array.from({ length: 60 }, (_v, i) => `Cliente ${i};11 9${String(70000000 + i)};${i % 7 === 0 ? 'vip' : ''}`);
    const mailing = ['nome;telefone;obs', ...rows, `Morto;${dead};`, 'Quebrado;12345;'].join('\r\n') + '\r\n';
    const mailingFile = path.join(dir, 'mailing.csv');
    await writeFile(mailingFile, mailing, 'latin1');

    const result = await runSimulatedDialer({ serverUrl: server.url, apiKey: tenant.dialerKey, campaignId: 'simulacao', mailingFile, workDir: path.join(dir, 'run'), seed: 42 });

    expect(result.filter.counts).toMatchObject({ totalRows: 62, keptRows: 60, droppedRows: 1, malformedRows: 1, invalidPhones: 1 });
    const kept = await readFile(path.join(dir, 'run', 'filtrado.csv'), 'latin1');
    expect(kept).toBe(['nome;telefone;obs', ...rows].join('\r\n') + '\r\n');
    expect(await readFile(path.join(dir, 'run', 'rejeitados.csv'), 'latin1')).toContain('Quebrado;12345;');
    expect(result.dialed + result.skipped).toBe(60);
    expect(result.outbox).toMatchObject({ pending: 0, deadLetters: 0 });

    const expected = { invalid: 0, contact: 0, neutral: 0 };
    for (const [code, count] of Object.entries(result.reported)) {
      // Right and wrong party are tallied as contacts (server/domain/outcomes.ts).
      const outcome = DEFAULT_TABULATION_MAP.get(normalizeTabulationCode(code))!;
      expected[outcome === 'right_party' || outcome === 'wrong_party' ? 'contact' : outcome] += count;
    }
    const campaign = await server.api().get('/v1/campaigns/simulacao').set('authorization', tenant.auth('dialer')).expect(200);
    expect(campaign.body.reported).toEqual(expected);
    expect(expected.invalid + expected.contact + expected.neutral).toBe(result.dialed);
  });
});
