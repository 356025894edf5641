import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, TEST_KEYS, type TestServer } from '../support/harness';
import { claimsOf } from '../support/credentials';
import { eventually } from '../support/eventually';

/**
 * Issue 10, stale credentials: a credential dies when it should, on every instance, open sockets included. Two
 * instances share the database and Redis; the change is made through one and observed on the other.
 */
describe('security: stale credentials', () => {
  let one: TestServer;
  let two: TestServer;
  let tenant: BuiltTenant;
  const sockets: Socket[] = [];
  const operator = `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`;

  beforeAll(async () => {
    one = await startTestServer({ keepSchema: true });
    two = await startTestServer({ schema: one.schema, redisPrefix: `${one.schema}:` });
    tenant = await buildTenant(one);
  });

  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await one.stop();
    await two.stop();
  });

  /** Opens a socket on `server` and watches whether it is still connected. */
  async function openSocket(server: TestServer, token: string) {
    const socket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    sockets.push(socket);
    const state = { disconnected: false };
    socket.on('disconnect', () => {
      state.disconnected = true;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, state };
  }

  const sign = (claims: Record<string, unknown>, options: jwt.SignOptions) => jwt.sign(claims, TEST_KEYS.JWT_SECRET, { algorithm: 'HS256', issuer: 'mailing-hygiene', ...options });

  it('when a JWT has no expiry, or an expiry past the maximum age, then it is refused', async () => {
    const { sub, ...claims } = claimsOf(tenant.adminToken);
    const noExp = sign(claims, { subject: sub });
    const tooLong = sign(claims, { subject: sub, expiresIn: one.config.adminTokenTtlSeconds + 3600 });
    for (const token of [noExp, tooLong]) await one.api().get('/v1/me').set('authorization', `Bearer ${token}`).expect(401);
    await one.api().get('/v1/me').set('authorization', `Bearer ${sign(claims, { subject: sub, expiresIn: 600 })}`).expect(200);
  });

  it('when a JWT names a made-up subject, then it is refused', async () => {
    const { sub: _sub, ...claims } = claimsOf(tenant.adminToken);
    await one.api().get('/v1/me').set('authorization', `Bearer ${sign(claims, { subject: randomUUID(), expiresIn: 600 })}`).expect(401);
  });

  it("when a dialer key is revoked on one instance, then its open socket on another is disconnected and ingests nothing more", async () => {
    const key = await one.services.tenants.createDialerKey(tenant.id, uniqueId('sock'), 'test');
    const { socket, state } = await openSocket(two, key.key);
    await one.api().delete(`/v1/dialer-keys/${key.id}`).set('authorization', tenant.auth('admin')).expect(200);
    await eventually(() => state.disconnected, 'the revoked key socket to be disconnected', 5000);
    expect(socket.connected).toBe(false);
  });

  it('when an admin JWT expires, then its socket stops receiving events (disconnected at the expiry)', async () => {
    const { sub, ...claims } = claimsOf(tenant.adminToken);
    const shortLived = sign(claims, { subject: sub, expiresIn: 2 });
    const { state } = await openSocket(two, shortLived);
    expect(state.disconnected).toBe(false);
    await eventually(() => state.disconnected, 'the expired session socket to be disconnected', 8000);
  });

  it('when an admin signs out everywhere, then its tokens are refused on every instance and its sockets closed', async () => {
    const other = await secondAdmin();
    const { state } = await openSocket(two, other.token);
    await one.api().post('/v1/me/sign-out-everywhere').set('authorization', `Bearer ${other.token}`).expect(204);
    await two.api().get('/v1/me').set('authorization', `Bearer ${other.token}`).expect(401);
    await eventually(() => state.disconnected, 'the signed-out socket to be disconnected', 5000);
    await one.api().post('/v1/auth/login').send({ email: other.email, password: other.password }).expect(200);
  });

  it('when an admin changes its password, then old sessions and the old password are refused, the new ones work', async () => {
    const other = await secondAdmin();
    const changed = await one.api().put('/v1/me/password').set('authorization', `Bearer ${other.token}`).send({ currentPassword: other.password, newPassword: 'a brand new passphrase' }).expect(200);
    await two.api().get('/v1/me').set('authorization', `Bearer ${other.token}`).expect(401);
    await two.api().get('/v1/me').set('authorization', `Bearer ${changed.body.token as string}`).expect(200);
    await one.api().post('/v1/auth/login').send({ email: other.email, password: other.password }).expect(401);
    await one.api().post('/v1/auth/login').send({ email: other.email, password: 'a brand new passphrase' }).expect(200);
  });

  it("when a tenant admin disables another admin, then that admin's sessions, sockets and sign-in are refused", async () => {
    const other = await secondAdmin();
    const { state } = await openSocket(two, other.token);
    await one.api().post(`/v1/admins/${claimsOf(other.token).sub}/disable`).set('authorization', tenant.auth('admin')).expect(200);
    await two.api().get('/v1/me').set('authorization', `Bearer ${other.token}`).expect(401);
    await eventually(() => state.disconnected, 'the disabled admin socket to be disconnected', 5000);
    await one.api().post('/v1/auth/login').send({ email: other.email, password: other.password }).expect(401);
  });

  it('when the operator offboards a tenant, then its keys and admins are refused and their sockets closed, and the call is audited', async () => {
    const leaving = await buildTenant(one);
    const dialer = await openSocket(two, leaving.dialerKey);
    const admin = await openSocket(two, leaving.adminToken);
    await one.operatorApi().put(`/v1/operator/tenants/${leaving.slug}/disabled`).set('authorization', operator).send({ disabled: true, reason: 'contract ended' }).expect(200);
    await two.api().get('/v1/me').set('authorization', leaving.auth('dialer')).expect(401);
    await two.api().get('/v1/me').set('authorization', leaving.auth('admin')).expect(401);
    await eventually(() => dialer.state.disconnected && admin.state.disconnected, 'the offboarded tenant sockets to be disconnected', 5000);
    await one.api().post('/v1/auth/login').send({ email: leaving.adminEmail, password: leaving.adminPassword }).expect(401);
    await eventually(
      async () => (await one.db.prisma.auditEvent.count({ where: { action: 'operator.call', target: { contains: `/tenants/${leaving.slug}/disabled` } } })) === 1,
      'the operator call to be audited',
      5000,
    );
    // Other tenants are untouched.
    await two.api().get('/v1/me').set('authorization', tenant.auth('dialer')).expect(200);
  });

  async function secondAdmin() {
    const email = `${uniqueId('second')}@${tenant.slug}.example`.toLowerCase();
    const password = 'second admin passphrase';
    await one.services.tenants.createAdmin(tenant.id, { email, name: 'Second', password });
    const login = await one.api().post('/v1/auth/login').send({ email, password }).expect(200);
    return { email, password, token: login.body.token as string };
  }
});
