import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, DialerKeyView, ServerToClientEvents } from '../../plugin/contract/protocol';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { eventually } from '../support/eventually';

/**
 * Issue 14, problem 10: "Discador conectado" is live presence per dialer key — a socket.io connection open now,
 * on any instance when Redis links them — not "a request in the last 10 minutes".
 */
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('dialer presence per key (real socket.io-client, two instances on one Redis)', () => {
  let first: TestServer;
  let second: TestServer;
  let tenant: BuiltTenant;
  let other: BuiltTenant;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const schema = uniqueId('hyg');
    first = await startTestServer({ schema, redisPrefix: `${schema}:`, keepSchema: true });
    second = await startTestServer({ schema, redisPrefix: `${schema}:` });
    tenant = await buildTenant(first);
    other = await buildTenant(first);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await first.stop();
    await second.stop();
  });

  function open(server: TestServer, token: string): Promise<ClientSocket> {
    const socket: ClientSocket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  async function keysOn(server: TestServer, who: BuiltTenant): Promise<DialerKeyView[]> {
    return (await server.api().get('/v1/dialer-keys').set('authorization', who.auth('admin')).expect(200)).body.keys;
  }
  const connectedOn = async (server: TestServer, who: BuiltTenant, keyId: string) => (await keysOn(server, who)).find((key) => key.id === keyId)?.connected;

  it('when a dialer connects with its key on one instance, then both instances list that key as connected, and not after it disconnects', async () => {
    const created = await first.api().post('/v1/dialer-keys').set('authorization', tenant.auth('admin')).send({ name: 'discador-presenca' }).expect(201);
    expect(created.body.connected).toBe(false);
    // A request with the key is not presence: used just now, still not connected.
    await first.api().get('/v1/campaigns').set('authorization', `Bearer ${created.body.key}`).expect(200);
    await expect(connectedOn(first, tenant, created.body.id)).resolves.toBe(false);

    const dialer = await open(first, created.body.key);
    await expect(connectedOn(first, tenant, created.body.id)).resolves.toBe(true);
    await expect(connectedOn(second, tenant, created.body.id)).resolves.toBe(true);
    // Only that key: the tenant's other key (made by buildTenant) has no socket.
    expect((await keysOn(second, tenant)).filter((key) => key.connected).map((key) => key.id)).toEqual([created.body.id]);
    // Another tenant sees neither the key nor its presence.
    expect((await keysOn(second, other)).filter((key) => key.connected)).toEqual([]);

    dialer.close();
    await eventually(async () => (await connectedOn(second, tenant, created.body.id)) === false, 'the key to read disconnected on the other instance');
    await expect(connectedOn(first, tenant, created.body.id)).resolves.toBe(false);
  });

  it("when a dialer comes or goes, then the tenant's admin sockets on the other instance get dialer-keys:updated, so an open keys screen re-reads", async () => {
    const admin = await open(second, tenant.adminToken);
    const updates: unknown[] = [];
    admin.on('dialer-keys:updated', (payload) => updates.push(payload));
    const dialer = await open(first, tenant.dialerKey);
    const keyId = (await keysOn(first, tenant)).find((key) => key.connected)?.id;
    expect(keyId).toEqual(expect.any(String));
    await eventually(() => updates.length >= 1, 'the connect notice');
    dialer.close();
    await eventually(() => updates.length >= 2, 'the disconnect notice');
    expect(updates.slice(0, 2)).toEqual([{ id: keyId }, { id: keyId }]);
  });
});
