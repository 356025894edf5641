import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, type TestServer } from '../support/harness';
import { killAllChildren, spawnChild } from '../support/processes';
import { brazilianPhone, createVicidialDb, rows, type VicidialFixture } from './fixture';
import { prng } from '../../plugin/contract/prng';

/**
 * `hygiene vicidial higienizar` / `desfazer` end to end on the real MariaDB and a real server: exactly the leads
 * whose phones are all invalid get the suppression status and leave the hopper, invalid alternate phones are
 * blanked, every other byte stays; `desfazer` puts the list back exactly (modify_date included).
 */

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');

let server: TestServer;
let tenant: BuiltTenant;
let vici: VicidialFixture;
let dir: string;
let config: string;
let env: Record<string, string>;

const random = prng(1001);
const phone = () => brazilianPhone(random, true);
const INVALID = Array.from({ length: 8 }, phone);
const UNCONFIRMED = phone();
const bad = (i: number) => INVALID[i]!;

/** The named leads of the scenario (lead_id → what must happen), among clean filler leads. */
type Lead = { id: number; list: number; main: string; alt?: string; address3?: string; extended?: string[]; hopper?: string[]; live?: boolean };
const LEADS: Record<string, Lead> = {
  onlyMainInvalid: { id: 11, list: 1001, main: bad(0), hopper: ['NONE'] },
  allInvalid: { id: 12, list: 1001, main: bad(1), alt: bad(2), address3: bad(3), hopper: ['NONE'] },
  mainInvalidAltValid: { id: 13, list: 1001, main: bad(4), alt: phone(), hopper: ['NONE'] },
  altInvalid: { id: 14, list: 1001, main: phone(), alt: bad(5), hopper: ['ALT', 'NONE'] },
  extendedInvalid: { id: 15, list: 1001, main: bad(6), extended: [bad(7)] },
  extendedValid: { id: 16, list: 1001, main: bad(0), extended: [phone()] },
  streetAddress3: { id: 17, list: 1001, main: bad(1), address3: 'Rua das Flores 123' },
  otherList: { id: 18, list: 1002, main: bad(2), hopper: ['NONE'] },
  inLiveCall: { id: 19, list: 1001, main: bad(3), live: true },
  unconfirmed: { id: 20, list: 1001, main: UNCONFIRMED, hopper: ['NONE'] },
};

async function dump() {
  return {
    list: await rows(vici.conn, 'SELECT * FROM vicidial_list ORDER BY lead_id'),
    alt: await rows(vici.conn, 'SELECT * FROM vicidial_list_alt_phones ORDER BY alt_phone_id'),
    hopper: await rows(vici.conn, 'SELECT * FROM vicidial_hopper ORDER BY hopper_id'),
  };
}

const run = async (args: string[]) => {
  const child = spawnChild([BIN, 'vicidial', ...args], env);
  const { code } = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
};

