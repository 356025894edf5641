import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/client';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';
import { killAllChildren, spawnChild } from '../support/processes';

/**
 * Right party end to end (issue 12): a dialer reports right/wrong party with the contact's CPF or id through the
 * plugin, filters the mailing again with order=best, and the contact's phones come back best first with a reason each,
 * every other byte of the row as it was, and the mailing's Qualificado / Não qualificado / Inativo counts.
 */
const CPF_MARIA = '529.982.247-25';
const CPF_JOAO = '111.444.777-35';
const P = {
  wrong: '(11) 98111-0001',
  clean: '(11) 98111-0002',
  right: '(11) 98111-0003',
  answered: '(11) 98111-0004',
  dead: '(11) 98111-0005',
  joaoClean: '(21) 99222-0001',
  joaoRight: '(21) 99222-0002',
};

describe('right party: report, then the best phone first', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let dir: string;
  let client: HygieneClient;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    a = await buildTenant(server);
    await a.campaign('cobranca', true);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-right-party-'));
    client = new HygieneClient({ serverUrl: server.url, apiKey: a.dialerKey, outboxDir: path.join(dir, 'outbox'), retry: { baseMs: 10, maxMs: 50, maxAttempts: 3 }, flushIntervalMs: 50 });
    // Two other tenants answered P.answered: the network's "a person answered recently" (never who or where).
    for (const name of ['b', 'c']) {
      const other = await buildTenant(server);
      await other.campaign('vendas', true);
      await other.report([{ callId: `${name}-1`, campaignId: 'vendas', phone: P.answered, code: 'sip:200' }]);
    }
    await client.reportOutcomes([
      { callId: 'm-1', campaignId: 'cobranca', phone: P.wrong, code: 'engano', cpf: CPF_MARIA },
      { callId: 'm-2', campaignId: 'cobranca', phone: P.right, code: 'wrong party', cpf: CPF_MARIA, occurredAt: new Date(server.clock.now().getTime() - 60_000).toISOString() },
      { callId: 'm-3', campaignId: 'cobranca', phone: P.right, code: 'CPC', cpf: CPF_MARIA },
      { callId: 'm-4', campaignId: 'cobranca', phone: P.dead, code: 'número inexistente', cpf: CPF_MARIA },
      // The CPF sent as the dialer's contact id finds the same contact.
      { callId: 'j-1', campaignId: 'cobranca', phone: P.joaoRight, code: 'falou com o titular', contactId: '11144477735' },
    ]);
    const status = await client.flush();
    expect(status).toMatchObject({ pending: 0 });
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('when right and wrong party are reported, then the campaign tallies them as contacts', async () => {
    const campaign = await server.api().get('/v1/campaigns/cobranca').set('authorization', a.auth('dialer')).expect(200);
    expect(campaign.body.reported).toEqual({ invalid: 1, contact: 4, neutral: 0 });
  });

  test('when the mailing is filtered again with order=best through the plugin, then phones come back best first with reasons, other bytes untouched, and counted', async () => {
    const header = 'nome;cpf;telefone1;telefone2;telefone3;telefone4;telefone5;obs';
    const csv = [header, `"Maria José";${CPF_MARIA};${P.wrong};${P.clean};${P.right};${P.answered};${P.dead};"a; b"`, `João;${CPF_JOAO};${P.joaoClean};"${P.joaoRight}";;;;x`].join('\r\n') + '\r\n';
    await writeFile(path.join(dir, 'in.csv'), csv, 'latin1');
    const result = await client.filterMailing(path.join(dir, 'in.csv'), { campaignId: 'cobranca', order: 'best', contactColumn: 'cpf', kept: path.join(dir, 'out.csv') });
    const kept = await readFile(path.join(dir, 'out.csv'), 'latin1');
    expect(kept).toBe(
      [
        `${header};motivo_ordem`,
        `"Maria José";${CPF_MARIA};${P.right};${P.answered};${P.clean};${P.wrong};${P.dead};"a; b";qualificado|atendeu_recentemente|limpo|nao_qualificado|inativo`,
        `João;${CPF_JOAO};"${P.joaoRight}";${P.joaoClean};;;;x;qualificado|limpo`,
      ].join('\r\n') + '\r\n',
    );
    expect(result.counts).toMatchObject({ keptRows: 2, rightPartyQualified: 2, rightPartyNotQualified: 1, rightPartyInactive: 1 });
    const saved = await server.api().get(`/v1/mailings/${result.mailing!.id}`).set('authorization', a.auth('dialer')).expect(200);
    expect(saved.body.counts).toMatchObject({ rightPartyQualified: 2, rightPartyNotQualified: 1, rightPartyInactive: 1 });
  });

  test('when order=best is not asked, then the mailing comes back byte for byte and nothing is counted as right party', async () => {
    const csv = `nome;cpf;telefone1;telefone2\r\n"Maria José";${CPF_MARIA};${P.wrong};${P.right}\r\n`;
    const result = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv);
    expect(result.kept).toBe(csv);
    expect(result.summary.counts).toMatchObject({ rightPartyQualified: 0, rightPartyNotQualified: 0, rightPartyInactive: 0 });
  });

  test('when the contact column is not named, then it is detected from a lead id name; another tenant gets no benefit of this history', async () => {
    const csv = `lead_id,celular,telefone2\r\n11144477735,${P.joaoClean.replace(/\D/g, '')},${P.joaoRight.replace(/\D/g, '')}\r\n`;
    const own = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv, { order: 'best' });
    expect(own.kept.split('\r\n')[1]).toBe(`11144477735,${P.joaoRight.replace(/\D/g, '')},${P.joaoClean.replace(/\D/g, '')},qualificado|limpo`);
    const stranger = await buildTenant(server);
    await stranger.campaign('outra', true);
    const theirs = await filterCsvMailing(server, stranger.auth('dialer'), 'outra', csv, { order: 'best' });
    expect(theirs.kept.split('\r\n')[1]).toBe(`11144477735,${P.joaoClean.replace(/\D/g, '')},${P.joaoRight.replace(/\D/g, '')},limpo|limpo`);
  });

  test('when an NDJSON mailing is ordered, then a phone array is reordered and the reasons are a field beside the contact', async () => {
    const body = JSON.stringify({ cpf: CPF_MARIA, nome: 'Maria', phones: [P.clean, P.right, P.wrong] }) + '\n';
    const response = await filterJsonMailing(server, a.auth('dialer'), 'cobranca', body, 'application/x-ndjson', { order: 'best' });
    expect(response.lines[0]).toEqual({ kept: { cpf: CPF_MARIA, nome: 'Maria', phones: [P.right, P.clean, P.wrong] }, orderReasons: ['qualificado', 'limpo', 'nao_qualificado'] });
  });

  test('when one other tenant alone reports answers on a number, then it does not move up (abuse); a second tenant makes it "answered recently"', async () => {
    const fresh = '(31) 98333-0001';
    const pushed = '(31) 98333-0002';
    const csv = `cpf;telefone1;telefone2\r\n${CPF_JOAO};${fresh};${pushed}\r\n`;
    const adversary = await buildTenant(server);
    await adversary.campaign('fake', true);
    await adversary.report(Array.from({ length: 5 }, (_v, i) => ({ callId: `fake-${i}`, campaignId: 'fake', phone: pushed, code: 'sip:200' })));
    const before = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv, { order: 'best' });
    expect(before.kept.split('\r\n')[1]).toBe(`${CPF_JOAO};${fresh};${pushed};limpo|limpo`);
    const honest = await buildTenant(server);
    await honest.campaign('real', true);
    await honest.report([{ callId: 'real-1', campaignId: 'real', phone: pushed, code: 'sip:200' }]);
    const after = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv, { order: 'best' });
    expect(after.kept.split('\r\n')[1]).toBe(`${CPF_JOAO};${pushed};${fresh};atendeu_recentemente|limpo`);
  });

  test('when the CLI filters with --melhor-primeiro, then the output is ordered and the pt-BR summary gives the counts', async () => {
    const input = path.join(dir, 'cli.csv');
    await writeFile(input, `cpf;telefone;celular\n${CPF_MARIA};${P.wrong};${P.right}\n`, 'latin1');
    const bin = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');
    const child = spawnChild([bin, 'filtrar', input, '--campanha', 'cobranca', '--melhor-primeiro', '--coluna-contato', 'cpf', '--sem-progresso'], {
      HYGIENE_LANG: '',
      HYGIENE_URL: server.url,
      HYGIENE_API_KEY: a.dialerKey,
      HYGIENE_OUTBOX: path.join(dir, 'cli-outbox'),
    });
    try {
      expect((await child.exited).code).toBe(0);
      expect(child.stdout()).toContain('Telefones por contato: 1 qualificados, 1 não qualificados, 0 inativos.');
      expect(await readFile(path.join(dir, 'cli-filtrado.csv'), 'latin1')).toBe(`cpf;telefone;celular;motivo_ordem\n${CPF_MARIA};${P.right};${P.wrong};qualificado|nao_qualificado\n`);
    } finally {
      killAllChildren();
    }
  });

  test('when the answers are older than the 90-day window, then they no longer count and maintenance prunes them', async () => {
    const csv = `cpf;telefone1;telefone2\r\n${CPF_JOAO};${P.clean};${P.answered}\r\n`;
    const now = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv, { order: 'best' });
    expect(now.kept.split('\r\n')[1]).toBe(`${CPF_JOAO};${P.answered};${P.clean};atendeu_recentemente|limpo`);
    server.clock.advanceDays(91);
    const later = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', csv, { order: 'best' });
    expect(later.kept.split('\r\n')[1]).toBe(`${CPF_JOAO};${P.clean};${P.answered};limpo|limpo`);
    const report = await server.services.maintenance.run();
    expect(report.answersPruned).toBeGreaterThan(0);
  });

  test('when order=best names a column the mailing lacks, then the request is refused naming contactColumn', async () => {
    const result = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', `nome;telefone\r\nAna;${P.clean}\r\n`, { order: 'best', contactColumn: 'documento' });
    expect(result.status).toBe(400);
  });
});
