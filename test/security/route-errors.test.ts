import type { Test } from 'supertest';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';
import { expectError } from '../support/errors';
import { registeredRoutes } from '../support/routes';
import { createApp, createOperatorApp } from '../../server/app';
import { createLogger } from '../../server/logger';

/**
 * The error third of the per-route suites (issue 10): every registered route of both listeners has an entry here
 * with at least one malformed or out-of-range input (body, query or path parameter), answered with the documented
 * status, error code and field, and nothing changed; or `noInput` saying why it reads no input at all. The happy
 * control and the security checks of the same routes are in test/routes/isolation.test.ts. A route registered
 * without an entry, or an entry naming a route that no longer exists, fails the first test.
 */
type World = { server: TestServer; a: BuiltTenant; campaign: string };
type Method = 'get' | 'post' | 'put' | 'delete';
type ErrorCase = { name: string; send: (w: World) => Test; status: number; code: string; field: string };
/** `rows`: what a write would change, read before and after every case of the route; they must be equal. */
type RouteEntry = { cases: ErrorCase[]; rows?: (w: World) => Promise<unknown> } | { noInput: string };

const world = {} as World;

/** A request with tenant A's admin JWT or dialer key. */
const as = (credential: 'admin' | 'dialer', method: Method, path: string) => world.server.api()[method](path).set('authorization', world.a.auth(credential));
/** A request on the operator listener with the operator token. */
const operator = (method: Method, path: string) => world.server.operatorApi()[method](path).set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`);
/** A 400 VALIDATION_FAILED naming `field`, the usual answer to a malformed input. */
const invalid = (name: string, field: string, send: (w: World) => Test): ErrorCase => ({ name, field, send, status: 400, code: 'VALIDATION_FAILED' });
const badJson = (send: (w: World) => Test): ErrorCase => ({ name: 'the body is not valid JSON', field: 'body', status: 400, code: 'INVALID_JSON', send: (w) => send(w).set('content-type', 'application/json').send('{"x": [') });
const long = (length: number) => 'x'.repeat(length);
const campaignPath = (w: World) => `/v1/campaigns/${encodeURIComponent(w.campaign)}`;
/** Valid check digits are 81; 82 is a CNPJ only in shape. */
const BAD_CNPJ = '11222333000182';
const STATIC = 'a static document: no parameter, query or body is read';

const PUBLIC: Record<string, RouteEntry> = {
  'GET /healthz': { noInput: 'liveness probe: reads nothing from the request' },
  'GET /readyz': { noInput: 'reads only the Authorization header (operator details), tested in test/security/data.test.ts' },
  'GET /': { noInput: "the console's static page" },
  'GET /openapi.json': { noInput: STATIC },
  'GET /docs/api': { noInput: STATIC },
  'GET /docs/api/reference.js': { noInput: STATIC },
  'GET /docs/api/reference.css': { noInput: STATIC },
  'POST /v1/auth/login': {
    rows: () => world.server.db.prisma.adminUser.findMany(),
    cases: [
      invalid('email over 254 characters', 'email', (w) => w.server.api().post('/v1/auth/login').send({ email: `${long(250)}@x.example`, password: 'whatever password' })),
      invalid('password missing', 'password', (w) => w.server.api().post('/v1/auth/login').send({ email: w.a.adminEmail })),
      invalid('password over 1024 characters', 'password', (w) => w.server.api().post('/v1/auth/login').send({ email: w.a.adminEmail, password: long(1025) })),
      badJson((w) => w.server.api().post('/v1/auth/login')),
    ],
  },
  'GET /v1/me': { noInput: 'the caller is the credential; no parameter, query or body' },
  'GET /v1/campaigns': {
    cases: [
      invalid('limit 0', 'limit', () => as('dialer', 'get', '/v1/campaigns?limit=0')),
      invalid('limit not a number', 'limit', () => as('dialer', 'get', '/v1/campaigns?limit=abc')),
      invalid('cursor over 200 characters', 'cursor', () => as('dialer', 'get', `/v1/campaigns?cursor=${long(201)}`)),
    ],
  },
  'POST /v1/campaigns': {
    rows: () => world.server.db.prisma.campaign.findMany(),
    cases: [
      invalid('id missing', 'id', () => as('dialer', 'post', '/v1/campaigns').send({ name: 'no id' })),
      invalid('id a number', 'id', () => as('dialer', 'post', '/v1/campaigns').send({ id: 42 })),
      invalid('id over 200 characters', 'id', () => as('dialer', 'post', '/v1/campaigns').send({ id: long(201) })),
      invalid('name empty', 'name', () => as('dialer', 'post', '/v1/campaigns').send({ id: 'fine', name: ' ' })),
      badJson(() => as('dialer', 'post', '/v1/campaigns')),
    ],
  },
  'GET /v1/campaigns/summary': {
    cases: [
      invalid('sort not a known column', 'sort', () => as('admin', 'get', '/v1/campaigns/summary?sort=secret')),
      invalid('from a day that does not exist', 'from', () => as('admin', 'get', '/v1/campaigns/summary?from=2026-02-30')),
      invalid('hygiene neither on nor off', 'hygiene', () => as('admin', 'get', '/v1/campaigns/summary?hygiene=maybe')),
      invalid('offset negative', 'offset', () => as('admin', 'get', '/v1/campaigns/summary?offset=-1')),
    ],
  },
  'GET /v1/campaigns/:campaignId': {
    cases: [
      invalid('campaignId over 200 characters', 'campaignId', () => as('dialer', 'get', `/v1/campaigns/${long(201)}`)),
      invalid('campaignId with a NUL', 'campaignId', () => as('dialer', 'get', '/v1/campaigns/a%00b')),
      invalid('campaignId not percent-decodable', 'campaignId', () => as('dialer', 'get', '/v1/campaigns/%E0%A4%A')),
    ],
  },
  'PUT /v1/campaigns/:campaignId/hygiene': {
    rows: () => world.server.db.prisma.campaign.findMany(),
    cases: [
      invalid('enabled "yes"', 'enabled', (w) => as('admin', 'put', `${campaignPath(w)}/hygiene`).send({ enabled: 'yes' })),
      invalid('enabled missing', 'enabled', (w) => as('admin', 'put', `${campaignPath(w)}/hygiene`).send({})),
      invalid('campaignId over 200 characters', 'campaignId', () => as('admin', 'put', `/v1/campaigns/${long(201)}/hygiene`).send({ enabled: false })),
    ],
  },
  'GET /v1/campaigns/:campaignId/hygiene/history': {
    cases: [invalid('campaignId over 200 characters', 'campaignId', () => as('admin', 'get', `/v1/campaigns/${long(201)}/hygiene/history`))],
  },
  'PUT /v1/campaigns/:campaignId/ninth-digit': {
    rows: () => world.server.db.prisma.campaign.findMany(),
    cases: [
      invalid('enabled 1', 'enabled', (w) => as('admin', 'put', `${campaignPath(w)}/ninth-digit`).send({ enabled: 1 })),
      badJson((w) => as('admin', 'put', `${campaignPath(w)}/ninth-digit`)),
    ],
  },
  'PUT /v1/campaigns/:campaignId/purpose': {
    rows: () => world.server.db.prisma.campaign.findMany(),
    cases: [
      invalid('purpose not in the list', 'purpose', (w) => as('admin', 'put', `${campaignPath(w)}/purpose`).send({ purpose: 'spam' })),
      invalid('purpose missing', 'purpose', (w) => as('admin', 'put', `${campaignPath(w)}/purpose`).send({})),
    ],
  },
  'GET /v1/campaigns/:campaignId/mailings': {
    cases: [
      invalid('limit over 500', 'limit', (w) => as('dialer', 'get', `${campaignPath(w)}/mailings?limit=501`)),
      invalid('a sort that is not a whitelisted key', 'sort', (w) => as('dialer', 'get', `${campaignPath(w)}/mailings?sort=name;DROP%20TABLE`)),
      invalid('a status that is not running, completed or failed', 'status', (w) => as('dialer', 'get', `${campaignPath(w)}/mailings?status=deleted`)),
      invalid('a search over 100 characters', 'q', (w) => as('dialer', 'get', `${campaignPath(w)}/mailings?q=${long(101)}`)),
    ],
  },
  'POST /v1/campaigns/:campaignId/mailings': {
    rows: () => world.server.db.prisma.mailing.findMany(),
    cases: [
      invalid('order neither file nor best', 'order', (w) => as('dialer', 'post', `${campaignPath(w)}/mailings?order=random`).set('content-type', 'text/csv').send('telefone\n11987654321\n')),
      invalid('name over 200 characters', 'name', (w) => as('dialer', 'post', `${campaignPath(w)}/mailings?name=${long(201)}`).set('content-type', 'text/csv').send('telefone\n11987654321\n')),
      { name: 'a content type that is not CSV, NDJSON or JSON', field: 'content-type', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', send: (w) => as('dialer', 'post', `${campaignPath(w)}/mailings`).set('content-type', 'application/xml').send('<telefone/>') },
      { name: 'a CSV with an unterminated quote', field: 'body', status: 400, code: 'INVALID_CSV', send: (w) => as('dialer', 'post', `${campaignPath(w)}/mailings`).set('content-type', 'text/csv').send('"telefone\n11987654321\n') },
      { name: 'a JSON body that is not JSON', field: 'body', status: 400, code: 'INVALID_JSON', send: (w) => as('dialer', 'post', `${campaignPath(w)}/mailings`).set('content-type', 'application/json').send('[{"telefone": ') },
    ],
  },
  'GET /v1/mailings/:mailingId': {
    cases: [invalid('mailingId not a UUID', 'mailingId', () => as('dialer', 'get', '/v1/mailings/not-a-uuid'))],
  },
  'GET /v1/stats/daily': {
    cases: [
      invalid('days over 366', 'days', () => as('admin', 'get', '/v1/stats/daily?days=367')),
      invalid('days not a whole number', 'days', () => as('admin', 'get', '/v1/stats/daily?days=1.5')),
      invalid('campaignId over 200 characters', 'campaignId', () => as('admin', 'get', `/v1/stats/daily?campaignId=${long(201)}`)),
    ],
  },
  'GET /v1/tabulations': { noInput: "the tenant's whole code table: no parameter, query or body" },
  'GET /v1/tabulations/usage': {
    cases: [invalid('days over 90', 'days', () => as('admin', 'get', '/v1/tabulations/usage?days=91'))],
  },
  'PUT /v1/tabulations/:code': {
    rows: () => world.server.db.prisma.tabulationCode.findMany(),
    cases: [
      invalid('outcome not canonical', 'outcome', () => as('admin', 'put', '/v1/tabulations/meu-codigo').send({ outcome: 'maybe' })),
      invalid('code over 100 characters', 'code', () => as('admin', 'put', `/v1/tabulations/${long(101)}`).send({ outcome: 'contact' })),
      badJson(() => as('admin', 'put', '/v1/tabulations/meu-codigo')),
    ],
  },
  'DELETE /v1/tabulations/:code': {
    rows: () => world.server.db.prisma.tabulationCode.findMany(),
    cases: [invalid('code over 100 characters', 'code', () => as('admin', 'delete', `/v1/tabulations/${long(101)}`))],
  },
  'POST /v1/outcomes': {
    rows: () => world.server.db.prisma.callReceipt.count(),
    cases: [
      invalid('outcomes not an array', 'outcomes', () => as('dialer', 'post', '/v1/outcomes').send({ outcomes: { callId: 'x' } })),
      invalid('outcomes missing', 'outcomes', () => as('dialer', 'post', '/v1/outcomes').send({})),
      invalid('the body an array', 'body', () => as('dialer', 'post', '/v1/outcomes').send([{ callId: 'x' }])),
      badJson(() => as('dialer', 'post', '/v1/outcomes')),
    ],
  },
  'POST /v1/numbers/check': {
    cases: [
      invalid('phones a string', 'phones', () => as('dialer', 'post', '/v1/numbers/check').send({ phones: '11987654321' })),
      invalid('a phone over 64 characters', 'phones.1', () => as('dialer', 'post', '/v1/numbers/check').send({ phones: ['11987654321', '1'.repeat(65)] })),
      invalid('campaignId over 200 characters', 'campaignId', () => as('dialer', 'post', '/v1/numbers/check').send({ phones: ['11987654321'], campaignId: long(201) })),
    ],
  },
  'POST /v1/watch-tokens': {
    cases: [
      invalid('phones empty', 'phones', () => as('dialer', 'post', '/v1/watch-tokens').send({ phones: [] })),
      invalid('a phone not a string', 'phones.0', () => as('dialer', 'post', '/v1/watch-tokens').send({ phones: [11987654321] })),
    ],
  },
  'POST /v1/numbers/explain': {
    cases: [
      invalid('phone missing', 'phone', () => as('dialer', 'post', '/v1/numbers/explain').send({})),
      invalid('phone over 64 characters', 'phone', () => as('dialer', 'post', '/v1/numbers/explain').send({ phone: '1'.repeat(65) })),
    ],
  },
  'POST /v1/numbers/contest': {
    rows: () => Promise.all([world.server.db.prisma.numberEvidence.findMany(), world.server.db.prisma.tenantOverride.findMany()]),
    cases: [
      invalid('reason under 5 characters', 'reason', () => as('admin', 'post', '/v1/numbers/contest').send({ phone: '11987654321', reason: 'no' })),
      invalid('a phone that is not a Brazilian number', 'phone', () => as('admin', 'post', '/v1/numbers/contest').send({ phone: '12345', reason: 'we reached the debtor' })),
    ],
  },
  'GET /v1/audit': {
    cases: [
      invalid('limit over 200', 'limit', () => as('admin', 'get', '/v1/audit?limit=201')),
      invalid('before not an event id', 'before', () => as('admin', 'get', '/v1/audit?before=yesterday')),
      invalid('action not an action name', 'action', () => as('admin', 'get', '/v1/audit?action=DROP%20TABLE')),
      invalid('a text search over 100 characters', 'q', () => as('admin', 'get', `/v1/audit?q=${long(101)}`)),
    ],
  },
  'GET /v1/dialer-keys': {
    cases: [invalid('limit 0', 'limit', () => as('admin', 'get', '/v1/dialer-keys?limit=0'))],
  },
  'POST /v1/dialer-keys': {
    rows: () => world.server.db.prisma.dialerKey.findMany(),
    cases: [
      invalid('name missing', 'name', () => as('admin', 'post', '/v1/dialer-keys').send({})),
      invalid('name over 100 characters', 'name', () => as('admin', 'post', '/v1/dialer-keys').send({ name: long(101) })),
    ],
  },
  'DELETE /v1/dialer-keys/:keyId': {
    rows: () => world.server.db.prisma.dialerKey.findMany(),
    cases: [invalid('keyId not a UUID', 'keyId', () => as('admin', 'delete', '/v1/dialer-keys/not-a-uuid'))],
  },
  'POST /v1/privacy/withdraw': {
    rows: () => world.server.db.prisma.numberEvidence.findMany(),
    cases: [
      invalid('phone a number', 'phone', () => as('admin', 'post', '/v1/privacy/withdraw').send({ phone: 5511987654321 })),
      invalid('a phone that is not a Brazilian number', 'phone', () => as('admin', 'post', '/v1/privacy/withdraw').send({ phone: '12345' })),
    ],
  },
  'GET /v1/compliance/cnpjs': { noInput: "the tenant's CNPJs: no parameter, query or body" },
  'PUT /v1/compliance/cnpjs/:cnpj': {
    rows: () => Promise.all([world.server.db.prisma.complianceCnpj.findMany(), world.server.db.prisma.complianceAccessCode.findMany()]),
    cases: [
      invalid('a CNPJ with wrong check digits', 'cnpj', () => as('admin', 'put', `/v1/compliance/cnpjs/${BAD_CNPJ}`).send({ name: 'A' })),
      invalid('an access code of 2 digits', 'accessCodes.0', () => as('admin', 'put', '/v1/compliance/cnpjs/11222333000181').send({ name: 'A', accessCodes: ['12'] })),
      invalid('name missing', 'name', () => as('admin', 'put', '/v1/compliance/cnpjs/11222333000181').send({})),
    ],
  },
  'DELETE /v1/compliance/cnpjs/:cnpj': {
    rows: () => world.server.db.prisma.complianceCnpj.findMany(),
    cases: [invalid('a CNPJ with wrong check digits', 'cnpj', () => as('admin', 'delete', `/v1/compliance/cnpjs/${BAD_CNPJ}`))],
  },
  'PUT /v1/compliance/campaigns/:campaignId/cnpj': {
    rows: () => world.server.db.prisma.complianceCampaignCnpj.findMany(),
    cases: [
      invalid('a CNPJ that is not one', 'cnpj', (w) => as('admin', 'put', `/v1/compliance/campaigns/${encodeURIComponent(w.campaign)}/cnpj`).send({ cnpj: 'abc' })),
      invalid('cnpj missing (null unlinks)', 'cnpj', (w) => as('admin', 'put', `/v1/compliance/campaigns/${encodeURIComponent(w.campaign)}/cnpj`).send({})),
    ],
  },
  'GET /v1/compliance/meter': {
    cases: [
      invalid('day not YYYY-MM-DD', 'day', () => as('dialer', 'get', '/v1/compliance/meter?day=02/12/2026')),
      invalid('day that does not exist', 'day', () => as('dialer', 'get', '/v1/compliance/meter?day=2026-02-30')),
    ],
  },
  'GET /v1/compliance/history': {
    cases: [
      invalid('from not a date', 'from', () => as('admin', 'get', '/v1/compliance/history?from=yesterday')),
      invalid('to a day that does not exist', 'to', () => as('admin', 'get', '/v1/compliance/history?to=2026-02-30')),
    ],
  },
  'GET /v1/admins': { noInput: "the tenant's admins: no parameter, query or body" },
  'POST /v1/admins': {
    rows: () => world.server.db.prisma.adminUser.findMany(),
    cases: [
      invalid('email not an email', 'email', () => as('admin', 'post', '/v1/admins').send({ email: 'nobody', name: 'N', password: 'a long first password' })),
      invalid('password under 10 characters', 'password', () => as('admin', 'post', '/v1/admins').send({ email: 'new@example.com', name: 'N', password: 'short' })),
      invalid('name over 200 characters', 'name', () => as('admin', 'post', '/v1/admins').send({ email: 'new@example.com', name: long(201), password: 'a long first password' })),
    ],
  },
  'POST /v1/admins/:adminId/disable': {
    rows: () => world.server.db.prisma.adminUser.findMany(),
    cases: [invalid('adminId not a UUID', 'adminId', () => as('admin', 'post', '/v1/admins/not-a-uuid/disable'))],
  },
  'PUT /v1/me/password': {
    rows: () => world.server.db.prisma.adminUser.findMany(),
    cases: [
      invalid('newPassword under 10 characters', 'newPassword', (w) => as('admin', 'put', '/v1/me/password').send({ currentPassword: w.a.adminPassword, newPassword: 'short' })),
      invalid('currentPassword missing', 'currentPassword', () => as('admin', 'put', '/v1/me/password').send({ newPassword: 'a new long passphrase' })),
    ],
  },
  'POST /v1/me/sign-out-everywhere': { noInput: "ends the caller's own sessions: no parameter, query or body" },
  'GET /v1/suppression/lists': { noInput: 'the shared lists and their purposes: no parameter, query or body' },
  'GET /v1/suppression/entries': {
    cases: [
      invalid('limit over 500', 'limit', () => as('admin', 'get', '/v1/suppression/entries?limit=501')),
      invalid('campaignId over 200 characters', 'campaignId', () => as('admin', 'get', `/v1/suppression/entries?campaignId=${long(201)}`)),
    ],
  },
  'POST /v1/suppression/entries': {
    rows: () => world.server.db.prisma.suppressionEntry.findMany(),
    cases: [
      invalid('source missing', 'source', () => as('dialer', 'post', '/v1/suppression/entries').send({ phones: ['11987654321'] })),
      invalid('expiresAt without an offset', 'expiresAt', () => as('dialer', 'post', '/v1/suppression/entries').send({ phones: ['11987654321'], source: 'sac', expiresAt: '2027-01-31' })),
      invalid('phones empty', 'phones', () => as('dialer', 'post', '/v1/suppression/entries').send({ phones: [], source: 'sac' })),
    ],
  },
  'POST /v1/suppression/entries/remove': {
    rows: () => world.server.db.prisma.suppressionEntry.findMany(),
    cases: [invalid('phones a string', 'phones', () => as('admin', 'post', '/v1/suppression/entries/remove').send({ phones: '11987654321' }))],
  },
  'DELETE /v1/suppression/entries/:entryId': {
    rows: () => world.server.db.prisma.suppressionEntry.findMany(),
    cases: [invalid('entryId not a UUID', 'entryId', () => as('admin', 'delete', '/v1/suppression/entries/not-a-uuid'))],
  },
  'POST /v1/suppression/import': {
    rows: () => world.server.db.prisma.suppressionEntry.findMany(),
    cases: [
      invalid('source missing', 'source', () => as('admin', 'post', '/v1/suppression/import').set('content-type', 'text/csv').send('11987654321\n')),
      invalid('expiresAt not a date-time', 'expiresAt', () => as('admin', 'post', '/v1/suppression/import?source=sac&expiresAt=soon').set('content-type', 'text/csv').send('11987654321\n')),
    ],
  },
  'GET /v1/calling-hours': { noInput: "the tenant's calling hours: no parameter, query or body" },
  'PUT /v1/calling-hours/:scope': {
    rows: () => world.server.db.prisma.callingHours.findMany(),
    cases: [
      invalid('scope not BR or a state', 'scope', () => as('admin', 'put', '/v1/calling-hours/XX').send({ windows: null })),
      invalid('a start of 25:00', 'windows.weekdays.start', () => as('admin', 'put', '/v1/calling-hours/SP').send({ windows: { weekdays: { start: '25:00', end: '21:00' }, saturday: null, sunday: null } })),
      invalid('windows missing', 'windows', () => as('admin', 'put', '/v1/calling-hours/SP').send({})),
    ],
  },
};

/** Neither a slug (lower-case) nor an id: refused before any lookup. */
const NO_TENANT = 'Not_A_Tenant';
const OPERATOR: Record<string, RouteEntry> = {
  'GET /healthz': { noInput: 'liveness probe: reads nothing from the request' },
  'GET /metrics': { noInput: 'the Prometheus exposition: no parameter, query or body' },
  'GET /v1/operator/tenants': { noInput: 'every tenant: no parameter, query or body' },
  'POST /v1/operator/tenants': {
    rows: () => world.server.db.prisma.tenant.findMany(),
    cases: [
      invalid('slug with capitals and spaces', 'slug', () => operator('post', '/v1/operator/tenants').send({ slug: 'Bad Slug', name: 'X' })),
      invalid('name missing', 'name', () => operator('post', '/v1/operator/tenants').send({ slug: 'fine-slug' })),
      badJson(() => operator('post', '/v1/operator/tenants')),
    ],
  },
  'POST /v1/operator/tenants/:tenant/admins': {
    rows: () => world.server.db.prisma.adminUser.findMany(),
    cases: [
      invalid('tenant neither a slug nor an id', 'tenant', () => operator('post', `/v1/operator/tenants/${NO_TENANT}/admins`).send({ email: 'x@example.com', name: 'X', password: 'a long first password' })),
      invalid('email over 254 characters', 'email', (w) => operator('post', `/v1/operator/tenants/${w.a.slug}/admins`).send({ email: `${long(250)}@x.example`, name: 'X', password: 'a long first password' })),
    ],
  },
  'POST /v1/operator/tenants/:tenant/dialer-keys': {
    rows: () => world.server.db.prisma.dialerKey.findMany(),
    cases: [invalid('name missing', 'name', (w) => operator('post', `/v1/operator/tenants/${w.a.slug}/dialer-keys`).send({}))],
  },
  'GET /v1/operator/trust/sources': { noInput: 'the trust sources: no parameter, query or body' },
  'GET /v1/operator/audit': {
    cases: [invalid('limit 0', 'limit', () => operator('get', '/v1/operator/audit?limit=0')), invalid('before not an event id', 'before', () => operator('get', '/v1/operator/audit?before=-1'))],
  },
  'PUT /v1/operator/tenants/:tenant/quarantine': {
    rows: () => world.server.db.prisma.tenant.findMany(),
    cases: [
      invalid('quarantined "yes"', 'quarantined', (w) => operator('put', `/v1/operator/tenants/${w.a.slug}/quarantine`).send({ quarantined: 'yes', reason: 'suspicious reports' })),
      invalid('reason under 5 characters', 'reason', (w) => operator('put', `/v1/operator/tenants/${w.a.slug}/quarantine`).send({ quarantined: true, reason: 'eh' })),
    ],
  },
  'PUT /v1/operator/tenants/:tenant/disabled': {
    rows: () => world.server.db.prisma.tenant.findMany(),
    cases: [invalid('disabled missing', 'disabled', (w) => operator('put', `/v1/operator/tenants/${w.a.slug}/disabled`).send({ reason: 'contract ended' }))],
  },
  'POST /v1/operator/forget': {
    rows: () => Promise.all([world.server.db.prisma.numberEvidence.findMany(), world.server.db.prisma.numberHistory.findMany()]),
    cases: [
      invalid('reason missing', 'reason', () => operator('post', '/v1/operator/forget').send({ phone: '11987654321' })),
      invalid('a phone that is not a Brazilian number', 'phone', () => operator('post', '/v1/operator/forget').send({ phone: '12345', reason: 'holder asked (ticket 42)' })),
    ],
  },
  'POST /v1/operator/maintenance': { noInput: 'runs the maintenance pass: no parameter, query or body' },
  'GET /v1/operator/suppression-lists': { noInput: 'the shared lists: no parameter, query or body' },
  'POST /v1/operator/suppression-lists/:code/import': {
    rows: () => world.server.db.prisma.suppressionEntry.findMany(),
    cases: [
      invalid('code over 40 characters', 'code', () => operator('post', `/v1/operator/suppression-lists/${long(41)}/import`).set('content-type', 'text/csv').send('11987654321\n')),
      invalid('a purpose not in the list', 'purposes.0', () => operator('post', '/v1/operator/suppression-lists/procon-sp/import?purposes=spam').set('content-type', 'text/csv').send('11987654321\n')),
    ],
  },
};

describe('route errors, route by route', () => {
  beforeAll(async () => {
    world.server = await startTestServer();
    world.a = await buildTenant(world.server);
    world.campaign = await world.a.campaign('errors-campaign', true);
  });

  afterAll(async () => {
    await world.server.stop();
  });

  it.each([
    ['public', PUBLIC, createApp],
    ['operator', OPERATOR, createOperatorApp],
  ] as const)('when the %s app is built, then every registered route has an entry here and every entry names a registered route', (_listener, table, build) => {
    const registered = new Set(registeredRoutes(build(world.server.services, createLogger('silent'))));
    expect([...registered].filter((route) => !(route in table))).toEqual([]);
    expect(Object.keys(table).filter((route) => !registered.has(route))).toEqual([]);
    // An entry is either an explained absence of input or at least one error case.
    expect(Object.entries(table).filter(([, entry]) => ('noInput' in entry ? entry.noInput.length < 10 : entry.cases.length === 0))).toEqual([]);
  });

  for (const [listener, table] of [
    ['public', PUBLIC],
    ['operator', OPERATOR],
  ] as const) {
    for (const [route, entry] of Object.entries(table)) {
      if ('noInput' in entry) continue;
      describe(`${listener} ${route}`, () => {
        it.each(entry.cases.map((errorCase) => [errorCase.name, errorCase] as const))('error: %s', async (_name, errorCase) => {
          const before = await entry.rows?.(world);
          expectError(await errorCase.send(world), errorCase.status, errorCase.code, errorCase.field);
          expect(await entry.rows?.(world)).toEqual(before);
        });
      });
    }
  }
});
