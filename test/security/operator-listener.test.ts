import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';
import { eventually } from '../support/eventually';
import { loadConfig } from '../../server/config';

/**
 * Issue 10, operator API: it had the public listener (with HOST=0.0.0.0, the network) behind one static token
 * checked only for length. Now it has a listener of its own, on loopback unless OPERATOR_HOST says otherwise, and a
 * production start refuses a guessable token. Rate limit and audit: test/security/stale-credentials.test.ts and
 * the operator routes' own tests.
 */
describe('security: the operator listener', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const operator = `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`;

  beforeAll(async () => {
    // The public listener on every interface, as a careless deployment would: the operator one stays on loopback.
    server = await startTestServer({ redis: false, env: { HOST: '0.0.0.0' } });
    tenant = await buildTenant(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  const OPERATOR_CALLS: [method: 'get' | 'post' | 'put', route: string][] = [
    ['get', '/v1/operator/tenants'],
    ['post', '/v1/operator/tenants'],
    ['get', '/v1/operator/audit'],
    ['get', '/v1/operator/trust/sources'],
    ['post', '/v1/operator/maintenance'],
    ['post', '/v1/operator/forget'],
    ['put', '/v1/operator/tenants/x/disabled'],
    ['get', '/metrics'],
  ];

  it.each(OPERATOR_CALLS)('when %s %s is called on the public listener with the operator token, then 404 NOT_FOUND', async (method, route) => {
    const response = await server.api()[method](route).set('authorization', operator).send({});
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('when the operator listener is called with the token, then the operator API, its audit log and /metrics answer; without it, 401', async () => {
    const tenants = await server.operatorApi().get('/v1/operator/tenants').set('authorization', operator).expect(200);
    expect(tenants.body.tenants.map((entry: { id: string }) => entry.id)).toContain(tenant.id);
    // Each call is audited once it has answered (routes/operator/operator.ts), so the log catches up shortly.
    // Polled in the database: polling the API would spend the operator's rate limit.
    await eventually(async () => (await server.db.prisma.auditEvent.count({ where: { action: 'operator.call', target: 'GET /v1/operator/tenants' } })) > 0, 'the operator call in the audit log');
    const audit = await server.operatorApi().get('/v1/operator/audit').set('authorization', operator).expect(200);
    expect(audit.body.events).toContainEqual(expect.objectContaining({ action: 'operator.call', target: 'GET /v1/operator/tenants' }));
    const metrics = await server.operatorApi().get('/metrics').set('authorization', operator).expect(200);
    expect(metrics.text).toMatch(/^# (HELP|TYPE) /m);
    await server.operatorApi().get('/healthz').expect(200);
    for (const credential of [undefined, tenant.auth('admin'), tenant.auth('dialer')]) {
      const request = server.operatorApi().get('/v1/operator/tenants');
      const refused = await (credential ? request.set('authorization', credential) : request);
      expect(refused.status).toBe(401);
    }
  });

  it('when a tenant route is called on the operator listener, then 404: it serves the operator alone', async () => {
    const response = await server.operatorApi().get('/v1/me').set('authorization', tenant.auth('admin'));
    expect(response.status).toBe(404);
    await server.operatorApi().get('/').expect(404);
  });

  it('when OPERATOR_HOST is not set, then the operator listener binds 127.0.0.1, even with the public one on 0.0.0.0', () => {
    expect((server.http.address() as AddressInfo).address).toBe('0.0.0.0');
    expect((server.operatorHttp.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(server.operatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/x', ...TEST_KEYS }).operator).toEqual({ host: '127.0.0.1', port: 3001 });
  });

  describe('a production start with a guessable OPERATOR_TOKEN', () => {
    const mainTs = path.join(__dirname, '..', '..', 'server', 'main.ts');
    const loader = path.join(__dirname, '..', '..', 'scripts', 'ts-register.js');
    let dataDir: string;

    beforeAll(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'hyg-operator-token-'));
    });

    afterAll(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it.each([
      ['a word repeated to 32 characters', 'changeme'.repeat(4)],
      ['one character repeated', 'x'.repeat(40)],
    ])('when it is %s, then the process exits 2 naming OPERATOR_TOKEN, before listening, without echoing the token', (_name, token) => {
      const result = spawnSync(process.execPath, ['-r', loader, mainTs], {
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', OPERATOR_PORT: '0', JWT_SECRET: TEST_KEYS.JWT_SECRET, PSEUDONYM_KEY: TEST_KEYS.PSEUDONYM_KEY, OPERATOR_TOKEN: token },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/Invalid configuration/);
      expect(result.stderr).toMatch(/OPERATOR_TOKEN: too guessable/);
      expect(result.stderr).not.toContain(token);
      expect(result.stdout).not.toMatch(/listening|Hygiene server on/);
    });
  });
});
