import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import { io as connect, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import type { ClientToServerEvents, OutcomeBatchResult, ServerToClientEvents } from '../../plugin/contract/protocol';
import { createApp, createOperatorApp } from '../../server/app';
import { createLogger } from '../../server/logger';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, uniqueId, type TestServer } from '../support/harness';
import { expectError } from '../support/errors';
import { recordFault } from '../support/reliability';

/**
 * Issue "Faults: lose nothing", defect 1: text the database cannot store (a NUL, an unpaired UTF-16 surrogate,
 * a path parameter that is not valid percent-encoded UTF-8, a malformed UUID) is refused at the edge naming its
 * field, and inside a batch per item, so one such value never costs the rest of the batch (it used to be a 500 on
 * every retry, the batch never committed).
 */
const UNSTORABLE: [string, string][] = [
  ['a NUL', 'cobranca\u0000'],
  ['an unpaired surrogate', 'cobranca\ud800'],
];

type AckResponse = { ok: true; result: OutcomeBatchResult } | { ok: false; error: { code: string; message: string; field?: string } };
type ItemResult = OutcomeBatchResult['results'][number];

/** 10,000 contact tabulations with distinct call ids and phones; the item at `badIndex` names `badCampaign`. */
function batchWithOneBad(prefix: string, campaign: string, badIndex: number, badCampaign: string) {
  return Array.from({ length: 10_000 }, (_v, i) => ({
    callId: `${prefix}-${i}`,
    campaignId: i === badIndex ? badCampaign : campaign,
    phone: `(11) 9${String(1000_0000 + i)}`,
    code: 'sip:200',
  }));
}

function expectOnlyBadRejected(result: OutcomeBatchResult, badIndex: number, field: string) {
  expect(result).toMatchObject({ accepted: 9_999, duplicates: 0, rejected: 1 });
  const rejected = result.results.filter((item) => item.status === 'rejected') as Extract<ItemResult, { status: 'rejected' }>[];
  expect(rejected).toEqual([{ index: badIndex, status: 'rejected', error: expect.objectContaining({ code: 'VALIDATION_FAILED', field: `outcomes[${badIndex}].${field}` }) }]);
  expect(rejected[0]!.error.message).toMatch(new RegExp(`^outcomes\\[${badIndex}\\]\\.${field}: must not contain`));
}

