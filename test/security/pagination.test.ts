import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { expectError } from '../support/errors';
import { filterCsvMailing } from '../support/mailing';

/**
 * Issue 10: the lists that grow with use (a dialer registers campaigns at will) came back whole in one answer.
 * Now `?limit&cursor` pages them, `next` leads to the following page, and the list's own field is kept.
 */
describe('security: lists that grow are paginated', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  /** Follows `next` from the first page; returns every page's items (by `field`) in order. */
  async function walk(path: string, field: string, credential: string, limit: number): Promise<{ pages: number; items: Record<string, unknown>[] }> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await server
        .api()
        .get(path)
        .query({ limit, ...(cursor ? { cursor } : {}) })
        .set('authorization', credential)
        .expect(200);
      pages++;
      const page = response.body[field] as Record<string, unknown>[];
      expect(page.length).toBeLessThanOrEqual(limit);
      items.push(...page);
      cursor = response.body.next as string | null;
      expect(cursor === null || typeof cursor === 'string').toBe(true);
    } while (cursor && pages < 20);
    return { pages, items };
  }

  it('when a tenant has more campaigns than one page, then GET /v1/campaigns pages them and next leads through all of them once', async () => {
    const ids = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const id of ids) await tenant.campaign(id, false);
    const { pages, items } = await walk('/v1/campaigns', 'campaigns', tenant.auth('dialer'), 2);
    expect(pages).toBe(3);
    expect(items.map((campaign) => campaign.externalId)).toEqual(ids);
  });

  it('when a campaign has more mailings than one page, then its mailings come newest first a page at a time, with the totals of all', async () => {
    await tenant.campaign('m', false);
    for (let i = 0; i < 3; i++) expect((await filterCsvMailing(server, tenant.auth('dialer'), 'm', 'telefone\n(11) 2345-6789\n', { name: `n${i}` })).status).toBe(200);
    const first = await server.api().get('/v1/campaigns/m/mailings').query({ limit: 2 }).set('authorization', tenant.auth('dialer')).expect(200);
    expect(first.body.totals.mailings).toBe(3);
    const { items } = await walk('/v1/campaigns/m/mailings', 'mailings', tenant.auth('dialer'), 2);
    expect(items.map((mailing) => mailing.name)).toEqual(['n2', 'n1', 'n0']);
  });

  it('when a tenant has more dialer keys than one page, then GET /v1/dialer-keys pages them', async () => {
    for (let i = 0; i < 3; i++) await server.api().post('/v1/dialer-keys').set('authorization', tenant.auth('admin')).send({ name: `k${i}` }).expect(201);
    const { pages, items } = await walk('/v1/dialer-keys', 'keys', tenant.auth('admin'), 1);
    expect(pages).toBe(4);
    expect(new Set(items.map((key) => key.id)).size).toBe(4);
  });

  it('when the cursor or the limit is not acceptable, then the answer is a 400 naming the field', async () => {
    expectError(await server.api().get('/v1/campaigns').query({ cursor: 'not-ours' }).set('authorization', tenant.auth('dialer')), 400, 'VALIDATION_FAILED', 'cursor');
    expectError(await server.api().get('/v1/campaigns').query({ limit: 100_000 }).set('authorization', tenant.auth('dialer')), 400, 'VALIDATION_FAILED', 'limit');
  });
});
