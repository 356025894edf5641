import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { HygieneClient } from '../../plugin/src/index';
import type { ComplianceAlertEvent, ComplianceCnpjMeter, ComplianceMeterView, OutcomeReport } from '../../plugin/contract/protocol';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, type TestServer } from '../support/harness';
import { eventually } from '../support/eventually';

/**
 * Issue 13's done-when, end to end through the plugin client and the real server, at the regulator's real sizes
 * (default thresholds): one CNPJ's day of 120,000 calls with 103,000 short (85.8%) shows "bloqueio provável"
 * within 60 s of the last report; the same day with the known-invalid numbers filtered out first (those dials
 * never happen) stays under 85%, and "chamadas curtas evitadas" equals the dials prevented.
 */
const TOTAL = 120_000;
const SHORT = 103_000;
/** Numbers already on the invalid list when the mailing is filtered: every dial to them is a short call. */
const DEAD = 10_000;
const CNPJ = '11222333000181';
const ACCESS_CODES = ['1130031000', '1130032000'];

const phoneOf = (index: number) => `1198${String(index).padStart(7, '0')}`;

/** The dial of the fixture's `index`-th number, as the dialer reports it (tabulation and call facts). */
function dial(index: number, campaignId: string): OutcomeReport {
  const base = { callId: `${campaignId}-${index}`, campaignId, phone: phoneOf(index) };
  const accessCode = ACCESS_CODES[index % 2]!;
  if (index < DEAD) return { ...base, code: 'sip:404', call: { answered: false, ringSeconds: 1, talkSeconds: 0, accessCode } };
  if (index < 60_000) return { ...base, code: 'sip:486', call: { answered: false, ringSeconds: 30, talkSeconds: 0, accessCode } };
  if (index < 85_000) return { ...base, code: 'sip:200', call: { answered: true, ringSeconds: 8, talkSeconds: 4, accessCode } };
  if (index < SHORT) return { ...base, code: 'sip:200', call: { answered: true, voicemail: true, ringSeconds: 12, talkSeconds: 25, accessCode } };
  return { ...base, code: 'sip:200', call: { answered: true, ringSeconds: 6, talkSeconds: 95, accessCode } };
}

describe('Anatel short-call meter, end to end (120,000 calls)', () => {
  let server: TestServer;
  let dir: string;
  const clients: HygieneClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // One tenant's invalid tabulation puts a number on the invalid list: the seeding below stays small.
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '1' } });
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-anatel-'));
    // Another operation already proved the DEAD numbers dead (carrier 404), before the day starts.
    const seeder = await buildTenant(server);
    await seeder.campaign('seed', true);
    const seeded = await seeder.report(Array.from({ length: DEAD }, (_v, index) => ({ callId: `seed-${index}`, campaignId: 'seed', phone: phoneOf(index), code: 'sip:404' })));
    expect(seeded.accepted).toBe(DEAD);
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const client of clients) await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function operation(name: string, hygiene: boolean): Promise<{ tenant: BuiltTenant; client: HygieneClient }> {
    const tenant = await buildTenant(server);
    await tenant.campaign(name, hygiene);
    await server.api().put(`/v1/compliance/cnpjs/${CNPJ}`).set('authorization', tenant.auth('admin')).send({ name: 'Cobrança Matriz', accessCodes: ACCESS_CODES }).expect(200);
    const client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, name), batchSize: 10_000, flushIntervalMs: 600_000 });
    clients.push(client);
    return { tenant, client };
  }

  const meterOf = async (tenant: BuiltTenant): Promise<ComplianceCnpjMeter> => {
    const view = (await server.api().get('/v1/compliance/meter').set('authorization', tenant.auth('admin')).expect(200)).body as ComplianceMeterView;
    return view.cnpjs.find((row) => row.cnpj === CNPJ)!;
  };

  test('when the whole day is dialed unfiltered, then the CNPJ shows 85.8% short and "bloqueio provável" within 60 s, and its admins get the alert', async () => {
    const { tenant, client } = await operation('sem-higiene', false);
    const alerts: ComplianceAlertEvent[] = [];
    const admin = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.adminToken } });
    sockets.push(admin);
    admin.on('compliance:alert', (alert) => alerts.push(alert));
    await new Promise((resolve) => admin.on('connect', () => resolve(undefined)));

    const started = Date.now();
    await client.reportOutcomes(Array.from({ length: TOTAL }, (_v, index) => dial(index, 'sem-higiene')));
    const status = await client.flush();
    expect(status.deadLettered).toBe(0);
    const lastReport = Date.now();
    let meter: ComplianceCnpjMeter | undefined;
    await eventually(async () => {
      meter = await meterOf(tenant);
      return meter.status === 'bloqueio provável';
    }, '"bloqueio provável"', 60_000);
    const shownAfterMs = Date.now() - lastReport;
    expect(shownAfterMs).toBeLessThan(60_000);
    expect(meter!.today).toEqual({ calls: TOTAL, shortCalls: SHORT, unknownCalls: 0, shortPercent: 85.8 });
    expect(meter!.levels.cnpj).toBe('limit');
    await eventually(() => alerts.some((alert) => alert.scope === 'cnpj' && alert.level === 'limit'), 'the limit alert on the admin socket', 10_000);
    expect(alerts.find((alert) => alert.scope === 'cnpj' && alert.level === 'limit')).toMatchObject({ cnpj: CNPJ, status: 'bloqueio provável', calls: expect.any(Number) });
    console.info(`unfiltered day: ${TOTAL} outcomes reported and flushed in ${lastReport - started} ms; meter showed the block ${shownAfterMs} ms after`);
  }, 240_000);

  test('when the same day\'s mailing goes through hygiene first, then the dead numbers are never dialed, the CNPJ stays under 85% and the avoided calls equal the dials prevented', async () => {
    const { tenant, client } = await operation('com-higiene', true);
    const input = path.join(dir, 'mailing.csv');
    const kept = path.join(dir, 'kept.csv');
    await writeFile(input, `telefone\n${Array.from({ length: TOTAL }, (_v, index) => phoneOf(index)).join('\n')}\n`);
    const filtered = await client.filterMailing(input, { campaignId: 'com-higiene', kept });
    expect(filtered.hygieneApplied).toBe(true);
    expect(filtered.counts.invalidPhones).toBe(DEAD);

    // The dialer dials what came back, nothing else.
    const dialed = new Set((await readFile(kept, 'latin1')).split(/\r?\n/).slice(1).filter(Boolean));
    const prevented = TOTAL - dialed.size;
    expect(prevented).toBe(DEAD);
    const outcomes: OutcomeReport[] = [];
    for (let index = 0; index < TOTAL; index++) if (dialed.has(phoneOf(index))) outcomes.push(dial(index, 'com-higiene'));
    await client.reportOutcomes(outcomes);
    expect((await client.flush()).deadLettered).toBe(0);

    const meter = await meterOf(tenant);
    expect(meter.today).toEqual({ calls: TOTAL - DEAD, shortCalls: SHORT - DEAD, unknownCalls: 0, shortPercent: 84.5 });
    expect(meter.today.shortPercent).toBeLessThan(85);
    expect(meter.levels.cnpj).not.toBe('limit');
    expect(meter.status).not.toBe('bloqueio provável');
    expect(meter.avoided).toBe(prevented);
    const history = await server.api().get('/v1/compliance/history').set('authorization', tenant.auth('admin')).expect(200);
    expect(history.body.days[0].cnpjs).toEqual([expect.objectContaining({ cnpj: CNPJ, avoided: prevented })]);
  }, 240_000);
});
