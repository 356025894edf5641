import type { Express } from 'express';
import { io as connect, type Socket } from 'socket.io-client';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, TEST_KEYS, type TestServer } from '../support/harness';
import { claimsOf, forgedTokens } from '../support/credentials';
import { filterCsvMailing } from '../support/mailing';
import { createApp, createOperatorApp } from '../../server/app';
import { createLogger } from '../../server/logger';
import { eventually } from '../support/eventually';

/**
 * Tenant isolation, route by route. Every registered route of both listeners is listed below (the public app's
 * routes: public or tenant; the operator app's: operator, on its own listener); a test fails
 * when a route is registered without an entry here, so a new route cannot skip these checks. Each isolation test
 * first proves that tenant A's resource exists for A, then that tenant B cannot read or change it.
 */
type Method = 'get' | 'post' | 'put' | 'delete';
type Role = 'anyone' | 'admin' | 'dialer';
type TenantRoute = { method: Method; pattern: string; role: Role; body?: unknown };

const TENANT_ROUTES: TenantRoute[] = [
  { method: 'get', pattern: '/v1/me', role: 'anyone' },
  { method: 'get', pattern: '/v1/campaigns', role: 'anyone' },
  { method: 'post', pattern: '/v1/campaigns', role: 'anyone', body: { id: 'probe' } },
  { method: 'get', pattern: '/v1/campaigns/:campaignId', role: 'anyone' },
  { method: 'put', pattern: '/v1/campaigns/:campaignId/hygiene', role: 'admin', body: { enabled: false } },
  { method: 'get', pattern: '/v1/campaigns/:campaignId/hygiene/history', role: 'admin' },
  { method: 'put', pattern: '/v1/campaigns/:campaignId/ninth-digit', role: 'admin', body: { enabled: false } },
  { method: 'get', pattern: '/v1/campaigns/:campaignId/mailings', role: 'anyone' },
  { method: 'post', pattern: '/v1/campaigns/:campaignId/mailings', role: 'anyone' },
  { method: 'get', pattern: '/v1/mailings/:mailingId', role: 'anyone' },
  { method: 'get', pattern: '/v1/stats/daily', role: 'anyone' },
  { method: 'get', pattern: '/v1/tabulations', role: 'anyone' },
  { method: 'put', pattern: '/v1/tabulations/:code', role: 'admin', body: { outcome: 'contact' } },
  { method: 'delete', pattern: '/v1/tabulations/:code', role: 'admin' },
  { method: 'post', pattern: '/v1/outcomes', role: 'dialer', body: { outcomes: [{ callId: 'probe', campaignId: 'probe', phone: '11987654321', code: 'sip:404' }] } },
  { method: 'post', pattern: '/v1/numbers/check', role: 'anyone', body: { phones: ['11987654321'] } },
  { method: 'post', pattern: '/v1/watch-tokens', role: 'anyone', body: { phones: ['11987654321'] } },
  { method: 'post', pattern: '/v1/numbers/explain', role: 'anyone', body: { phone: '11987654321' } },
  { method: 'get', pattern: '/v1/audit', role: 'admin' },
  { method: 'post', pattern: '/v1/numbers/contest', role: 'admin', body: { phone: '11987654321', reason: 'we reached the debtor' } },
  { method: 'get', pattern: '/v1/dialer-keys', role: 'admin' },
  { method: 'post', pattern: '/v1/dialer-keys', role: 'admin', body: { name: 'probe' } },
  { method: 'delete', pattern: '/v1/dialer-keys/:keyId', role: 'admin' },
  { method: 'post', pattern: '/v1/privacy/withdraw', role: 'admin', body: { phone: '11987654321' } },
  { method: 'get', pattern: '/v1/campaigns/summary', role: 'anyone' },
  { method: 'get', pattern: '/v1/tabulations/usage', role: 'anyone' },
  { method: 'get', pattern: '/v1/compliance/cnpjs', role: 'anyone' },
  { method: 'put', pattern: '/v1/compliance/cnpjs/:cnpj', role: 'admin', body: { name: 'probe' } },
  { method: 'delete', pattern: '/v1/compliance/cnpjs/:cnpj', role: 'admin' },
  { method: 'put', pattern: '/v1/compliance/campaigns/:campaignId/cnpj', role: 'admin', body: { cnpj: null } },
  { method: 'get', pattern: '/v1/compliance/meter', role: 'anyone' },
  { method: 'get', pattern: '/v1/compliance/history', role: 'anyone' },
  { method: 'get', pattern: '/v1/admins', role: 'admin' },
  { method: 'post', pattern: '/v1/admins', role: 'admin', body: { email: 'probe-admin@example.com', name: 'Probe', password: 'probe-password-123' } },
  { method: 'post', pattern: '/v1/admins/:adminId/disable', role: 'admin' },
  { method: 'put', pattern: '/v1/me/password', role: 'admin', body: { currentPassword: 'correct horse battery staple', newPassword: 'another long passphrase' } },
  { method: 'post', pattern: '/v1/me/sign-out-everywhere', role: 'admin' },
  { method: 'put', pattern: '/v1/campaigns/:campaignId/purpose', role: 'admin', body: { purpose: 'cobranca' } },
  { method: 'get', pattern: '/v1/suppression/lists', role: 'anyone' },
  { method: 'get', pattern: '/v1/suppression/entries', role: 'admin' },
  { method: 'post', pattern: '/v1/suppression/entries', role: 'anyone', body: { phones: ['11987654321'], source: 'probe' } },
  { method: 'post', pattern: '/v1/suppression/entries/remove', role: 'admin', body: { phones: ['11987654321'] } },
  { method: 'delete', pattern: '/v1/suppression/entries/:entryId', role: 'admin' },
  { method: 'post', pattern: '/v1/suppression/import', role: 'anyone' },
  { method: 'get', pattern: '/v1/calling-hours', role: 'anyone' },
  { method: 'put', pattern: '/v1/calling-hours/:scope', role: 'admin', body: { windows: null } },
];

/** The operator listener's routes (createOperatorApp), besides its liveness probe; none is on the public one. */
const OPERATOR_ROUTES: { method: Method; pattern: string; body?: unknown }[] = [
  { method: 'get', pattern: '/v1/operator/tenants' },
  { method: 'post', pattern: '/v1/operator/tenants', body: { slug: 'intruder-tenant', name: 'Intruder' } },
  { method: 'post', pattern: '/v1/operator/tenants/:tenant/admins', body: { email: 'intruder@example.com', name: 'Intruder', password: 'intruder-password' } },
  { method: 'post', pattern: '/v1/operator/tenants/:tenant/dialer-keys', body: { name: 'intruder' } },
  { method: 'get', pattern: '/v1/operator/trust/sources' },
  { method: 'get', pattern: '/v1/operator/audit' },
  { method: 'put', pattern: '/v1/operator/tenants/:tenant/quarantine', body: { quarantined: true, reason: 'intruder says so' } },
  { method: 'post', pattern: '/v1/operator/forget', body: { phone: '11987654321', reason: 'intruder says so' } },
  { method: 'put', pattern: '/v1/operator/tenants/:tenant/disabled', body: { disabled: true, reason: 'intruder says so' } },
  { method: 'post', pattern: '/v1/operator/maintenance' },
  { method: 'get', pattern: '/v1/operator/suppression-lists' },
  { method: 'post', pattern: '/v1/operator/suppression-lists/:code/import' },
  { method: 'get', pattern: '/metrics' },
];

