import { io as connect, type Socket } from 'socket.io-client';
import type { ComplianceAlertEvent, ComplianceMeterView } from '../../plugin/contract/protocol';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { eventually } from '../support/eventually';

/**
 * Anatel's short-call meter through the API: the registry of CNPJs and access codes, where a call is counted,
 * exactly-once counting across retries, and the alert over socket.io (once per level per day, every instance).
 * Thresholds are small here (env); the full-size day is test/compliance/short-call-meter.test.ts.
 */
const CNPJ_A = '11222333000181';
const CNPJ_B = '44555666000181';
const SMALL_RULES = { ANATEL_ACCESS_CODE_SHORT_CALLS: '10', ANATEL_CNPJ_CALLS: '20', ANATEL_CNPJ_SHORT_PERCENT: '85', ANATEL_ALERT_PERCENT: '50' };

type Facts = { answered?: boolean; voicemail?: boolean; talkSeconds?: number; accessCode?: string };
const calls = (prefix: string, count: number, facts: Facts | undefined, campaignId = 'meter') =>
  Array.from({ length: count }, (_v, i) => ({ callId: `${prefix}-${i}`, campaignId, phone: `1198${String(i).padStart(7, '0')}`, code: 'sip:486', ...(facts ? { call: facts } : {}) }));

