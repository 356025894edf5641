import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';
import { freePort, killAllChildren, spawnChild } from '../support/processes';
import { expectedCounters, outcomeFor } from './fixtures/outcomes';

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');
const DEAD = '11 97777-0000';

/** Runs the real bin (from the sources in a checkout, so a stale dist/ cannot fool the test); resolves with its exit and output. */
async function hygiene(args: string[], env: Record<string, string>) {
  const child = spawnChild([BIN, ...args], { HYGIENE_LANG: '', ...env });
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

async function writeMailing(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file, { encoding: 'latin1' });
  out.write('id;nome;telefone;celular\n');
  for (let i = 0; i < rows; i++) {
    const phone = i === 7 ? DEAD : `11 9${String(70_000_000 + i)}`;
    // Row 11's second phone is a mobile written before the ninth digit: it comes back upgraded, and counted.
    const second = i % 1000 === 3 ? 'abc' : i === 11 ? '(21) 8765-4321' : '';
    if (!out.write(`${i};Cliente ${i} São Paulo;${phone};${second}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

describe('hygiene CLI, no server needed', () => {
  afterEach(() => killAllChildren());

  it('when asked for help or the version in any spelling, then it answers on stdout in pt-BR and exits 0', async () => {
    // Started together: each is its own process.
    const general = [['--help'], ['-h'], ['ajuda'], []];
    const perCommand = [['filtrar', '--help'], ['ajuda', 'filtrar'], ['filter', '-h']];
    const results = await Promise.all([...general, ...perCommand].map((args) => hygiene(args, {})));
    for (const [index, args] of general.entries()) {
      const result = results[index]!;
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^uso: hygiene <comando> \[opções\]/);
      expect(result.stdout).toContain('filtrar <mailing.csv>');
    }
    for (const [index, args] of perCommand.entries()) {
      const result = results[general.length + index]!;
      expect({ args, code: result.code }).toEqual({ args, code: 0 });
      expect(result.stdout).toMatch(/^uso: hygiene filtrar <mailing.csv> \[opções\]/);
      expect(result.stdout).toContain('--campanha <id>');
      expect(result.stdout).not.toContain('reportar <arquivo>');
    }
    const version = await hygiene(['--version'], {});
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^hygiene \d+\.\d+\.\d+ /) });
    const english = await hygiene(['report', '--help', '--lang', 'en'], {});
    expect(english).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: hygiene report <file> \[options\]/) });
    const unknown = await hygiene(['--ajudar'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^opção desconhecida: --ajudar/);
  });

  it('when started from the sources, then it answers in well under the old loader\'s 5 s', async () => {
    // ~0.3 s on a quiet machine (esbuild's transform, cached on disk); the bound leaves room for a busy CI box.
    const started = Date.now();
    const result = await hygiene(['--version'], {});
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('hygiene CLI', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '3' } });
    tenant = await buildTenant(server);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-cli-'));
    env = { HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, 'outbox') };
  });

  afterEach(async () => {
    await killAllChildren();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when filtering a 200k-row mailing, then it streams it into a filtered file and a rejects file with progress and a pt-BR summary', async () => {
    await tenant.campaign('cobranca', true);
    await tenant.report(invalidOutcomes('dead', 'cobranca', DEAD, 3));
    const input = path.join(dir, 'mailing.csv');
    await writeMailing(input, 200_000);

    const result = await hygiene(['filtrar', input, '--campanha', 'cobranca', '--colunas', 'telefone,celular'], env);

    expect(result.code).toBe(0);
    const malformedRows = 200; // i % 1000 === 3
    expect(result.stdout).toContain('Mailing filtrado: 200.000 linhas; 199.799 mantidas, 1 removidas, 200 malformadas.');
    expect(result.stdout).toContain('1 números higienizados, sendo 1 inválidos e 0 não confirmados; 200 malformados. Nono dígito adicionado: 1 celulares.');
    const progress = result.stderr.split('\n').filter((line) => /^\s*\d+%/.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toMatch(/^100%.*200\.000 linhas$/);
    const kept = (await readFile(path.join(dir, 'mailing-filtrado.csv'), 'latin1')).split('\n');
    expect(kept[0]).toBe('id;nome;telefone;celular');
    expect(kept.length - 2).toBe(200_000 - 1 - malformedRows);
    expect(kept[1]).toBe('0;Cliente 0 São Paulo;11 970000000;');
    expect(kept.some((line) => line.includes(DEAD))).toBe(false);
    const rejects = (await readFile(path.join(dir, 'mailing-rejeitados.csv'), 'latin1')).split('\n').filter(Boolean);
    expect(rejects[0]).toMatch(/^id;nome;telefone;celular;hygiene_error$/);
    expect(rejects).toHaveLength(1 + malformedRows);
  });

  it('when --lang en is given, then the texts are English', async () => {
    await tenant.campaign('sales', false);
    const input = path.join(dir, 'small.csv');
    await writeFile(input, 'name,phone\nAna,11 91234-5678\n');
    const result = await hygiene(['filter', input, '--campaign', 'sales', '--lang', 'en', '--no-progress'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Mailing filtered: 1 rows; 1 kept, 0 dropped, 0 malformed.');
    expect(result.stderr).toContain('hygiene is OFF for this campaign');
    const check = await hygiene(['check'], { ...env, HYGIENE_LANG: 'en' });
    expect(check).toMatchObject({ code: 0, stdout: expect.stringContaining('Dialer key accepted (1 campaigns).') });
  });

  it('when the server is unreachable, then filtrar refuses (exit 3, no output) and verificar says so', async () => {
    const offline = { ...env, HYGIENE_URL: `http://127.0.0.1:${await freePort()}` };
    const input = path.join(dir, 'small.csv');
    await writeFile(input, 'nome;telefone\nAna;11 91234-5678\n');
    const filtered = await hygiene(['filtrar', input, '--campanha', 'x', '--sem-progresso'], offline);
    expect(filtered.code).toBe(3);
    expect(filtered.stderr).toContain('fail-closed');
    expect(existsSync(path.join(dir, 'small-filtrado.csv'))).toBe(false);
    const check = await hygiene(['verificar'], offline);
    expect(check.code).toBe(3);
    expect(check.stderr).toContain('inacessível');
    const badKey = await hygiene(['verificar'], { ...env, HYGIENE_API_KEY: 'hyg_000000000000_nope' });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toContain('Chave do discador recusada');
  });

  it('when outcomes are reported from a CSV while the server is down, then they wait in the outbox and "fila --enviar" delivers them once', async () => {
    const file = path.join(dir, 'tabulacoes.csv');
    const rows = Array.from({ length: 40 }, (_v, i) => outcomeFor('cli', 'campanha', i));
    await writeFile(file, ['id_chamada;telefone;codigo', ...rows.map((r) => `${r.callId};${r.phone};${r.code}`), 'sem-telefone;;sip:404'].join('\n'));

    const offline = { ...env, HYGIENE_URL: `http://127.0.0.1:${await freePort()}` };
    const queued = await hygiene(['reportar', file, '--campanha', 'campanha'], offline);
    expect(queued.code).toBe(3);
    expect(queued.stdout).toContain('40 tabulações gravadas na fila local.');
    expect(queued.stderr).toMatch(/linha 42: missing phone/);
    expect(queued.stderr).toContain('40 tabulações continuam na fila');

    const status = await hygiene(['fila'], env);
    expect(status.stdout).toContain('pendentes: 40');

    const sent = await hygiene(['fila', '--enviar'], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('Enviadas: 40 aceitas, 0 duplicadas');
    expect(sent.stdout).toContain('pendentes: 0');
    const again = await hygiene(['reportar', file, '--campanha', 'campanha'], env);
    expect(again.stdout).toContain('Enviadas: 0 aceitas, 40 duplicadas');
    const campaign = await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer')).expect(200);
    expect(campaign.body.reported).toEqual(expectedCounters(40));
  });
});
