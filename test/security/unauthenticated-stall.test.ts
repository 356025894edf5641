import { io as connect, type Socket } from 'socket.io-client';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { expectError } from '../support/errors';
import { postPartialBody, postWholeBody, zeroArray } from './support';

/**
 * Issue 10, "no unauthenticated stall": nobody without a credential makes the server buffer or parse a big body or
 * socket message. Behaviour only (answers before the body is sent, bounded memory); the timing figures (/healthz p99
 * under a flood) are measured by bench/hardening.ts and written in docs/security.md.
 */
const MiB = 1024 * 1024;

describe('security: no unauthenticated stall', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when a 16 MiB body is declared to /v1/auth/login, then 413 comes back before the client has sent it', async () => {
    const answer = await postPartialBody(server.url, '/v1/auth/login', { declaredBytes: 16 * MiB, sentBytes: 64 * 1024 });
    expect(answer).not.toBe('no answer');
    expect(answer).toMatchObject({ status: 413 });
    expect(JSON.parse((answer as { body: string }).body).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('when a chunked sign-in body grows past a few KB, then it is cut with 413 without reading the rest', async () => {
    const answer = await postPartialBody(server.url, '/v1/auth/login', { declaredBytes: 16 * MiB, sentBytes: 64 * 1024, chunked: true });
    expect(answer).toMatchObject({ status: 413 });
  });

  it.each([
    ['no credential', undefined],
    ['a garbage token', 'Bearer garbage.garbage.garbage'],
    ['an unknown dialer key', `Bearer hyg_${'0'.repeat(12)}_${'x'.repeat(32)}`],
  ])('when a 16 MiB body is declared to /v1/outcomes with %s, then 401 comes back before the client has sent it', async (_label, authorization) => {
    const answer = await postPartialBody(server.url, '/v1/outcomes', {
      declaredBytes: 16 * MiB,
      sentBytes: 64 * 1024,
      headers: authorization ? { authorization } : {},
    });
    expect(answer).toMatchObject({ status: 401 });
  });

  it('when an admin sends a 1 MiB body to a route of a few fields, then 413 (big bodies only where phone lists go)', async () => {
    const response = await server.api().put('/v1/tabulations/big-body').set('authorization', tenant.auth('admin')).send({ outcome: 'contact', padding: 'x'.repeat(MiB) });
    expectError(response, 413, 'PAYLOAD_TOO_LARGE', 'body');
    // The same route with a normal body works, and a big phone list still goes through where it belongs.
    await server.api().put('/v1/tabulations/big-body').set('authorization', tenant.auth('admin')).send({ outcome: 'contact' }).expect(200);
    const phones = Array.from({ length: 20_000 }, (_v, i) => `1198765${String(i).padStart(4, '0')}`);
    await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones }).expect(200);
  });

  it('when sign-in fields are longer than any real email or password, then 400 naming the field, not a hash of 1 KB+', async () => {
    expectError(await server.api().post('/v1/auth/login').send({ email: tenant.adminEmail, password: 'p'.repeat(1025) }), 400, 'VALIDATION_FAILED', 'password');
    expectError(await server.api().post('/v1/auth/login').send({ email: `${'a'.repeat(60)}@${'b'.repeat(200)}.example`, password: 'x' }), 400, 'VALIDATION_FAILED', 'email');
  });

  it('when 4 unauthenticated 16 MiB bodies are posted in parallel, then each is refused and memory stays bounded', async () => {
    const body = zeroArray(16 * MiB);
    const rssBefore = process.memoryUsage().rss;
    const statuses = await Promise.all([
      postWholeBody(server.url, '/v1/auth/login', body),
      postWholeBody(server.url, '/v1/auth/login', body),
      postWholeBody(server.url, '/v1/outcomes', body),
      postWholeBody(server.url, '/v1/numbers/check', body, { authorization: 'Bearer garbage' }),
    ]);
    const grownMiB = (process.memoryUsage().rss - rssBefore) / MiB;
    // 413 or 401 as answered, or 0 when the server closed the connection under a client still sending: never parsed.
    for (const status of statuses) expect([0, 401, 413]).toContain(status);
    // Parsing them grew RSS by hundreds of MiB (8M-element arrays); a loose bound, this process runs jest too.
    expect(grownMiB).toBeLessThan(150);
    await server.api().get('/healthz').expect(200);
  });

  describe('socket.io handshake', () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });
    const open = (auth: Record<string, unknown>) => {
      const socket = connect(server.url, { transports: ['websocket'], reconnection: false, auth });
      sockets.push(socket);
      return new Promise<{ connected: boolean; code?: unknown }>((resolve) => {
        socket.once('connect', () => resolve({ connected: true }));
        socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ connected: false, code: error.data?.code }));
        // A transport closed by the server (message over its buffer) gives no connect_error: the manager closes.
        socket.io.once('close', () => setTimeout(() => resolve({ connected: false }), 100));
      });
    };

    it('when the CONNECT auth payload is 4 MiB, then the transport refuses it before it is parsed, valid token or not', async () => {
      expect(await open({ token: tenant.adminToken, padding: 'x'.repeat(4 * MiB) })).toMatchObject({ connected: false });
      expect(await open({ token: tenant.adminToken })).toEqual({ connected: true });
    });

    it('when the handshake auth is larger than one credential needs, then it is refused with UNAUTHENTICATED', async () => {
      expect(await open({ token: tenant.adminToken, padding: 'x'.repeat(64 * 1024) })).toEqual({ connected: false, code: 'UNAUTHENTICATED' });
    });
  });
});