describe('compliance meter (API)', () => {
  let first: TestServer;
  let second: TestServer;
  let tenant: BuiltTenant;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const schema = uniqueId('hyg');
    first = await startTestServer({ schema, redisPrefix: `${schema}:`, keepSchema: true, env: SMALL_RULES });
    second = await startTestServer({ schema, redisPrefix: `${schema}:`, env: SMALL_RULES });
    tenant = await buildTenant(first);
    await tenant.campaign('meter', false);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await first.stop();
    await second.stop();
  });

  const admin = () => tenant.auth('admin');
  const send = (server: TestServer, outcomes: unknown[], who: BuiltTenant = tenant) =>
    server.api().post('/v1/outcomes').set('authorization', who.auth('dialer')).send({ outcomes }).expect(200);
  const meter = async (who: BuiltTenant = tenant) => (await first.api().get('/v1/compliance/meter').set('authorization', who.auth('admin')).expect(200)).body as ComplianceMeterView;
  const cnpjRow = (view: ComplianceMeterView, cnpj: string | null) => view.cnpjs.find((row) => row.cnpj === cnpj);

  test('when a CNPJ is registered with wrong check digits, then 400 names the cnpj; with valid ones it is listed with its access codes', async () => {
    const bad = await first.api().put('/v1/compliance/cnpjs/11.222.333%2F0001-82').set('authorization', admin()).send({ name: 'Matriz' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^cnpj: must be a valid CNPJ/) });
    await first.api().put('/v1/compliance/cnpjs/11.222.333%2F0001-81').set('authorization', admin()).send({ name: 'Matriz', accessCodes: ['(11) 3003-1000', '1130032000'] }).expect(200);
    const list = await first.api().get('/v1/compliance/cnpjs').set('authorization', tenant.auth('dialer')).expect(200);
    expect(list.body.cnpjs).toEqual([expect.objectContaining({ cnpj: CNPJ_A, name: 'Matriz', accessCodes: ['1130031000', '1130032000'] })]);
    const dialer = await first.api().put(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', tenant.auth('dialer')).send({ name: 'Filial' });
    expect(dialer.status).toBe(403);
  });

  test('when an access code already belongs to another CNPJ of the tenant, then 409 and nothing changes', async () => {
    const conflict = await first.api().put(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', admin()).send({ name: 'Filial', accessCodes: ['1130031000'] }).expect(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    const list = await first.api().get('/v1/compliance/cnpjs').set('authorization', admin()).expect(200);
    expect(list.body.cnpjs.map((row: { cnpj: string }) => row.cnpj)).toEqual([CNPJ_A]);
  });

  test('when calls come with and without an access code and the tenant has one CNPJ, then both count on it; short, long and unknown apart', async () => {
    await send(first, [
      ...calls('attr-code', 3, { answered: false, accessCode: '1130031000' }),
      ...calls('attr-long', 2, { answered: true, talkSeconds: 45, accessCode: '1130031000' }),
      ...calls('attr-none', 4, { voicemail: true }),
      ...calls('attr-unknown', 1, undefined),
    ]);
    const view = await meter();
    const row = cnpjRow(view, CNPJ_A)!;
    expect(row.today).toEqual({ calls: 10, shortCalls: 7, unknownCalls: 1, shortPercent: 70 });
    expect(row.accessCodes.find((code) => code.accessCode === '1130031000')!.today).toMatchObject({ calls: 5, shortCalls: 3 });
    expect(row.accessCodes.find((code) => code.accessCode === null)!.today).toMatchObject({ calls: 5, shortCalls: 4, unknownCalls: 1 });
    expect(row.accessCodes.find((code) => code.accessCode === '1130032000')).toMatchObject({ registered: true, today: { calls: 0 } });
    expect(view.coverage).toMatch(/apenas as chamadas que os discadores deste cliente reportam/);
  });

  test('when the same batch is sent again (HTTP retry, then over the socket), then no call is counted twice', async () => {
    const before = cnpjRow(await meter(), CNPJ_A)!.today;
    const batch = calls('retry', 5, { answered: false, accessCode: '1130031000' });
    expect((await send(first, batch)).body.accepted).toBe(5);
    expect((await send(second, batch)).body.duplicates).toBe(5);
    const socket = connect(first.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.dialerKey } });
    sockets.push(socket);
    const ack = await new Promise<{ ok: boolean; result?: { duplicates: number } }>((resolve) => socket.emit('outcomes:report', { outcomes: batch }, resolve));
    expect(ack.result?.duplicates).toBe(5);
    const after = cnpjRow(await meter(), CNPJ_A)!.today;
    expect(after.calls - before.calls).toBe(5);
    expect(after.shortCalls - before.shortCalls).toBe(5);
  });

  test('when a tenant has two CNPJs, then a call without access code is "sem CNPJ" unless its campaign names one', async () => {
    const other = await buildTenant(first);
    await other.campaign('meter', false);
    await other.campaign('named', false);
    for (const cnpj of [CNPJ_A, CNPJ_B]) await first.api().put(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', other.auth('admin')).send({ name: cnpj }).expect(200);
    await first.api().put('/v1/compliance/campaigns/named/cnpj').set('authorization', other.auth('admin')).send({ cnpj: '44.555.666/0001-81' }).expect(200);
    await send(first, [...calls('two-a', 2, { answered: false }), ...calls('two-b', 3, { answered: false }, 'named')], other);
    const view = await meter(other);
    expect(cnpjRow(view, null)!.today.calls).toBe(2);
    expect(cnpjRow(view, CNPJ_B)!.today.calls).toBe(3);
    expect(cnpjRow(view, CNPJ_A)!.today.calls).toBe(0);
    // The first tenant's meter does not see the other's calls.
    expect(cnpjRow(await meter(), CNPJ_B)).toBeUndefined();
  });

  test('when an access code crosses the alert level and then the limit, then the admins on every instance get one alert per level, dialers none', async () => {
    const received: ComplianceAlertEvent[] = [];
    const dialerReceived: ComplianceAlertEvent[] = [];
    const adminSocket = connect(second.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.adminToken } });
    const dialerSocket = connect(second.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.dialerKey } });
    sockets.push(adminSocket, dialerSocket);
    adminSocket.on('compliance:alert', (alert) => received.push(alert));
    dialerSocket.on('compliance:alert', (alert) => dialerReceived.push(alert));
    await Promise.all([adminSocket, dialerSocket].map((socket) => new Promise((resolve) => socket.on('connect', () => resolve(undefined)))));
    // The code 1130032000 starts at 0 short calls: 5 reach the alert level (50% of 10), 10 the limit.
    const code = { answered: false, accessCode: '1130032000' };
    await send(first, calls('alert-1', 5, code));
    await eventually(() => received.some((alert) => alert.scope === 'access_code' && alert.level === 'alert'), 'the alert level event');
    await send(first, calls('alert-2', 2, code));
    await send(first, calls('alert-3', 3, code));
    await eventually(() => received.some((alert) => alert.level === 'limit' && alert.scope === 'access_code'), 'the limit event');
    await send(first, calls('alert-4', 5, code));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const forCode = received.filter((alert) => alert.scope === 'access_code');
    expect(forCode.map((alert) => `${alert.accessCode} ${alert.level} ${alert.status}`)).toEqual(['1130032000 alert atenção', '1130032000 limit bloqueio provável']);
    expect(forCode[1]).toMatchObject({ cnpj: CNPJ_A, shortCalls: 10 });
    expect(dialerReceived).toEqual([]);
    const view = await meter();
    expect(cnpjRow(view, CNPJ_A)).toMatchObject({ status: 'bloqueio provável', levels: { accessCode: 'limit' } });
    expect(view.alerts.filter((alert) => alert.scope === 'access_code').map((alert) => `${alert.accessCode} ${alert.level}`)).toEqual(['1130031000 alert', '1130032000 alert', '1130032000 limit']);
    // Criterion II on the CNPJ (20 calls, ≥ 85% short) too: its alert level, then its limit.
    expect(view.alerts.filter((alert) => alert.scope === 'cnpj').map((alert) => alert.level)).toEqual(['alert', 'limit']);
    const history = await first.api().get('/v1/compliance/history').set('authorization', admin()).expect(200);
    expect(history.body.days[0]).toMatchObject({ day: view.day, cnpjs: [expect.objectContaining({ cnpj: CNPJ_A, status: 'bloqueio provável', maxAccessCodeShortCalls: 15 })] });
  });

  test('when one batch takes an access code straight past the limit, then its day lists the limit alone (one event, not two)', async () => {
    const other = await buildTenant(first);
    await other.campaign('meter', false);
    await first.api().put(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', other.auth('admin')).send({ name: 'B', accessCodes: ['1130037000'] }).expect(200);
    // 12 short calls: past criterion I's 10 at once (no separate alert level); 12 of the CNPJ's 20 calls is its alert level.
    await send(first, calls('jump', 12, { answered: false, accessCode: '1130037000' }), other);
    const view = await meter(other);
    expect(view.alerts.map((alert) => `${alert.scope} ${alert.level}`).sort()).toEqual(['access_code limit', 'cnpj alert']);
  });

  test('when the history range is too long or reversed, then 400 names the field', async () => {
    const reversed = await first.api().get('/v1/compliance/history?from=2026-05-02&to=2026-05-01').set('authorization', admin()).expect(400);
    expect(reversed.body.error.message).toMatch(/^from: /);
    const long = await first.api().get('/v1/compliance/history?from=2026-01-01&to=2026-06-01').set('authorization', admin()).expect(400);
    expect(long.body.error.message).toMatch(/at most 92 days/);
  });

  test('when a CNPJ is removed, then its access codes go with it and a second removal is 404', async () => {
    const other = await buildTenant(first);
    await first.api().put(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', other.auth('admin')).send({ name: 'x', accessCodes: ['5511999'] }).expect(200);
    await first.api().delete(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', other.auth('admin')).expect(204);
    await first.api().delete(`/v1/compliance/cnpjs/${CNPJ_B}`).set('authorization', other.auth('admin')).expect(404);
    expect(await first.db.prisma.complianceAccessCode.count({ where: { tenantId: other.id } })).toBe(0);
  });
});
