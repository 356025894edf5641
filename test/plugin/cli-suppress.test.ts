import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { killAllChildren, spawnChild } from '../support/processes';

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');

async function hygiene(args: string[], env: Record<string, string>) {
  const child = spawnChild([BIN, ...args], { HYGIENE_LANG: '', ...env });
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** Issue 13: `hygiene suprimir` adds do-not-call entries from a file or the command line, in pt-BR. */
describe('hygiene suprimir (CLI)', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let dir: string;
  let env: Record<string, string>;
  const suppressed = async (phones: string[], campaignId: string) =>
    (await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones, campaignId }).expect(200)).body.results.map((result: { status: string }) => result.status === 'suppressed');

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    await tenant.campaign('vendas', false);
    await tenant.campaign('cobranca', false);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-cli-suppress-'));
    env = { HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, 'outbox') };
  });

  afterAll(async () => {
    killAllChildren();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when asked for help, then it explains the command in pt-BR; the general help lists it', async () => {
    const help = await hygiene(['suprimir', '--help'], {});
    expect(help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^uso: hygiene suprimir/) });
    expect(help.stdout).toContain('--origem <texto>');
    expect((await hygiene(['--help'], {})).stdout).toContain('suprimir <arquivo.csv>');
    expect((await hygiene(['suppress', '--help', '--lang', 'en'], {})).stdout).toMatch(/^usage: hygiene suppress/);
  });

  it('when the source is missing, then it is a usage error (exit 2) naming --origem', async () => {
    const result = await hygiene(['suprimir', '--telefone', '11987654321'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--origem');
  });

  it("when a file is given with a campaign, then its numbers join that campaign's list only, and bad lines are reported by line", async () => {
    const file = path.join(dir, 'nao-ligar.csv');
    await writeFile(file, 'nome;telefone\nAna;11 98888-0001\nBia;xyz\nCris;(11) 98888-0002\n', 'latin1');
    const result = await hygiene(['suprimir', file, '--campanha', 'vendas', '--origem', 'pedido do cliente', '--expira', '2099-12-31'], env);
    expect(result).toMatchObject({ code: 0, stdout: '2 números na lista de não ligar da campanha vendas (4 linhas lidas).\n' });
    expect(result.stderr).toContain('linha 3:');
    expect(await suppressed(['11 98888-0001', '11 98888-0002'], 'vendas')).toEqual([true, true]);
    expect(await suppressed(['11 98888-0001'], 'cobranca')).toEqual([false]);
    const entries = await server.api().get('/v1/suppression/entries').query({ campaignId: 'vendas' }).set('authorization', tenant.auth('admin')).expect(200);
    expect(entries.body.entries[0]).toMatchObject({ source: 'pedido do cliente', expiresAt: '2100-01-01T02:59:59.000Z' });
  });

  it('when phones are given on the command line, then they join the tenant-wide list', async () => {
    const result = await hygiene(['suprimir', '--telefone', '11 98888-0003,11 98888-0004', '--origem', 'Procon'], env);
    expect(result).toMatchObject({ code: 0, stdout: '2 números na lista de não ligar de todas as campanhas.\n' });
    expect(await suppressed(['11 98888-0003', '11 98888-0004'], 'cobranca')).toEqual([true, true]);
  });
});