beforeAll(async () => {
  server = await startTestServer({ env: SINGLE_SOURCE_RULES });
  tenant = await buildTenant(server);
  await tenant.campaign('cobranca', true);
  for (const [i, number] of INVALID.entries()) await tenant.report(invalidOutcomes(`inv${i}`, 'cobranca', number, 10));
  await tenant.report(invalidOutcomes('unc', 'cobranca', UNCONFIRMED, 3));
  vici = await createVicidialDb();
  const fillerRandom = prng(7);
  const values: unknown[][] = [];
  for (let id = 1; id <= 200; id++) {
    if (id >= 11 && id <= 20) continue;
    values.push([id, id % 4 === 0 ? 1002 : 1001, '55', brazilianPhone(fillerRandom), id % 3 === 0 ? brazilianPhone(fillerRandom) : '', id % 5 === 0 ? 'Apto 12' : null, `Cliente ${id}`, 'NA', `2026-11-0${1 + (id % 9)} 08:00:00`]);
  }
  for (const lead of Object.values(LEADS)) values.push([lead.id, lead.list, '55', lead.main, lead.alt ?? '', lead.address3 ?? null, `Lead ${lead.id}`, 'NA', '2026-11-20 10:11:12']);
  await vici.conn.query(
    `INSERT INTO vicidial_list (lead_id, list_id, phone_code, phone_number, alt_phone, address3, first_name, status, modify_date) VALUES ${values.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    values.flat(),
  );
  for (const lead of Object.values(LEADS)) {
    for (const [n, number] of (lead.extended ?? []).entries()) {
      await vici.conn.query("INSERT INTO vicidial_list_alt_phones (lead_id, phone_code, phone_number, alt_phone_note, alt_phone_count, active) VALUES (?, '55', ?, 'trabalho', ?, 'Y')", [lead.id, number, n + 1]);
    }
    for (const altDial of lead.hopper ?? []) {
      await vici.conn.query("INSERT INTO vicidial_hopper (lead_id, campaign_id, status, list_id, alt_dial, source) VALUES (?, ?, 'READY', ?, ?, 'S')", [lead.id, lead.list === 1002 ? 'VENDAS' : 'COBRA', lead.list, altDial]);
    }
    if (lead.live) await vici.conn.query("INSERT INTO vicidial_auto_calls (server_ip, campaign_id, status, lead_id, uniqueid, phone_code, phone_number, call_time) VALUES ('10.0.0.11', 'COBRA', 'LIVE', ?, '1700000000.1', '55', ?, NOW())", [lead.id, lead.main]);
  }
  await vici.conn.query("INSERT INTO vicidial_hopper (lead_id, campaign_id, status, list_id, alt_dial, source) VALUES (1, 'COBRA', 'READY', 1001, 'NONE', 'S')");
  dir = await mkdtemp(path.join(tmpdir(), 'hyg-vicidial-sup-'));
  config = path.join(dir, 'vicidial.json');
  await writeFile(config, JSON.stringify({ mysql: vici.url, estadoDir: path.join(dir, 'estado'), statusSupressao: 'HGINV' }));
  env = { HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, 'fila') };
}, 120_000);

afterAll(async () => {
  await killAllChildren();
  await vici?.drop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('when a list is suppressed, then exactly the leads with no valid phone get the status and leave the hopper, invalid alternates are blanked, and desfazer restores the list exactly', async () => {
  const before = await dump();

  const dry = await run(['higienizar', '--lista', '1001', '--simular', '--config', config]);
  expect(dry.stderr).toBe('');
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('simulação');
  expect(dry.stdout).toContain('leads suspensos (HGINV): 5;');
  expect(await dump()).toEqual(before);

  const applied = await run(['higienizar', '--lista', '1001', '--config', config]);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const auditFile = /auditoria: (\S+)/.exec(applied.stdout)![1]!;
  expect((await stat(auditFile)).mode & 0o777).toBe(0o600);
  const after = await dump();

  // Expected: the scenario's changes on the dump taken before, and nothing else.
  const suppressed = [LEADS.onlyMainInvalid, LEADS.allInvalid, LEADS.extendedInvalid, LEADS.streetAddress3].map((lead) => lead!.id);
  const changedLeads = new Set([...suppressed, LEADS.altInvalid!.id]);
  const expectedList = before.list.map((row) => {
    const id = Number(row.lead_id);
    if (!changedLeads.has(id)) return row;
    const next: Record<string, unknown> = { ...row, modify_date: expect.any(String) };
    if (suppressed.includes(id)) next.status = 'HGINV';
    if (id === LEADS.allInvalid!.id) Object.assign(next, { alt_phone: '', address3: '' });
    if (id === LEADS.altInvalid!.id) next.alt_phone = '';
    return next;
  });
  expect(after.list).toEqual(expectedList);
  expect(after.alt).toEqual(before.alt.map((row) => (row.phone_number === bad(7) ? { ...row, active: 'N' } : row)));
  const leaving = new Set([...suppressed]);
  expect(after.hopper).toEqual(before.hopper.filter((row) => !leaving.has(Number(row.lead_id)) && !(Number(row.lead_id) === LEADS.altInvalid!.id && row.alt_dial === 'ALT')));
  expect(applied.stdout).toContain('leads suspensos (HGINV): 4;');
  expect(applied.stdout).toContain('adiados (em chamada ou alterados): 1');

  // desfazer: the list and the extended phones are back byte for byte (modify_date included).
  const undone = await run(['desfazer', auditFile, '--config', config]);
  expect(undone.code).toBe(0);
  expect(undone.stdout).toContain('desfeito: 5 leads e 1 telefones extras restaurados; 0 alterados');
  const restored = await dump();
  expect(restored.list).toEqual(before.list);
  expect(restored.alt).toEqual(before.alt);
  expect(JSON.parse((await readFile(auditFile, 'utf8')).split('\n')[0]!)).toMatchObject({ tipo: 'inicio', listas: ['1001'], status: 'HGINV' });

  // Again, then a call overwrites a suppressed lead's status and the live call ends: the next run re-applies both.
  expect((await run(['higienizar', '--lista', '1001', '--config', config])).code).toBe(0);
  await vici.conn.query("UPDATE vicidial_list SET status = 'NA' WHERE lead_id = ?", [LEADS.onlyMainInvalid!.id]);
  await vici.conn.query('DELETE FROM vicidial_auto_calls');
  const again = await run(['higienizar', '--lista', '1001', '--config', config]);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('leads suspensos (HGINV): 2;');
  const reapplied = await rows<{ lead_id: number; status: string }>(vici.conn, 'SELECT lead_id, status FROM vicidial_list WHERE lead_id IN (?, ?) ORDER BY lead_id', [LEADS.onlyMainInvalid!.id, LEADS.inLiveCall!.id]);
  expect(reapplied.map((row) => row.status)).toEqual(['HGINV', 'HGINV']);
}, 180_000);

it('when the campaign is named instead of lists, then its active lists are the ones checked', async () => {
  const dry = await run(['higienizar', '--campanha-vici', 'VENDAS', '--simular', '--config', config]);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain('listas 1002:');
  expect(dry.stdout).toContain('leads suspensos (HGINV): 1;');
});
