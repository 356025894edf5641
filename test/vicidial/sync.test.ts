import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, type TestServer } from '../support/harness';
import { eventually } from '../support/eventually';
import { killAllChildren, spawnChild } from '../support/processes';
import { createVicidialDb, expectedCounts, fillDay, rows, type GeneratedCall, type VicidialFixture } from './fixture';

/**
 * `hygiene vicidial sincronizar` end to end: a VICIdial database on the real MariaDB, the real CLI in a child process,
 * a real hygiene server. The server's per-campaign counters must equal the calls of the day, each exactly once.
 */

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');
const CAMPAIGNS = { COBRA: 'cobranca', VENDAS: 'vendas' } as const;

let server: TestServer;
let dir: string;

beforeAll(async () => {
  server = await startTestServer({ env: SINGLE_SOURCE_RULES });
  dir = await mkdtemp(path.join(tmpdir(), 'hyg-vicidial-'));
}, 60_000);

afterAll(async () => {
  await killAllChildren();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function dayWindow(vici: VicidialFixture) {
  const [times] = await rows<{ from: string; to: string }>(vici.conn, 'SELECT NOW() - INTERVAL 3 HOUR AS `from`, NOW() - INTERVAL 10 MINUTE AS `to`');
  return times!;
}

async function setup(name: string, calls: number, extra: Record<string, unknown> = {}) {
  const vici = await createVicidialDb();
  const tenant = await buildTenant(server);
  const { from, to } = await dayWindow(vici);
  const generated = await fillDay(vici.conn, { calls, from, to });
  const config = path.join(dir, `${name}.json`);
  await writeFile(
    config,
    JSON.stringify({
      mysql: vici.url,
      campanhas: CAMPAIGNS,
      mapaStatus: { NUMINX: 'número inexistente' },
      inicio: from,
      estadoDir: path.join(dir, `${name}-estado`),
      fatia: 50,
      ...extra,
    }),
  );
  const env = { HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, `${name}-fila`) };
  return { vici, tenant, generated, config, env };
}

const run = async (args: string[], env: Record<string, string>) => {
  const child = spawnChild([BIN, 'vicidial', ...args], env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
};

async function counters(tenant: BuiltTenant, campaign: string) {
  const response = await server.api().get(`/v1/campaigns/${campaign}`).set('authorization', tenant.auth('dialer'));
  return response.status === 404 ? { invalid: 0, contact: 0, neutral: 0 } : (response.body.reported as { invalid: number; contact: number; neutral: number });
}

async function expectServerCounts(tenant: BuiltTenant, calls: readonly GeneratedCall[]) {
  expect({ cobranca: await counters(tenant, CAMPAIGNS.COBRA), vendas: await counters(tenant, CAMPAIGNS.VENDAS) }).toEqual({
    cobranca: expectedCounts(calls, 'COBRA'),
    vendas: expectedCounts(calls, 'VENDAS'),
  });
}

/** The agent dispositions land: the INCALL rows get their final status, as vdc_db_query.php does. */
async function landDispositions(vici: VicidialFixture, calls: readonly GeneratedCall[]) {
  for (const call of calls) if (call.lateStatus) await vici.conn.query('UPDATE vicidial_log SET status = ? WHERE uniqueid = ?', [call.lateStatus, call.uniqueid]);
}

it('when a day of calls is synced, then each call counts once by its carrier cause or final disposition, and late dispositions count when they land', async () => {
  const { vici, tenant, generated, config, env } = await setup('dia', 600);
  try {
    const first = await run(['sincronizar', '--config', config], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/vicidial: ok .*em_dia=sim/);
    const waiting = generated.filter((call) => call.lateStatus);
    expect(waiting.length).toBeGreaterThan(20);
    // Answered calls still INCALL wait for their disposition; every other call is counted already.
    await expectServerCounts(tenant, generated.filter((call) => !call.lateStatus));

    await landDispositions(vici, generated);
    expect((await run(['sincronizar', '--config', config], env)).code).toBe(0);
    await expectServerCounts(tenant, generated);

    // A third run finds nothing new and sends nothing again.
    const third = await run(['sincronizar', '--config', config], env);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('reportadas=0');
    expect(third.stdout).toContain('enviadas: 0 aceitas, 0 repetidas');
    await expectServerCounts(tenant, generated);
  } finally {
    await vici.drop();
  }
}, 180_000);

it('when the connector is SIGKILLed mid-sync and restarted, then every call still counts exactly once', async () => {
  const { vici, tenant, generated, config, env } = await setup('kill', 2500, { maxPorPassada: 150, fatia: 40 });
  try {
    await landDispositions(vici, generated);
    for (const atLeast of [300, 1200]) {
      const daemon = spawnChild([BIN, 'vicidial', 'sincronizar', '--continuo', '--config', config], env);
      const reported = () => Math.max(0, ...[...daemon.stdout().matchAll(/vicidial: ok .* total=(\d+)/g)].map((match) => Number(match[1])));
      await eventually(() => reported() >= atLeast || daemon.process.exitCode !== null, `the daemon reports ${atLeast} calls`, 90_000);
      // Killed mid-sync: after some passes, with more to read (the state says where it was, the outbox what it queued).
      expect(reported()).toBeLessThan(generated.length);
      await daemon.kill('SIGKILL');
    }
    const last = await run(['sincronizar', '--config', config], env);
    expect(last.code).toBe(0);
    await expectServerCounts(tenant, generated);
    const total = Object.values(await counters(tenant, CAMPAIGNS.COBRA)).reduce((a, b) => a + b, 0) + Object.values(await counters(tenant, CAMPAIGNS.VENDAS)).reduce((a, b) => a + b, 0);
    expect(total).toBe(generated.length);
  } finally {
    await vici.drop();
  }
}, 240_000);

it('when the database has a schema version the connector does not know, then it refuses and names it, unless accepted', async () => {
  const { vici, config, env } = await setup('versao', 10);
  try {
    await vici.conn.query('UPDATE system_settings SET db_schema_version = 1800');
    const refused = await run(['sincronizar', '--config', config], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('db_schema_version=1800');
    expect(refused.stderr).toContain('--aceitar-versao 1800');
    // The daemon does not retry what waiting cannot fix: it stops with the same message and code.
    const daemon = await run(['sincronizar', '--continuo', '--config', config], env);
    expect(daemon.code).toBe(2);
    expect(daemon.stdout).toContain('db_schema_version=1800');
    expect((await run(['sincronizar', '--config', config, '--aceitar-versao', '1800'], env)).code).toBe(0);
  } finally {
    await vici.drop();
  }
}, 60_000);

it('when the database is down, then the daemon prints an error health line, backs off, and stops on SIGTERM', async () => {
  const config = path.join(dir, 'fora.json');
  await writeFile(config, JSON.stringify({ mysql: 'mysql://root@127.0.0.1:9/asterisk', estadoDir: path.join(dir, 'fora-estado') }));
  const daemon = spawnChild([BIN, 'vicidial', 'sincronizar', '--continuo', '--config', config], { HYGIENE_URL: server.url, HYGIENE_API_KEY: 'hyg_x', HYGIENE_OUTBOX: path.join(dir, 'fora-fila') });
  const [line] = await daemon.waitForLine(/vicidial: erro .*nova_tentativa_ms=\d+.*$/, 30_000);
  expect(line).toMatch(/ECONNREFUSED|connect/);
  await daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
}, 60_000);

it('when asked for help, then `hygiene vicidial` answers in pt-BR with its sub-commands, and the general help lists it', async () => {
  const own = await run(['--help'], {});
  expect(own.code).toBe(0);
  expect(own.stdout).toMatch(/^uso: hygiene vicidial <subcomando>/);
  for (const text of ['vicidial sincronizar', 'vicidial higienizar', 'vicidial desfazer', '--simular', '--continuo']) expect(own.stdout).toContain(text);
  const general = spawnChild([BIN, '--help'], { HYGIENE_LANG: '' });
  await general.exited;
  expect(general.stdout()).toContain('vicidial <subcomando>');
});