/** Routes that need no credential by design (health, sign-in, the admin console's static page, the API reference). */
const PUBLIC_ROUTES = ['GET /healthz', 'GET /readyz', 'POST /v1/auth/login', 'GET /', 'GET /openapi.json', 'GET /docs/api', 'GET /docs/api/reference.js', 'GET /docs/api/reference.css'];

/** The operator listener's route that needs no credential: its liveness probe. */
const OPERATOR_PUBLIC_ROUTES = ['GET /healthz'];

const keyOf = (route: { method: string; pattern: string }) => `${route.method.toUpperCase()} ${route.pattern}`;

type RouterLayer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: RouterLayer[] } };

/**
 * Every (method, path) registered on an Express app, read from its router (sub-routers are mounted at "/").
 * The apps are built by the same factories the server uses (socket.io wraps the server's own request listener).
 */
function registeredRoutes(server: TestServer, listener: 'public' | 'operator' = 'public'): string[] {
  const logger = createLogger('silent');
  const app = (listener === 'public' ? createApp(server.services, logger) : createOperatorApp(server.services, logger)) as Express & { router: { stack: RouterLayer[] } };
  const found: string[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk(app.router.stack);
  return found;
}

describe('tenant isolation, route by route', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  /** A's resources for the credential matrix (never changed by it). */
  let fixture: { campaign: string; mailingId: string; code: string; spareKeyId: string };

  const api = () => server.api();
  const concrete = (pattern: string) =>
    pattern
      .replace(':campaignId', encodeURIComponent(fixture.campaign))
      .replace(':mailingId', fixture.mailingId)
      .replace(':code', encodeURIComponent(fixture.code))
      .replace(':keyId', fixture.spareKeyId)
      .replace(':adminId', claimsOf(a.adminToken).sub)
      .replace(':tenant', a.slug);

  /** Sends a route's request with a credential (an Authorization header value, or none). */
  function send(route: { method: Method; pattern: string; body?: unknown }, authorization: string | undefined, path = concrete(route.pattern), listener = api) {
    let request = listener()[route.method](path);
    if (authorization !== undefined) request = request.set('authorization', authorization);
    if (route.pattern.endsWith('/mailings') && route.method === 'post') return request.set('content-type', 'text/csv').send('telefone\n11987654321\n');
    return route.body === undefined ? request : request.send(route.body as object);
  }

  /** A fresh set of A's resources: a hygiene-on campaign with one filtered mailing and a custom tabulation code. */
  async function seedA() {
    const campaign = await a.campaign(uniqueId('camp-a'), true);
    const mailing = await filterCsvMailing(server, a.auth('dialer'), campaign, 'nome;telefone\nAna;(11) 98765-4321\n');
    expect(mailing.status).toBe(200);
    const code = uniqueId('a-only').toLowerCase();
    await api().put(`/v1/tabulations/${code}`).set('authorization', a.auth('admin')).send({ outcome: 'invalid' }).expect(200);
    return { campaign, mailingId: mailing.headers['x-mailing-id'] as string, code };
  }

  beforeAll(async () => {
    server = await startTestServer();
    a = await buildTenant(server);
    b = await buildTenant(server);
    const seeded = await seedA();
    const spare = await server.services.tenants.createDialerKey(a.id, 'spare', 'test');
    fixture = { ...seeded, spareKeyId: spare.id };
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when the public app is built, then every registered route is either public or has an isolation test here, and no operator route is there', () => {
    const registered = registeredRoutes(server);
    const covered = new Set([...PUBLIC_ROUTES, ...TENANT_ROUTES.map(keyOf)]);
    expect(registered.filter((route) => !covered.has(route))).toEqual([]);
    // …and the checked lists name only routes that exist, so a renamed route cannot leave a stale, vacuous entry.
    expect([...PUBLIC_ROUTES, ...TENANT_ROUTES.map(keyOf)].filter((route) => !registered.includes(route))).toEqual([]);
    expect(TENANT_ROUTES.map(keyOf).filter((route) => !(route in ISOLATION))).toEqual([]);
  });

  it('when the operator app is built, then its routes are exactly the operator routes listed here and its liveness probe', () => {
    const registered = registeredRoutes(server, 'operator');
    expect([...new Set(registered)].sort()).toEqual([...OPERATOR_PUBLIC_ROUTES, ...OPERATOR_ROUTES.map(keyOf)].sort());
  });

  describe('bad credentials get 401 UNAUTHENTICATED on every tenant route', () => {
    let badCredentials: [string, string | undefined][];
    beforeAll(async () => {
      const forged = forgedTokens(claimsOf(a.adminToken));
      const revoked = await server.services.tenants.createDialerKey(a.id, 'to revoke', 'test');
      await server.services.tenants.revokeDialerKey(a.id, revoked.id, 'test');
      badCredentials = [
        ['no Authorization header', undefined],
        ['an empty bearer', 'Bearer '],
        ['a garbage token', 'Bearer garbage.garbage.garbage'],
        ['a non-bearer scheme with a valid token', `Basic ${a.adminToken}`],
        ['an expired JWT', `Bearer ${forged.expired}`],
        ['a JWT signed with another secret', `Bearer ${forged.otherSecret}`],
        ['a JWT with alg none', `Bearer ${forged.algNone}`],
        ['a JWT signed with HS512 (HS256 is pinned)', `Bearer ${forged.hs512}`],
        ['a JWT from another issuer', `Bearer ${forged.otherIssuer}`],
        ['a JWT claiming a non-admin role', `Bearer ${forged.dialerRoleClaim}`],
        ['a revoked dialer key', `Bearer ${revoked.key}`],
        ['a well-formed but unknown dialer key', `Bearer hyg_${'0'.repeat(12)}_${'x'.repeat(32)}`],
        ['a dialer key with a tampered secret', `Bearer ${a.dialerKey.slice(0, -2)}zz`],
      ];
    });

    it('when a token is signed like the server signs it, then it is accepted (control for the forged ones)', async () => {
      const forged = forgedTokens(claimsOf(a.adminToken));
      const me = await api().get('/v1/me').set('authorization', `Bearer ${forged.valid}`).expect(200);
      expect(me.body.tenant.id).toBe(a.id);
    });

    it.each(TENANT_ROUTES.map((route) => [keyOf(route), route] as const))('when %s is called with a bad credential, then 401', async (_name, route) => {
      const failures: string[] = [];
      for (const [label, credential] of badCredentials) {
        const response = await send(route, credential);
        if (response.status !== 401 || response.body?.error?.code !== 'UNAUTHENTICATED' || !response.body?.error?.requestId) {
          failures.push(`${label}: ${response.status} ${JSON.stringify(response.body)}`);
        }
      }
      expect(failures).toEqual([]);
      // A's resources are untouched by the refused calls.
      const campaign = await api().get(`/v1/campaigns/${encodeURIComponent(fixture.campaign)}`).set('authorization', a.auth('admin')).expect(200);
      expect(campaign.body.hygieneEnabled).toBe(true);
    });
  });

  describe('roles', () => {
    const adminOnly = TENANT_ROUTES.filter((route) => route.role === 'admin');
    const dialerOnly = TENANT_ROUTES.filter((route) => route.role === 'dialer');

    it.each(adminOnly.map((route) => [keyOf(route), route] as const))('when a dialer key calls the admin-only %s, then 403 FORBIDDEN', async (_name, route) => {
      const response = await send(route, a.auth('dialer'));
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'FORBIDDEN' });
    });

    it.each(dialerOnly.map((route) => [keyOf(route), route] as const))('when an admin calls the dialer-only %s, then 403 FORBIDDEN', async (_name, route) => {
      const response = await send(route, a.auth('admin'));
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'FORBIDDEN' });
    });

    it('when the refused role calls were made, then A\'s resources are unchanged', async () => {
      const campaign = await api().get(`/v1/campaigns/${encodeURIComponent(fixture.campaign)}`).set('authorization', a.auth('admin')).expect(200);
      expect(campaign.body.hygieneEnabled).toBe(true);
      const tabulations = await api().get('/v1/tabulations').set('authorization', a.auth('admin')).expect(200);
      expect(tabulations.body.tabulations).toContainEqual(expect.objectContaining({ code: fixture.code, outcome: 'invalid', source: 'tenant' }));
      const keys = await api().get('/v1/dialer-keys').set('authorization', a.auth('admin')).expect(200);
      expect(keys.body.keys.find((key: { id: string }) => key.id === fixture.spareKeyId)).toMatchObject({ revokedAt: null });
      expect(await server.db.prisma.dialerKey.count({ where: { tenantId: a.id, name: 'probe' } })).toBe(0);
    });
  });

  describe('the operator API refuses tenant credentials', () => {
    it.each(OPERATOR_ROUTES.map((route) => [keyOf(route), route] as const))('when %s is called with a tenant admin JWT or dialer key, then 401 and nothing changes', async (_name, route) => {
      const tenantsBefore = await server.db.prisma.tenant.count();
      const adminsBefore = await server.db.prisma.adminUser.count();
      const keysBefore = await server.db.prisma.dialerKey.count();
      for (const credential of [a.auth('admin'), a.auth('dialer'), undefined, 'Bearer not-the-operator-token']) {
        const response = await send(route, credential, concrete(route.pattern), server.operatorApi);
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe('UNAUTHENTICATED');
      }
      expect(await server.db.prisma.tenant.count()).toBe(tenantsBefore);
      expect(await server.db.prisma.adminUser.count()).toBe(adminsBefore);
      expect(await server.db.prisma.dialerKey.count()).toBe(keysBefore);
    });

    it('when the operator token is used, then the operator API answers (control)', async () => {
      const response = await server.operatorApi().get('/v1/operator/tenants').set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`).expect(200);
      expect(response.body.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    });
  });

  /** One test per tenant route: A's resource exists for A; B's credentials cannot see or change it. */
  const ISOLATION: Record<string, () => Promise<void>> = {
    'GET /v1/me': async () => {
      expect((await api().get('/v1/me').set('authorization', a.auth('admin')).expect(200)).body.tenant.id).toBe(a.id);
      expect((await api().get('/v1/me').set('authorization', a.auth('dialer')).expect(200)).body.tenant.id).toBe(a.id);
      expect((await api().get('/v1/me').set('authorization', b.auth('admin')).expect(200)).body.tenant.id).toBe(b.id);
      expect((await api().get('/v1/me').set('authorization', b.auth('dialer')).expect(200)).body.tenant.id).toBe(b.id);
    },

    'GET /v1/campaigns': async () => {
      const { campaign } = await seedA();
      const aList = await api().get('/v1/campaigns').set('authorization', a.auth('admin')).expect(200);
      expect(aList.body.campaigns.map((c: { externalId: string }) => c.externalId)).toContain(campaign);
      const aIds = (await server.db.prisma.campaign.findMany({ where: { tenantId: a.id }, select: { id: true } })).map((row) => row.id);
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        const bList = await api().get('/v1/campaigns').set('authorization', credential).expect(200);
        const bIds = bList.body.campaigns.map((c: { id: string }) => c.id);
        expect(bIds.filter((id: string) => aIds.includes(id))).toEqual([]);
        expect(bList.body.campaigns.map((c: { externalId: string }) => c.externalId)).not.toContain(campaign);
      }
    },

    'POST /v1/campaigns': async () => {
      const { campaign } = await seedA();
      const before = await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
      const bView = await api().post('/v1/campaigns').set('authorization', b.auth('dialer')).send({ id: campaign, name: 'hijacked' }).expect(201);
      expect(bView.body.id).not.toBe(before.body.id);
      expect(bView.body.hygieneEnabled).toBe(false);
      const after = await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
      expect(after.body).toEqual(before.body);
    },

    'GET /v1/campaigns/:campaignId': async () => {
      const { campaign } = await seedA();
      expect((await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('dialer')).expect(200)).body.externalId).toBe(campaign);
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        const response = await api().get(`/v1/campaigns/${campaign}`).set('authorization', credential).expect(404);
        expect(response.body.error.code).toBe('NOT_FOUND');
      }
    },

    'PUT /v1/campaigns/:campaignId/hygiene': async () => {
      const { campaign } = await seedA();
      const history = await api().get(`/v1/campaigns/${campaign}/hygiene/history`).set('authorization', a.auth('admin')).expect(200);
      const response = await api().put(`/v1/campaigns/${campaign}/hygiene`).set('authorization', b.auth('admin')).send({ enabled: false }).expect(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
      const after = await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
      expect(after.body).toMatchObject({ hygieneEnabled: true, hygieneChangedBy: a.adminEmail });
      expect((await api().get(`/v1/campaigns/${campaign}/hygiene/history`).set('authorization', a.auth('admin')).expect(200)).body).toEqual(history.body);
      // A can switch it (the 404 above is about the tenant, not the route).
      await api().put(`/v1/campaigns/${campaign}/hygiene`).set('authorization', a.auth('admin')).send({ enabled: false }).expect(200);
    },

    'PUT /v1/campaigns/:campaignId/ninth-digit': async () => {
      const { campaign } = await seedA();
      const response = await api().put(`/v1/campaigns/${campaign}/ninth-digit`).set('authorization', b.auth('admin')).send({ enabled: false }).expect(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
      expect((await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200)).body.ninthDigit).toBe(true);
      // A can switch it (the 404 above is about the tenant, not the route).
      await api().put(`/v1/campaigns/${campaign}/ninth-digit`).set('authorization', a.auth('admin')).send({ enabled: false }).expect(200);
    },

    'GET /v1/campaigns/:campaignId/hygiene/history': async () => {
      const { campaign } = await seedA();
      const history = await api().get(`/v1/campaigns/${campaign}/hygiene/history`).set('authorization', a.auth('admin')).expect(200);
      expect(history.body.events).toEqual([expect.objectContaining({ actor: a.adminEmail, action: 'hygiene_on' })]);
      expect((await api().get(`/v1/campaigns/${campaign}/hygiene/history`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
    },

    'GET /v1/campaigns/:campaignId/mailings': async () => {
      const { campaign, mailingId } = await seedA();
      const list = await api().get(`/v1/campaigns/${campaign}/mailings`).set('authorization', a.auth('dialer')).expect(200);
      expect(list.body.mailings.map((m: { id: string }) => m.id)).toEqual([mailingId]);
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        expect((await api().get(`/v1/campaigns/${campaign}/mailings`).set('authorization', credential).expect(404)).body.error.code).toBe('NOT_FOUND');
      }
      // Searched and sorted (the console's page): the same boundary.
      const searched = await api().get(`/v1/campaigns/${campaign}/mailings?sort=phonesTotal&q=`).set('authorization', a.auth('admin')).expect(200);
      expect(searched.body.mailings.map((m: { id: string }) => m.id)).toEqual([mailingId]);
      expect((await api().get(`/v1/campaigns/${campaign}/mailings?sort=phonesTotal`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
    },

    'POST /v1/campaigns/:campaignId/mailings': async () => {
      const { campaign } = await seedA();
      const aCampaign = await server.db.prisma.campaign.findUniqueOrThrow({ where: { tenantId_externalId: { tenantId: a.id, externalId: campaign } } });
      const before = await server.db.prisma.mailing.count({ where: { campaignId: aCampaign.id } });
      const intrusion = await filterCsvMailing(server, b.auth('dialer'), campaign, 'telefone\n(11) 98765-4321\n');
      expect(intrusion.status).toBe(404);
      expect((intrusion.summary as unknown as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      expect(await server.db.prisma.mailing.count({ where: { campaignId: aCampaign.id } })).toBe(before);
      expect(await server.db.prisma.mailing.count({ where: { tenantId: b.id, campaignId: aCampaign.id } })).toBe(0);
      expect((await filterCsvMailing(server, a.auth('dialer'), campaign, 'telefone\n(11) 98765-4321\n')).status).toBe(200);
    },

    'GET /v1/mailings/:mailingId': async () => {
      const { mailingId } = await seedA();
      expect((await api().get(`/v1/mailings/${mailingId}`).set('authorization', a.auth('admin')).expect(200)).body.id).toBe(mailingId);
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        expect((await api().get(`/v1/mailings/${mailingId}`).set('authorization', credential).expect(404)).body.error.code).toBe('NOT_FOUND');
      }
    },

    'GET /v1/stats/daily': async () => {
      const { campaign } = await seedA();
      const total = (days: { mailings: number }[]) => days.reduce((sum, day) => sum + day.mailings, 0);
      const countFor = (tenantId: string) => server.db.prisma.mailing.count({ where: { tenantId, status: 'completed', hygieneApplied: true } });
      const aStats = await api().get('/v1/stats/daily').set('authorization', a.auth('admin')).expect(200);
      expect(total(aStats.body.days)).toBe(await countFor(a.id));
      expect(total(aStats.body.days)).toBeGreaterThan(0);
      expect(total((await api().get('/v1/stats/daily').query({ campaignId: campaign }).set('authorization', a.auth('admin')).expect(200)).body.days)).toBe(1);
      const bStats = await api().get('/v1/stats/daily').set('authorization', b.auth('admin')).expect(200);
      expect(total(bStats.body.days)).toBe(await countFor(b.id));
      const bOnA = await api().get('/v1/stats/daily').query({ campaignId: campaign }).set('authorization', b.auth('admin')).expect(404);
      expect(bOnA.body.error.code).toBe('NOT_FOUND');
    },

    'GET /v1/tabulations': async () => {
      const { code } = await seedA();
      const aList = await api().get('/v1/tabulations').set('authorization', a.auth('dialer')).expect(200);
      expect(aList.body.tabulations).toContainEqual(expect.objectContaining({ code, source: 'tenant' }));
      const bList = await api().get('/v1/tabulations').set('authorization', b.auth('dialer')).expect(200);
      expect(bList.body.tabulations.map((entry: { code: string }) => entry.code)).not.toContain(code);
      expect(bList.body.tabulations.filter((entry: { updatedBy?: string }) => entry.updatedBy === a.adminEmail)).toEqual([]);
    },

    'PUT /v1/tabulations/:code': async () => {
      const { code, campaign } = await seedA();
      await api().put(`/v1/tabulations/${code}`).set('authorization', b.auth('admin')).send({ outcome: 'contact' }).expect(200);
      const aList = await api().get('/v1/tabulations').set('authorization', a.auth('admin')).expect(200);
      expect(aList.body.tabulations).toContainEqual(expect.objectContaining({ code, outcome: 'invalid', updatedBy: a.adminEmail }));
      const aReport = await a.report([{ callId: uniqueId('call'), campaignId: campaign, phone: '(11) 98765-4321', code }]);
      expect(aReport.results[0]).toMatchObject({ status: 'accepted', outcome: 'invalid' });
    },

    'DELETE /v1/tabulations/:code': async () => {
      const { code } = await seedA();
      expect((await api().delete(`/v1/tabulations/${code}`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
      const aList = await api().get('/v1/tabulations').set('authorization', a.auth('admin')).expect(200);
      expect(aList.body.tabulations).toContainEqual(expect.objectContaining({ code, source: 'tenant' }));
      await api().delete(`/v1/tabulations/${code}`).set('authorization', a.auth('admin')).expect(204);
    },

    'POST /v1/outcomes': async () => {
      const { campaign } = await seedA();
      const callIds = [uniqueId('call'), uniqueId('call')];
      const outcomes = callIds.map((callId) => ({ callId, campaignId: campaign, phone: '(21) 3456-7890', code: 'sip:404' }));
      expect(await a.report(outcomes)).toMatchObject({ accepted: 2, duplicates: 0 });
      const before = await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
      // B sends the same call ids under A's campaign id: B's own calls, in a campaign of B's (hygiene off).
      const bResult = await b.report(outcomes);
      expect(bResult).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(bResult.results.every((item) => item.contributed === false)).toBe(true);
      const after = await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
      expect(after.body.reported).toEqual(before.body.reported);
      const history = await server.db.prisma.numberHistory.findFirstOrThrow({ where: { pseudonym: server.services.pseudonymizer.phone(552134567890) } });
      expect(history.invalidReports).toBe(2);
    },

    'POST /v1/numbers/check': async () => {
      // A's outcomes in a hygiene-off campaign stay A's: B's check does not see them.
      const off = await a.campaign(uniqueId('off'), false);
      await a.report(invalidOutcomes(uniqueId('off'), off, '(31) 99876-5432', 10));
      await a.report(invalidOutcomes(uniqueId('on'), (await seedA()).campaign, '(31) 99876-1111', 3));
      for (const credential of [a.auth('dialer'), b.auth('dialer'), b.auth('admin')]) {
        const response = await api().post('/v1/numbers/check').set('authorization', credential).send({ phones: ['(31) 99876-5432', '(31) 99876-1111'] }).expect(200);
        // The shared (hygiene-on) history is shared by design; nothing in the answer names a tenant or campaign.
        // B reads no more of A's evidence than filtering would: A's unconfirmed number is clean to B's check (issue 9).
        expect(response.body).toEqual({ results: [{ status: 'clean' }, { status: 'clean' }] });
      }
    },

    'POST /v1/watch-tokens': async () => {
      const phones = ['(11) 98765-4321', 'not a phone'];
      const aTokens = await api().post('/v1/watch-tokens').set('authorization', a.auth('dialer')).send({ phones }).expect(200);
      const bTokens = await api().post('/v1/watch-tokens').set('authorization', b.auth('dialer')).send({ phones }).expect(200);
      // Tokens depend on the number only (tenant-neutral by design): no tenant data to leak.
      expect(Object.keys(aTokens.body)).toEqual(['tokens']);
      expect(aTokens.body.tokens).toHaveLength(2);
      expect(aTokens.body.tokens[1]).toBeNull();
      expect(bTokens.body).toEqual(aTokens.body);
    },

    'GET /v1/audit': async () => {
      // A's switch and key are in A's log, never in B's.
      const { campaign } = await seedA();
      await api().put(`/v1/campaigns/${campaign}/hygiene`).set('authorization', a.auth('admin')).send({ enabled: false }).expect(200);
      const aLog = await api().get('/v1/audit').set('authorization', a.auth('admin')).expect(200);
      expect(aLog.body.events).toContainEqual(expect.objectContaining({ action: 'hygiene.switched', target: `campaign:${campaign}` }));
      const bLog = await api().get('/v1/audit?limit=200').set('authorization', b.auth('admin')).expect(200);
      expect(JSON.stringify(bLog.body)).not.toContain(campaign);
      // Text search: A's events match in A's log only.
      const aFound = await api().get(`/v1/audit?q=${encodeURIComponent(campaign.toUpperCase())}`).set('authorization', a.auth('admin')).expect(200);
      expect(aFound.body.events.length).toBeGreaterThan(0);
      const bFound = await api().get(`/v1/audit?q=${encodeURIComponent(campaign)}`).set('authorization', b.auth('admin')).expect(200);
      expect(bFound.body.events).toEqual([]);
    },

    'POST /v1/numbers/explain': async () => {
      // A's own ten tabulations remove the number from A's mailings only: B asking why gets what any unknown
      // number gets, and nothing in A's answer names a tenant.
      const { campaign } = await seedA();
      await a.report(invalidOutcomes(uniqueId('own'), campaign, '(31) 99876-2222', 10));
      const forA = await api().post('/v1/numbers/explain').set('authorization', a.auth('dialer')).send({ phone: '(31) 99876-2222' }).expect(200);
      expect(forA.body).toMatchObject({ removed: true, by: 'own', distinctTenants: 1 });
      const forB = await api().post('/v1/numbers/explain').set('authorization', b.auth('dialer')).send({ phone: '(31) 99876-2222' }).expect(200);
      const unknown = await api().post('/v1/numbers/explain').set('authorization', b.auth('dialer')).send({ phone: '(31) 99876-3333' }).expect(200);
      expect(forB.body).toEqual({ removed: false });
      expect(unknown.body).toEqual(forB.body);
    },

    'POST /v1/numbers/contest': async () => {
      // B contesting a number A's own tabulations removed changes nothing of A's view.
      const { campaign } = await seedA();
      await a.report(invalidOutcomes(uniqueId('own'), campaign, '(31) 99876-4444', 10));
      const response = await api().post('/v1/numbers/contest').set('authorization', b.auth('admin')).send({ phone: '(31) 99876-4444', reason: 'we reached the debtor' }).expect(200);
      expect(response.body).toEqual({ contested: true });
      const forA = await api().post('/v1/numbers/explain').set('authorization', a.auth('dialer')).send({ phone: '(31) 99876-4444' }).expect(200);
      expect(forA.body).toMatchObject({ removed: true, by: 'own', contested: false });
    },

    'GET /v1/dialer-keys': async () => {
      const aKeys = await api().get('/v1/dialer-keys').set('authorization', a.auth('admin')).expect(200);
      const aIds = aKeys.body.keys.map((key: { id: string }) => key.id);
      expect(aIds).toContain(fixture.spareKeyId);
      const bKeys = await api().get('/v1/dialer-keys').set('authorization', b.auth('admin')).expect(200);
      expect(bKeys.body.keys.length).toBeGreaterThan(0);
      expect(bKeys.body.keys.filter((key: { id: string }) => aIds.includes(key.id))).toEqual([]);
    },

    'POST /v1/dialer-keys': async () => {
      const aCount = await server.db.prisma.dialerKey.count({ where: { tenantId: a.id } });
      const created = await api().post('/v1/dialer-keys').set('authorization', b.auth('admin')).send({ name: uniqueId('bkey') }).expect(201);
      const me = await api().get('/v1/me').set('authorization', `Bearer ${created.body.key as string}`).expect(200);
      expect(me.body).toMatchObject({ role: 'dialer', tenant: { id: b.id } });
      expect(await server.db.prisma.dialerKey.count({ where: { tenantId: a.id } })).toBe(aCount);
    },

    'DELETE /v1/dialer-keys/:keyId': async () => {
      const victim = await server.services.tenants.createDialerKey(a.id, uniqueId('victim'), 'test');
      await api().get('/v1/me').set('authorization', `Bearer ${victim.key}`).expect(200);
      expect((await api().delete(`/v1/dialer-keys/${victim.id}`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
      await api().get('/v1/me').set('authorization', `Bearer ${victim.key}`).expect(200);
      expect((await server.db.prisma.dialerKey.findUniqueOrThrow({ where: { id: victim.id } })).revokedAt).toBeNull();
      const revoked = await api().delete(`/v1/dialer-keys/${victim.id}`).set('authorization', a.auth('admin')).expect(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      await api().get('/v1/me').set('authorization', `Bearer ${victim.key}`).expect(401);
    },

    'PUT /v1/campaigns/:campaignId/purpose': async () => {
      const { campaign } = await seedA();
      expect((await api().put(`/v1/campaigns/${campaign}/purpose`).set('authorization', b.auth('admin')).send({ purpose: 'cobranca' }).expect(404)).body.error.code).toBe('NOT_FOUND');
      expect((await api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200)).body.purpose).toBe('nao_informado');
      await api().put(`/v1/campaigns/${campaign}/purpose`).set('authorization', a.auth('admin')).send({ purpose: 'cobranca' }).expect(200);
    },

    'GET /v1/suppression/lists': async () => {
      await api().post('/v1/suppression/entries').set('authorization', a.auth('admin')).send({ phones: ['11 98111-0001'], source: 'isolation' }).expect(200);
      const aLists = await api().get('/v1/suppression/lists').set('authorization', a.auth('admin')).expect(200);
      const bLists = await api().get('/v1/suppression/lists').set('authorization', b.auth('dialer')).expect(200);
      // Only the shared lists, the same for everybody: no tenant's own list or count shows.
      expect(bLists.body).toEqual(aLists.body);
      expect(aLists.body.lists.every((list: { kind: string }) => list.kind === 'national' || list.kind === 'state')).toBe(true);
    },

    'GET /v1/suppression/entries': async () => {
      const { campaign } = await seedA();
      await api().post('/v1/suppression/entries').set('authorization', a.auth('admin')).send({ phones: ['11 98111-0002'], source: 'isolation', campaignId: campaign }).expect(200);
      const aEntries = await api().get('/v1/suppression/entries').query({ campaignId: campaign }).set('authorization', a.auth('admin')).expect(200);
      expect(aEntries.body.entries).toHaveLength(1);
      await api().get('/v1/suppression/entries').query({ campaignId: campaign }).set('authorization', b.auth('admin')).expect(404);
      const bEntries = await api().get('/v1/suppression/entries').set('authorization', b.auth('admin')).expect(200);
      expect(bEntries.body.entries.map((entry: { id: string }) => entry.id)).not.toContain(aEntries.body.entries[0].id);
    },

    'POST /v1/suppression/entries': async () => {
      const { campaign } = await seedA();
      await api().post('/v1/suppression/entries').set('authorization', b.auth('admin')).send({ phones: ['11 98111-0003'], source: 'isolation', campaignId: campaign }).expect(404);
      await api().post('/v1/suppression/entries').set('authorization', b.auth('dialer')).send({ phones: ['11 98111-0003'], source: 'isolation' }).expect(200);
      const check = await api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: ['11 98111-0003'], campaignId: campaign }).expect(200);
      expect(check.body.results[0].status).not.toBe('suppressed');
    },

    'POST /v1/suppression/entries/remove': async () => {
      const { campaign } = await seedA();
      await api().post('/v1/suppression/entries').set('authorization', a.auth('admin')).send({ phones: ['11 98111-0004'], source: 'isolation' }).expect(200);
      await api().post('/v1/suppression/entries/remove').set('authorization', b.auth('admin')).send({ phones: ['11 98111-0004'] }).expect(200, { removed: 0 });
      await api().post('/v1/suppression/entries/remove').set('authorization', b.auth('admin')).send({ phones: ['11 98111-0004'], campaignId: campaign }).expect(404);
      const check = await api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: ['11 98111-0004'], campaignId: campaign }).expect(200);
      expect(check.body.results[0]).toEqual({ status: 'suppressed', list: 'tenant' });
    },

    'DELETE /v1/suppression/entries/:entryId': async () => {
      const { campaign } = await seedA();
      await api().post('/v1/suppression/entries').set('authorization', a.auth('admin')).send({ phones: ['11 98111-0005'], source: 'isolation', campaignId: campaign }).expect(200);
      const [entry] = (await api().get('/v1/suppression/entries').query({ campaignId: campaign }).set('authorization', a.auth('admin')).expect(200)).body.entries as { id: string }[];
      expect((await api().delete(`/v1/suppression/entries/${entry!.id}`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
      expect(await server.db.prisma.suppressionEntry.count({ where: { id: entry!.id } })).toBe(1);
      await api().delete(`/v1/suppression/entries/${entry!.id}`).set('authorization', a.auth('admin')).expect(204);
    },

    'POST /v1/suppression/import': async () => {
      const { campaign } = await seedA();
      const importAs = (who: BuiltTenant, query: Record<string, string>) =>
        api().post('/v1/suppression/import').query({ source: 'isolation', ...query }).set('authorization', who.auth('admin')).set('content-type', 'text/csv').send('11 98111-0006\n');
      await importAs(b, { campaignId: campaign }).expect(404);
      await importAs(b, {}).expect(200);
      const check = await api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: ['11 98111-0006'], campaignId: campaign }).expect(200);
      expect(check.body.results[0].status).not.toBe('suppressed');
    },

    'GET /v1/calling-hours': async () => {
      const windows = { weekdays: { start: '07:00', end: '21:00' }, saturday: null, sunday: null };
      await api().put('/v1/calling-hours/RJ').set('authorization', a.auth('admin')).send({ windows }).expect(200);
      const bView = await api().get('/v1/calling-hours').set('authorization', b.auth('dialer')).expect(200);
      expect(bView.body.hours.find((row: { scope: string }) => row.scope === 'RJ')).toMatchObject({ from: 'preset' });
    },

    'PUT /v1/calling-hours/:scope': async () => {
      const windows = { weekdays: { start: '10:00', end: '11:00' }, saturday: null, sunday: null };
      await api().put('/v1/calling-hours/MG').set('authorization', b.auth('admin')).send({ windows }).expect(200);
      const aView = await api().get('/v1/calling-hours').set('authorization', a.auth('admin')).expect(200);
      expect(aView.body.hours.find((row: { scope: string }) => row.scope === 'MG')).toMatchObject({ from: 'preset' });
    },

    'GET /v1/admins': async () => {
      const aList = await api().get('/v1/admins').set('authorization', a.auth('admin')).expect(200);
      expect(aList.body.admins.map((admin: { email: string }) => admin.email)).toContain(a.adminEmail);
      const bList = await api().get('/v1/admins').set('authorization', b.auth('admin')).expect(200);
      expect(bList.body.admins.map((admin: { email: string }) => admin.email)).not.toContain(a.adminEmail);
    },

    'POST /v1/admins': async () => {
      const aCount = await server.db.prisma.adminUser.count({ where: { tenantId: a.id } });
      const email = `${uniqueId('invited')}@b.example`.toLowerCase();
      await api().post('/v1/admins').set('authorization', b.auth('admin')).send({ email, name: 'Invited', password: 'a long first password' }).expect(201);
      expect((await server.db.prisma.adminUser.findUniqueOrThrow({ where: { email } })).tenantId).toBe(b.id);
      expect(await server.db.prisma.adminUser.count({ where: { tenantId: a.id } })).toBe(aCount);
    },

    'POST /v1/admins/:adminId/disable': async () => {
      const aAdminId = claimsOf(a.adminToken).sub;
      expect((await api().post(`/v1/admins/${aAdminId}/disable`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
      await api().get('/v1/me').set('authorization', a.auth('admin')).expect(200);
      expect((await server.db.prisma.adminUser.findUniqueOrThrow({ where: { id: aAdminId } })).disabledAt).toBeNull();
    },

    'PUT /v1/me/password': async () => {
      // Another admin of B changes its own password: nothing of A's changes, A's admin still signs in.
      const bOther = await otherAdminOf(b);
      await api().put('/v1/me/password').set('authorization', `Bearer ${bOther.token}`).send({ currentPassword: bOther.password, newPassword: 'a new long passphrase' }).expect(200);
      await api().post('/v1/auth/login').send({ email: a.adminEmail, password: a.adminPassword }).expect(200);
      await api().get('/v1/me').set('authorization', a.auth('admin')).expect(200);
    },

    'POST /v1/me/sign-out-everywhere': async () => {
      const bOther = await otherAdminOf(b);
      await api().post('/v1/me/sign-out-everywhere').set('authorization', `Bearer ${bOther.token}`).expect(204);
      await api().get('/v1/me').set('authorization', `Bearer ${bOther.token}`).expect(401);
      await api().get('/v1/me').set('authorization', a.auth('admin')).expect(200);
      await api().get('/v1/me').set('authorization', b.auth('admin')).expect(200);
    },

    'GET /v1/campaigns/summary': async () => {
      const { campaign } = await seedA();
      const aSummary = await api().get('/v1/campaigns/summary').query({ limit: 200 }).set('authorization', a.auth('admin')).expect(200);
      expect(aSummary.body.campaigns.map((c: { campaign: { externalId: string } }) => c.campaign.externalId)).toContain(campaign);
      const aIds = (await server.db.prisma.campaign.findMany({ where: { tenantId: a.id }, select: { id: true } })).map((row) => row.id);
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        const bSummary = await api().get('/v1/campaigns/summary').query({ limit: 200, q: campaign }).set('authorization', credential).expect(200);
        expect(bSummary.body.campaigns.filter((c: { campaign: { id: string } }) => aIds.includes(c.campaign.id))).toEqual([]);
        expect(bSummary.body.total).toBe(0);
      }
    },

    'GET /v1/tabulations/usage': async () => {
      const { campaign } = await seedA();
      const code = uniqueId('usage-a').toLowerCase();
      await api().put(`/v1/tabulations/${code}`).set('authorization', a.auth('admin')).send({ outcome: 'neutral' }).expect(200);
      await a.report([{ callId: uniqueId('call'), campaignId: campaign, phone: '11987650004', code }]);
      const aUsage = await api().get('/v1/tabulations/usage').set('authorization', a.auth('admin')).expect(200);
      expect(aUsage.body.usage).toContainEqual({ code, calls: 1 });
      for (const credential of [b.auth('admin'), b.auth('dialer')]) {
        const bUsage = await api().get('/v1/tabulations/usage').set('authorization', credential).expect(200);
        expect(bUsage.body.usage.map((entry: { code: string }) => entry.code)).not.toContain(code);
      }
    },

    'GET /v1/compliance/cnpjs': async () => {
      const cnpj = await complianceOfA();
      expect((await api().get('/v1/compliance/cnpjs').set('authorization', a.auth('dialer')).expect(200)).body.cnpjs).toContainEqual(expect.objectContaining({ cnpj }));
      expect((await api().get('/v1/compliance/cnpjs').set('authorization', b.auth('admin')).expect(200)).body.cnpjs).toEqual([]);
    },

    'PUT /v1/compliance/cnpjs/:cnpj': async () => {
      const cnpj = await complianceOfA();
      // B may register the same CNPJ for itself; A's name and access codes stay A's.
      await api().put(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', b.auth('admin')).send({ name: 'B', accessCodes: ['1130039999'] }).expect(200);
      const aList = await api().get('/v1/compliance/cnpjs').set('authorization', a.auth('admin')).expect(200);
      expect(aList.body.cnpjs).toEqual([expect.objectContaining({ cnpj, name: 'A', accessCodes: ['1130030001'] })]);
      await api().delete(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', b.auth('admin')).expect(204);
    },

    'DELETE /v1/compliance/cnpjs/:cnpj': async () => {
      const cnpj = await complianceOfA();
      expect((await api().delete(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', b.auth('admin')).expect(404)).body.error.code).toBe('NOT_FOUND');
      expect((await api().get('/v1/compliance/cnpjs').set('authorization', a.auth('admin')).expect(200)).body.cnpjs).toHaveLength(1);
    },

    'PUT /v1/compliance/campaigns/:campaignId/cnpj': async () => {
      const cnpj = await complianceOfA();
      const { campaign } = await seedA();
      await api().put(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', b.auth('admin')).send({ name: 'B' }).expect(200);
      expect((await api().put(`/v1/compliance/campaigns/${campaign}/cnpj`).set('authorization', b.auth('admin')).send({ cnpj }).expect(404)).body.error.code).toBe('NOT_FOUND');
      expect((await api().get('/v1/compliance/cnpjs').set('authorization', a.auth('admin')).expect(200)).body.cnpjs[0].campaigns).toEqual([]);
      await api().put(`/v1/compliance/campaigns/${campaign}/cnpj`).set('authorization', a.auth('admin')).send({ cnpj }).expect(200);
      await api().delete(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', b.auth('admin')).expect(204);
    },

    'GET /v1/compliance/meter': async () => {
      const cnpj = await complianceOfA();
      const { campaign } = await seedA();
      await a.report([{ callId: uniqueId('call'), campaignId: campaign, phone: '11987650001', code: 'sip:486', call: { answered: false, accessCode: '1130030001' } } as never]);
      const aMeter = await api().get('/v1/compliance/meter').set('authorization', a.auth('dialer')).expect(200);
      expect(aMeter.body.cnpjs.find((row: { cnpj: string }) => row.cnpj === cnpj).today.calls).toBeGreaterThan(0);
      // B sees only its own calls (other routes' checks may have made some), never A's CNPJ or A's counts.
      const bMeter = (await api().get('/v1/compliance/meter').set('authorization', b.auth('admin')).expect(200)).body.cnpjs as { cnpj: string | null; today: { calls: number } }[];
      expect(bMeter.filter((row) => row.cnpj === cnpj)).toEqual([]);
      const bCalls = bMeter.reduce((sum, row) => sum + row.today.calls, 0);
      await a.report([{ callId: uniqueId('call'), campaignId: campaign, phone: '11987650003', code: 'sip:486', call: { answered: false } } as never]);
      const bAfter = (await api().get('/v1/compliance/meter').set('authorization', b.auth('admin')).expect(200)).body.cnpjs as { today: { calls: number } }[];
      expect(bAfter.reduce((sum, row) => sum + row.today.calls, 0)).toBe(bCalls);
    },

    'GET /v1/compliance/history': async () => {
      const cnpj = await complianceOfA();
      const { campaign } = await seedA();
      await a.report([{ callId: uniqueId('call'), campaignId: campaign, phone: '11987650002', code: 'sip:486', call: { answered: false } } as never]);
      const aHistory = await api().get('/v1/compliance/history').set('authorization', a.auth('admin')).expect(200);
      expect(aHistory.body.days[0].cnpjs).toContainEqual(expect.objectContaining({ cnpj }));
      const bDays = (await api().get('/v1/compliance/history').set('authorization', b.auth('dialer')).expect(200)).body.days as { cnpjs: { cnpj: string | null }[] }[];
      expect(bDays.flatMap((day) => day.cnpjs).filter((row) => row.cnpj === cnpj)).toEqual([]);
    },

    'POST /v1/privacy/withdraw': async () => {
      // B withdrawing "its" contributions to a number only A reported changes nothing of A's evidence, and the
      // answer is the one B gets for any number.
      const { campaign } = await seedA();
      await a.report(invalidOutcomes(uniqueId('withdraw'), campaign, '(41) 99123-4567', 2));
      const before = await server.db.prisma.numberEvidence.findMany();
      const response = await api().post('/v1/privacy/withdraw').set('authorization', b.auth('admin')).send({ phone: '(41) 99123-4567' }).expect(200);
      expect(response.body).toEqual({ withdrawn: true });
      expect(await server.db.prisma.numberEvidence.findMany()).toEqual(before);
    },
  };

  /** A's only CNPJ (registered once; an access code of its own), for the compliance routes. */
  async function complianceOfA(): Promise<string> {
    const cnpj = '11222333000181';
    await api().put(`/v1/compliance/cnpjs/${cnpj}`).set('authorization', a.auth('admin')).send({ name: 'A', accessCodes: ['1130030001'] }).expect(200);
    return cnpj;
  }

  /** A second admin of a tenant, signed in: for routes that end the caller's own sessions. */
  async function otherAdminOf(tenant: BuiltTenant) {
    const email = `${uniqueId('other')}@${tenant.slug}.example`.toLowerCase();
    const password = 'another correct horse battery';
    await server.services.tenants.createAdmin(tenant.id, { email, name: 'Other', password });
    const login = await api().post('/v1/auth/login').send({ email, password }).expect(200);
    return { email, password, token: login.body.token as string };
  }

  it.each(Object.keys(ISOLATION))("when tenant B's credentials reach tenant A's data through %s, then B sees and changes nothing of A's", async (route) => {
    await ISOLATION[route]!();
  });

  describe('socket.io connection', () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });

    const open = (token: string | undefined) => {
      const socket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: token === undefined ? {} : { token } });
      sockets.push(socket);
      return new Promise<{ connected: true } | { connected: false; code: unknown }>((resolve) => {
        socket.once('connect', () => resolve({ connected: true }));
        socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ connected: false, code: error.data?.code }));
      });
    };

    it('when a socket connects with a bad credential, then it is refused with UNAUTHENTICATED; with a good one it connects', async () => {
      const forged = forgedTokens(claimsOf(a.adminToken));
      for (const token of [undefined, 'garbage', forged.expired, forged.otherSecret, forged.algNone, forged.hs512, `hyg_${'0'.repeat(12)}_nope`]) {
        expect(await open(token)).toEqual({ connected: false, code: 'UNAUTHENTICATED' });
      }
      expect(await open(a.adminToken)).toEqual({ connected: true });
      expect(await open(a.dialerKey)).toEqual({ connected: true });
    });

    it("when A's campaign changes, then B's sockets receive nothing of it, while B's own change reaches them", async () => {
      const { campaign } = await seedA();
      const received: { socket: string; event: string; payload: unknown }[] = [];
      const listen = async (name: string, token: string) => {
        expect(await open(token)).toEqual({ connected: true });
        sockets[sockets.length - 1]!.onAny((event: string, payload: unknown) => received.push({ socket: name, event, payload }));
      };
      await listen('b-admin', b.adminToken);
      await listen('b-dialer', b.dialerKey);
      await api().put(`/v1/campaigns/${campaign}/hygiene`).set('authorization', a.auth('admin')).send({ enabled: false }).expect(200);
      await filterCsvMailing(server, a.auth('dialer'), campaign, 'telefone\n(11) 98765-4321\n');
      await api().put(`/v1/tabulations/${uniqueId('x').toLowerCase()}`).set('authorization', a.auth('admin')).send({ outcome: 'neutral' }).expect(200);
      // B's own event comes after A's on the same ordered connection: once it arrives, A's would have too.
      const marker = uniqueId('marker');
      await api().post('/v1/campaigns').set('authorization', b.auth('dialer')).send({ id: marker }).expect(201);
      await eventually(() => received.filter((entry) => (entry.payload as { externalId?: string })?.externalId === marker).length === 2, 'both sockets to get the event');
      // B's own dialer coming online is B's news (key presence): only B's admin hears it, and only of B's keys.
      const bKeyIds = (await api().get('/v1/dialer-keys?limit=500').set('authorization', b.auth('admin')).expect(200)).body.keys.map((key: { id: string }) => key.id);
      const presence = received.filter((entry) => entry.event === 'dialer-keys:updated');
      expect(presence.every((entry) => entry.socket === 'b-admin' && bKeyIds.includes((entry.payload as { id: string }).id))).toBe(true);
      expect(received.filter((entry) => entry.event !== 'dialer-keys:updated').map((entry) => `${entry.socket} ${entry.event} ${(entry.payload as { externalId?: string }).externalId}`).sort()).toEqual([
        `b-admin campaign:updated ${marker}`,
        `b-dialer campaign:updated ${marker}`,
      ]);
    });
  });
});

