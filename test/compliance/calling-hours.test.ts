import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';

/** Issue 13, calling hours at dial time, through the real server with a moved clock (TestClock). */
describe('calling hours at the dial-time check (end to end)', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let other: BuiltTenant;
  const SP = '11 98765-4321';
  const ACRE = '68 99988-7766';

  /** Moves the server's clock to an absolute instant. */
  const setTime = (iso: string) => server.clock.advanceMs(new Date(iso).getTime() - server.clock.now().getTime());
  const check = (who: BuiltTenant, phones: string[]) =>
    server.api().post('/v1/numbers/check').set('authorization', who.auth('dialer')).send({ phones, campaignId: 'vendas' }).expect(200);

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    other = await buildTenant(server);
    await tenant.campaign('vendas', false);
    await other.campaign('vendas', false);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when it is Sunday noon in São Paulo, then the check answers OUTSIDE_CALLING_HOURS in Portuguese with Monday 08:00 in each state\'s own offset', async () => {
    setTime('2026-12-06T15:00:00Z');
    const response = await check(tenant, [SP, ACRE]);
    expect(response.body.results).toEqual([
      { status: 'outside_hours', code: 'OUTSIDE_CALLING_HOURS', message: 'fora do horário permitido (SP)', uf: 'SP', nextAllowedAt: '2026-12-07T08:00:00-03:00' },
      { status: 'outside_hours', code: 'OUTSIDE_CALLING_HOURS', message: 'fora do horário permitido (AC)', uf: 'AC', nextAllowedAt: '2026-12-07T08:00:00-05:00' },
    ]);
  });

  it('when it is 09:00 in São Paulo on a Monday, then São Paulo is clean and Acre (07:00 there) waits until 08:00 Acre time', async () => {
    setTime('2026-12-07T12:00:00Z');
    const response = await check(tenant, [SP, ACRE]);
    expect(response.body.results[0]).toEqual({ status: 'clean' });
    expect(response.body.results[1]).toMatchObject({ status: 'outside_hours', nextAllowedAt: '2026-12-07T08:00:00-05:00' });
  });

  it("when an admin opens Sundays for São Paulo, then that tenant's Sunday check passes, another tenant's does not, and null restores the preset", async () => {
    setTime('2026-12-06T15:00:00Z');
    const windows = { weekdays: { start: '08:00', end: '20:00' }, saturday: { start: '08:00', end: '14:00' }, sunday: { start: '10:00', end: '14:00' } };
    const put = await server.api().put('/v1/calling-hours/sp').set('authorization', tenant.auth('admin')).send({ windows }).expect(200);
    expect(put.body.hours).toEqual(expect.arrayContaining([expect.objectContaining({ scope: 'SP', from: 'tenant', windows })]));
    expect((await check(tenant, [SP])).body.results[0]).toEqual({ status: 'clean' });
    expect((await check(other, [SP])).body.results[0]).toMatchObject({ status: 'outside_hours' });
    await server.api().put('/v1/calling-hours/SP').set('authorization', tenant.auth('dialer')).send({ windows }).expect(403);
    await server.api().put('/v1/calling-hours/SP').set('authorization', tenant.auth('admin')).send({ windows: null }).expect(200);
    expect((await check(tenant, [SP])).body.results[0]).toMatchObject({ status: 'outside_hours' });
    const view = await server.api().get('/v1/calling-hours').set('authorization', tenant.auth('dialer')).expect(200);
    expect(view.body.hours.find((row: { scope: string }) => row.scope === 'SP')).toMatchObject({ from: 'preset', presetSource: expect.stringContaining('15.426/2014') });
  });

  it('when windows are malformed or the scope is not a state, then 400 names the field', async () => {
    const backwards = await server.api().put('/v1/calling-hours/SP').set('authorization', tenant.auth('admin')).send({ windows: { weekdays: { start: '20:00', end: '08:00' }, saturday: null, sunday: null } }).expect(400);
    expect(backwards.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'windows' });
    const badTime = await server.api().put('/v1/calling-hours/SP').set('authorization', tenant.auth('admin')).send({ windows: { weekdays: { start: '8h', end: '20:00' }, saturday: null, sunday: null } }).expect(400);
    expect(badTime.body.error.field).toBe('windows.weekdays.start');
    await server.api().put('/v1/calling-hours/XX').set('authorization', tenant.auth('admin')).send({ windows: null }).expect(400);
  });
});