describe('text the database cannot store', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const api = () => server.api();
  const contacts = async (campaign: string) =>
    ((await api().get(`/v1/campaigns/${campaign}`).set('authorization', tenant.auth('admin')).expect(200)).body.reported as { contact: number }).contact;

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    await tenant.campaign('cobranca', true);
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('in an outcome batch, refused per item', () => {
    it.each(UNSTORABLE)('when one of 10,000 outcomes has %s in its campaignId (HTTP), then only it is rejected naming outcomes[i].campaignId, the other 9,999 are committed and counted, and a retry doubles nothing', async (name, badCampaign) => {
      const campaign = await tenant.campaign(uniqueId('http'), true);
      const outcomes = batchWithOneBad(uniqueId('call'), campaign, 4_321, badCampaign);
      const first = await api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes }).expect(200);
      expectOnlyBadRejected(first.body as OutcomeBatchResult, 4_321, 'campaignId');
      expect(await contacts(campaign)).toBe(9_999);
      // The dialer's retry of the same batch: all duplicates, the counters stay.
      const retry = await api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes }).expect(200);
      expect(retry.body).toMatchObject({ accepted: 0, duplicates: 9_999, rejected: 1 });
      const counted = await contacts(campaign);
      expect(counted).toBe(9_999);
      recordFault({
        fault: `one outcome with ${name} in its campaignId (HTTP)`,
        load: '10,000 tabulations in one batch (9,999 valid, 1 unstorable), then the same batch again',
        sent: 9_999,
        counted,
        lost: 9_999 - Math.min(counted, 9_999),
        doubled: Math.max(0, counted - 9_999),
        clientSaw: '200: 9,999 accepted, 1 rejected (VALIDATION_FAILED on outcomes[4321].campaignId); retry: 9,999 duplicates',
        recoveryMs: null,
      });
    });

    it.each(UNSTORABLE)("when one of 10,000 outcomes has %s in its campaignId (socket 'outcomes:report'), then only it is rejected and the other 9,999 are committed and counted", async (name, badCampaign) => {
      const campaign = await tenant.campaign(uniqueId('sock'), true);
      const outcomes = batchWithOneBad(uniqueId('call'), campaign, 17, badCampaign);
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.dialerKey } });
      try {
        const ack = (await socket.timeout(30_000).emitWithAck('outcomes:report', { outcomes } as never)) as AckResponse;
        expect(ack.ok).toBe(true);
        expectOnlyBadRejected((ack as Extract<AckResponse, { ok: true }>).result, 17, 'campaignId');
      } finally {
        socket.close();
      }
      const counted = await contacts(campaign);
      expect(counted).toBe(9_999);
      recordFault({
        fault: `one outcome with ${name} in its campaignId (socket)`,
        load: "10,000 tabulations in one 'outcomes:report' batch (9,999 valid, 1 unstorable)",
        sent: 9_999,
        counted,
        lost: 9_999 - Math.min(counted, 9_999),
        doubled: Math.max(0, counted - 9_999),
        clientSaw: 'ack ok: 9,999 accepted, 1 rejected (VALIDATION_FAILED on outcomes[17].campaignId)',
        recoveryMs: null,
      });
    });

    it('when an item has a NUL or an unpaired surrogate in callId, phone or code, then that item is rejected naming that field and the valid ones are accepted', async () => {
      const campaign = await tenant.campaign(uniqueId('fields'), true);
      const valid = (callId: string) => ({ callId, campaignId: campaign, phone: '(11) 98765-4321', code: 'sip:200' });
      const prefix = uniqueId('f');
      const response = await api()
        .post('/v1/outcomes')
        .set('authorization', tenant.auth('dialer'))
        .send({
          outcomes: [
            valid(`${prefix}-ok-1`),
            { ...valid(`${prefix}-x`), callId: `${prefix}\u0000` },
            { ...valid(`${prefix}-phone`), phone: '11987654321\ud800' },
            { ...valid(`${prefix}-code`), code: 'sip:200\u0000' },
            { ...valid(`${prefix}-low`), code: '\udc00sip:200' },
            valid(`${prefix}-ok-2`),
          ],
        })
        .expect(200);
      expect(response.body).toMatchObject({ accepted: 2, rejected: 4 });
      expect((response.body as OutcomeBatchResult).results.map((item) => ('error' in item ? item.error.field : item.status))).toEqual([
        'accepted',
        'outcomes[1].callId',
        'outcomes[2].phone',
        'outcomes[3].code',
        'outcomes[4].code',
        'accepted',
      ]);
      expect(await contacts(campaign)).toBe(2);
    });
  });

  describe('in path parameters', () => {
    type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
    /** Every route with a path parameter, read from both apps' routers as test/routes/isolation.test.ts does. */
    function paramRoutes(): { method: 'get' | 'post' | 'put' | 'delete'; pattern: string; operator: boolean }[] {
      const found: { method: 'get' | 'post' | 'put' | 'delete'; pattern: string; operator: boolean }[] = [];
      const walk = (stack: Layer[], operator: boolean) => {
        for (const layer of stack) {
          if (layer.route?.path.includes(':')) {
            for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push({ method: method as never, pattern: layer.route.path, operator });
          } else if (layer.handle?.stack) walk(layer.handle.stack, operator);
        }
      };
      for (const [app, operator] of [[createApp(server.services, createLogger('silent')), false], [createOperatorApp(server.services, createLogger('silent')), true]] as const) {
        walk((app as Express & { router: { stack: Layer[] } }).router.stack, operator);
      }
      return found;
    }

    const credentialFor = (pattern: string) => (pattern.startsWith('/v1/operator') ? `Bearer ${TEST_KEYS.OPERATOR_TOKEN}` : tenant.auth('admin'));

    it.each([
      ['bad percent-encoding', '%E0%A4%A'],
      ['a percent-encoded unpaired surrogate', '%ED%A0%80'],
      ['a percent-encoded NUL', 'x%00y'],
    ])('when a path parameter holds %s, then every route refuses it with 400 VALIDATION_FAILED naming that parameter', async (_name, raw) => {
      const routes = paramRoutes();
      expect(routes.length).toBeGreaterThanOrEqual(10);
      for (const route of routes) {
        const param = /:(\w+)/.exec(route.pattern)![1]!;
        const url = route.pattern.replace(`:${param}`, raw);
        const request = (route.operator ? server.operatorApi() : api())[route.method](url).set('authorization', credentialFor(route.pattern));
        const response = route.pattern.endsWith('/mailings') && route.method === 'post' ? await request.set('content-type', 'text/csv').send('telefone\n11987654321\n') : await request;
        expect({ route: `${route.method} ${route.pattern}`, status: response.status, field: response.body?.error?.field }).toEqual({ route: `${route.method} ${route.pattern}`, status: 400, field: param });
        expectError(response, 400, 'VALIDATION_FAILED', param);
      }
    });

    it('when a UUID parameter is malformed, then 400 VALIDATION_FAILED naming it (never a database error)', async () => {
      const dashes = '-'.repeat(36);
      expectError(await api().get(`/v1/mailings/${dashes}`).set('authorization', tenant.auth('admin')), 400, 'VALIDATION_FAILED', 'mailingId');
      expectError(await api().get('/v1/mailings/not-a-uuid').set('authorization', tenant.auth('admin')), 400, 'VALIDATION_FAILED', 'mailingId');
      expectError(await api().delete(`/v1/dialer-keys/${dashes}`).set('authorization', tenant.auth('admin')), 400, 'VALIDATION_FAILED', 'keyId');
      const operator = `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`;
      expectError(await server.operatorApi().post(`/v1/operator/tenants/${dashes}/dialer-keys`).set('authorization', operator).send({ name: 'k' }), 400, 'VALIDATION_FAILED', 'tenant');
      // A well-formed id of nothing is still a plain 404, and a tenant is still found by slug.
      expectError(await api().get('/v1/mailings/00000000-0000-4000-8000-000000000000').set('authorization', tenant.auth('admin')), 404, 'NOT_FOUND');
      await server.operatorApi().post(`/v1/operator/tenants/${tenant.slug}/dialer-keys`).set('authorization', operator).send({ name: 'k' }).expect(201);
    });
  });

  describe('in bodies and queries', () => {
    const cases: [string, () => ReturnType<ReturnType<TestServer['api']>['get']>, string][] = [
      ['campaign id with a NUL', () => api().post('/v1/campaigns').set('authorization', tenant.auth('dialer')).send({ id: 'a\u0000b' }), 'id'],
      ['campaign name with an unpaired surrogate', () => api().post('/v1/campaigns').set('authorization', tenant.auth('dialer')).send({ id: 'ok', name: 'Cobran\ud83dça' }), 'name'],
      ['login email with a NUL', () => api().post('/v1/auth/login').send({ email: 'a\u0000@b.example', password: 'x' }), 'email'],
      ['mailing name with a NUL', () => api().post('/v1/campaigns/cobranca/mailings').query({ name: 'a\u0000' }).set('authorization', tenant.auth('dialer')).set('content-type', 'text/csv').send('telefone\n11987654321\n'), 'name'],
      ['stats campaignId with a NUL', () => api().get('/v1/stats/daily').query({ campaignId: 'a\u0000' }).set('authorization', tenant.auth('admin')), 'campaignId'],
      ['dialer key name with an unpaired surrogate', () => api().post('/v1/dialer-keys').set('authorization', tenant.auth('admin')).send({ name: '\udfff' }), 'name'],
      ['withdraw with a NUL phone', () => api().post('/v1/privacy/withdraw').set('authorization', tenant.auth('admin')).send({ phone: '11987654321\u0000' }), 'phone'],
      ['operator tenant name with a NUL', () => server.operatorApi().post('/v1/operator/tenants').set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`).send({ slug: uniqueId('s').toLowerCase().replace(/_/g, '-'), name: 'a\u0000' }), 'name'],
    ];

    it.each(cases)('when %s, then 400 VALIDATION_FAILED naming the field', async (_name, call, field) => {
      expect(expectError(await call(), 400, 'VALIDATION_FAILED', field).message).toMatch(/must not contain/);
    });

    it('when a schema module of any route is loaded, then every field of every schema refuses a NUL and an unpaired surrogate', async () => {
      const routesDir = path.resolve(__dirname, '../../server/routes');
      const schemaFiles = readdirSync(routesDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('schema.ts'));
      expect(schemaFiles.length).toBeGreaterThanOrEqual(7);
      const accepted: string[] = [];
      for (const file of schemaFiles) {
        // `require`: under `module: node16` an `import()` stays an ES import, whose namespace adds a `default`.
        const exports = require(path.join(routesDir, file)) as Record<string, z.ZodType>;
        for (const [name, schema] of Object.entries(exports)) {
          // Limits exported beside the schemas (EMAIL_MAX…) are not schemas.
          if (typeof (schema as { safeParse?: unknown }).safeParse !== 'function') continue;
          const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
          if (!shape) {
            // A shared field schema (externalId, slug…): refused on its own.
            for (const [, bad] of UNSTORABLE) if (schema.safeParse(bad).success) accepted.push(`${file} ${name} accepts ${JSON.stringify(bad)}`);
            continue;
          }
          for (const key of Object.keys(shape)) {
            for (const [, bad] of UNSTORABLE) {
              const result = schema.safeParse({ [key]: bad });
              if (result.success || !result.error.issues.some((issue) => issue.path[0] === key)) accepted.push(`${file} ${name}.${key} accepts ${JSON.stringify(bad)}`);
            }
          }
        }
      }
      expect(accepted).toEqual([]);
    });
  });

  it('when a socket credential holds a NUL, then the socket is refused as UNAUTHENTICATED (not "unavailable")', async () => {
    const socket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token: 'hyg_\u0000bad_secret' } });
    try {
      const refusal = await new Promise<{ code?: unknown }>((resolve) => socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ code: error.data?.code })));
      expect(refusal.code).toBe('UNAUTHENTICATED');
    } finally {
      socket.close();
    }
  });
});
