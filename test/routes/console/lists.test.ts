/**
 * Issue 14, the server side of the console's lists: refused uploads coalesced in the audit log, the audit log
 * searched by display name, dialer keys searched, sorted and paged on the server.
 */
import { buildTenant, type BuiltTenant } from '../../support/factories';
import { startTestServer, type TestServer } from '../../support/harness';
import { COALESCE_WINDOW_MS } from '../../../server/services/audit';

type Details = { code: string; campaign: string; count: number; lastAt: string };

describe('console lists on the server', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    await tenant.campaign('vendas', true);
  });
  afterAll(async () => {
    await server.stop();
  });

  const refusedRows = async (tenantId: string) =>
    (await server.services.prisma.auditEvent.findMany({ where: { tenantId, action: 'mailing.refused' }, orderBy: { id: 'asc' } })).map((row) => ({ ...row, details: row.details as Details }));

  it('when a dialer sends 1,000 refused uploads, then the audit log keeps a bounded number of rows (one per campaign, code and minute) whose counts add up to exactly 1,000', async () => {
    const flooder = await buildTenant(server);
    await flooder.campaign('cobranca', true);
    const started = Date.now();
    // 800 with a format the server refuses (415) on one campaign, 200 to campaigns that do not exist, each a
    // different id (404, or 429 when they crowd the concurrent-mailing limit first): in parallel, 25 at a time, as a
    // misbehaving dialer would.
    const uploads = [
      ...Array.from({ length: 800 }, () => () => server.api().post('/v1/campaigns/cobranca/mailings').set('authorization', flooder.auth('dialer')).set('content-type', 'application/xml').send('<x/>').expect(415)),
      ...Array.from({ length: 200 }, (_v, i) => () => server.api().post(`/v1/campaigns/nao-existe-${i}/mailings`).set('authorization', flooder.auth('dialer')).set('content-type', 'text/csv').send('telefone\n').expect((response) => expect([404, 429]).toContain(response.status))),
    ];
    for (let at = 0; at < uploads.length; at += 25) await Promise.all(uploads.slice(at, at + 25).map((upload) => upload()));
    const minutes = Math.floor(Date.now() / COALESCE_WINDOW_MS) - Math.floor(started / COALESCE_WINDOW_MS) + 1;

    const rows = await refusedRows(flooder.id);
    const byCode = (code: string) => rows.filter((row) => row.details.code === code);
    // Exact: every refusal is counted once.
    expect(byCode('UNSUPPORTED_MEDIA_TYPE').reduce((sum, row) => sum + row.details.count, 0)).toBe(800);
    expect([...byCode('NOT_FOUND'), ...byCode('RATE_LIMITED')].reduce((sum, row) => sum + row.details.count, 0)).toBe(200);
    // Bounded: one row per key and minute, whatever the number of uploads or of campaign ids.
    for (const code of ['UNSUPPORTED_MEDIA_TYPE', 'NOT_FOUND', 'RATE_LIMITED']) expect(byCode(code).length).toBeLessThanOrEqual(minutes);
    expect(rows.length).toBeLessThanOrEqual(3 * minutes);
    expect(rows[0]!.target).toBe('campaign:cobranca');
    expect(new Date(rows[0]!.details.lastAt).getTime()).toBeGreaterThanOrEqual(rows[0]!.at.getTime());

    // The admin reads the count through the API, as the console does; another tenant's log has none of it.
    const page = await server.api().get('/v1/audit?action=mailing.refused&limit=200').set('authorization', flooder.auth('admin')).expect(200);
    expect(page.body.events.reduce((sum: number, event: { details: Details }) => sum + event.details.count, 0)).toBe(1000);
    expect(await refusedRows(tenant.id)).toEqual([]);
  });

  it('when the admin searches the audit log by a display name, then the server answers that admin\'s events (emails are what the log keeps), and only in the own tenant', async () => {
    await server.services.tenants.createAdmin(tenant.id, { email: `joana@${tenant.slug}.example`, name: 'Joana Prado', password: 'correct horse battery staple' });
    const other = await buildTenant(server);
    await server.services.tenants.createAdmin(other.id, { email: `joana@${other.slug}.example`, name: 'Joana Prado', password: 'correct horse battery staple' });
    await server.services.audit.record({ tenantId: tenant.id, actor: `joana@${tenant.slug}.example`, action: 'hygiene.switched', target: 'campaign:vendas', details: { enabled: false } });
    await server.services.audit.record({ tenantId: other.id, actor: `joana@${other.slug}.example`, action: 'hygiene.switched', target: 'campaign:x', details: { enabled: false } });

    const found = await server.api().get('/v1/audit?q=joana%20PRADO').set('authorization', tenant.auth('admin')).expect(200);
    expect(found.body.events.map((event: { actor: string; target: string }) => [event.actor, event.target])).toEqual([[`joana@${tenant.slug}.example`, 'campaign:vendas']]);
    // The name matches part of it too, in any case; the email still matches as before.
    await expect(server.api().get('/v1/audit?q=prad').set('authorization', tenant.auth('admin')).then((r) => r.body.events.length)).resolves.toBe(1);
    await expect(server.api().get(`/v1/audit?q=joana@${tenant.slug}`).set('authorization', tenant.auth('admin')).then((r) => r.body.events.length)).resolves.toBe(1);
  });

  it('when the keys list is asked with q, state, sort or offset, then the server searches, sorts and pages it; the plain list stays keyset', async () => {
    const keeper = await buildTenant(server);
    for (let i = 0; i < 30; i++) await server.services.tenants.createDialerKey(keeper.id, `Discador ${String(i).padStart(2, '0')} ${i % 3 === 0 ? 'norte' : 'sul'}`, 'test');
    const admin = keeper.auth('admin');
    const norte = await server.api().get('/v1/dialer-keys?q=NORTE&sort=name&order=asc&limit=4&offset=4').set('authorization', admin).expect(200);
    expect(norte.body).toMatchObject({ total: 10, tenantKeys: 31, next: null });
    expect(norte.body.keys.map((key: { name: string }) => key.name)).toEqual(['Discador 12 norte', 'Discador 15 norte', 'Discador 18 norte', 'Discador 21 norte']);
    // By prefix (as shown, hyg_…), and by state.
    const one = norte.body.keys[0] as { id: string; prefix: string };
    const byPrefix = await server.api().get(`/v1/dialer-keys?q=${one.prefix}`).set('authorization', admin).expect(200);
    expect(byPrefix.body.keys.map((key: { id: string }) => key.id)).toEqual([one.id]);
    await server.api().delete(`/v1/dialer-keys/${one.id}`).set('authorization', admin).expect(200);
    const revoked = await server.api().get('/v1/dialer-keys?state=revoked').set('authorization', admin).expect(200);
    expect(revoked.body.keys.map((key: { id: string }) => key.id)).toEqual([one.id]);
    await expect(server.api().get('/v1/dialer-keys?state=active').set('authorization', admin).then((r) => r.body.total)).resolves.toBe(30);
    // The plain list is unchanged: keyset pages with `next`; a cursor with a search is refused by field.
    const plain = await server.api().get('/v1/dialer-keys?limit=20').set('authorization', admin).expect(200);
    expect(plain.body.keys).toHaveLength(20);
    expect(typeof plain.body.next).toBe('string');
    const mixed = await server.api().get(`/v1/dialer-keys?q=norte&cursor=${plain.body.next}`).set('authorization', admin).expect(400);
    expect(mixed.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    await server.api().get('/v1/dialer-keys?sort=secret').set('authorization', admin).expect(400);
  });
});
