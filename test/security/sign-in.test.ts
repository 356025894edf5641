import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { memoryLogger } from '../support/logs';
import { ConfigError, loadConfig } from '../../server/config';
import { MemoryRateLimiter } from '../../server/infra/ratelimit';

/** Issue 10, sign-in: no lockout of the right password, limits per address, bounded hashing, auth events logged. */
describe('security: sign-in', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const logs = memoryLogger();
  const login = (email: string, password: string, address: string) =>
    server.api().post('/v1/auth/login').set('x-forwarded-for', address).send({ email, password });

  beforeAll(async () => {
    // Behind a proxy on loopback: X-Forwarded-For names the client, so a test can be many addresses.
    server = await startTestServer({ redis: false, env: { TRUST_PROXY: 'loopback' }, logger: logs.logger });
    tenant = await buildTenant(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when 12 wrong passwords were tried on an admin from one address, then the right password from it still signs in', async () => {
    const victim = await buildTenant(server);
    const address = '198.51.100.12';
    for (let attempt = 0; attempt < 12; attempt++) await login(victim.adminEmail, `wrong guess ${attempt}`, address).expect(401);
    // Slowed (up to 2 s an attempt), never refused: anyone who knows an email could lock its admin out.
    const response = await login(victim.adminEmail, victim.adminPassword, address);
    expect(response.status).toBe(200);
  });

  it('when one address sprays 40 different emails, then it is throttled past its budget (429 with Retry-After)', async () => {
    const address = '203.0.113.40';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      const response = await login(`${uniqueId('spray')}@example.com`.toLowerCase(), 'any password', address);
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10);
    // Another address is not affected.
    await login(tenant.adminEmail, tenant.adminPassword, '203.0.113.41').expect(200);
  });

  it('when 64 bogus sign-ins from many addresses arrive at once, then at most 2 hash at a time, the rest queue or get 429, and the admin signs in', async () => {
    const guard = server.services.auth.loginGuard;
    guard.hashing.peak = 0;
    const flood = await Promise.all(
      Array.from({ length: 64 }, (_v, i) => login(`${uniqueId('flood')}@example.com`.toLowerCase(), 'bogus password', `192.0.2.${i + 1}`)),
    );
    for (const response of flood) expect([401, 429]).toContain(response.status);
    expect(guard.hashing.peak).toBeLessThanOrEqual(guard.policy.maxConcurrentHashes);
    expect(guard.policy.maxConcurrentHashes).toBeLessThanOrEqual(2);
    await login(tenant.adminEmail, tenant.adminPassword, '198.51.100.99').expect(200);
  });

  it('when sign-ins succeed and fail, then each is logged with its outcome, never the password or the raw email', async () => {
    const password = 'an unguessable password 123';
    await login(tenant.adminEmail, password, '198.51.100.77').expect(401);
    await login(tenant.adminEmail, tenant.adminPassword, '198.51.100.78').expect(200);
    const events = logs.lines().filter((line) => line.event === 'auth.login');
    expect(events.map((line) => line.outcome)).toEqual(expect.arrayContaining(['failure', 'success']));
    expect(events.find((line) => line.address === '198.51.100.77')).toMatchObject({ outcome: 'failure', domain: tenant.adminEmail.split('@')[1] });
    expect(logs.text()).not.toContain(password);
    expect(logs.text()).not.toContain(tenant.adminPassword);
    expect(logs.text()).not.toContain(tenant.adminEmail);
  });

  it('when rate-limit keys embed 1 MB of caller text each, then the limiter keeps only fixed-size digests, and no more than its maximum', async () => {
    const limiter = new MemoryRateLimiter(Date.now, 1000);
    for (let i = 0; i < 50; i++) await limiter.consume(`login:${'e'.repeat(1024 * 1024)}${i}`, 10, 60_000);
    expect(limiter.stats().keyBytes).toBeLessThanOrEqual(50 * 32);
    for (let i = 0; i < 5000; i++) await limiter.consume(`login:${i}`, 10, 60_000);
    expect(limiter.stats().entries).toBeLessThanOrEqual(1000);
  });

  it('when TRUST_PROXY is not a proxy setting, then the configuration is refused naming it', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/hyg-config-trust-proxy', TRUST_PROXY: 'everyone please' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/hyg-config-trust-proxy', TRUST_PROXY: 'everyone please' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/hyg-config-trust-proxy', TRUST_PROXY: '10.0.1.0/24, loopback' }).trustProxy).toBe('10.0.1.0/24, loopback');
  });
});
