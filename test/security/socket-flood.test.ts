import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, OutcomeBatchResult, ServerToClientEvents } from '../../plugin/contract/protocol';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';

/**
 * Issue 10: 2,000 concurrent reports on one socket froze /healthz 12.8 s. Each socket gets SOCKET_EVENTS_PER_SECOND
 * (burst: one second's worth); the excess is refused before any work, and a socket that keeps flooding is cut.
 * Behaviour, not timing: a burst of 200 is far past 20 a second however slow the machine.
 */
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type AckResponse = { ok: true; result: OutcomeBatchResult } | { ok: false; error: { code: string; message: string } };

const EVENTS_PER_SECOND = 20;
const PHONE = '(11) 98765-4321';

describe('security: events per socket', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({ redis: false, env: { SOCKET_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND) } });
    a = await buildTenant(server);
    b = await buildTenant(server);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  function opened(token: string): Promise<ClientSocket> {
    const socket: ClientSocket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token } });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  const report = (socket: ClientSocket, outcomes: unknown[]) => socket.timeout(30_000).emitWithAck('outcomes:report', { outcomes } as never) as Promise<AckResponse>;

  it('when one socket sends 200 reports in a burst, then most are refused with RATE_LIMITED, every accepted one is counted once, and another tenant\'s socket is still served', async () => {
    const campaignId = uniqueId('flood');
    await a.campaign(campaignId, false);
    await b.campaign(campaignId, false);
    const [flooder, neighbour] = await Promise.all([opened(a.dialerKey), opened(b.dialerKey)]);
    const outcomes = Array.from({ length: 200 }, (_v, i) => ({ callId: uniqueId(`burst${i}`), campaignId, phone: PHONE, code: 'sip:404' }));

    const acks = await Promise.all(outcomes.map((outcome) => report(flooder, [outcome])));
    const neighbourAck = await report(neighbour, [{ callId: uniqueId('calm'), campaignId, phone: PHONE, code: 'sip:404' }]);

    const refused = acks.filter((ack) => !ack.ok && ack.error.code === 'RATE_LIMITED');
    const accepted = outcomes.filter((_outcome, i) => acks[i]!.ok);
    expect(refused.length).toBeGreaterThan(100);
    expect(refused.length + accepted.length).toBe(200);
    expect(accepted.length).toBeGreaterThan(0);
    expect((refused[0] as { error: { message: string } }).error.message).toContain('SOCKET_EVENTS_PER_SECOND');
    for (const [i, ack] of acks.entries()) if (ack.ok) expect({ i, result: ack.result }).toMatchObject({ i, result: { accepted: 1, duplicates: 0 } });
    expect(neighbourAck).toMatchObject({ ok: true, result: { accepted: 1 } });

    // Sent again over HTTP: the accepted ones are duplicates (counted once), the refused ones were never recorded.
    const resent = await a.report(outcomes);
    expect(resent).toMatchObject({ duplicates: accepted.length, accepted: 200 - accepted.length, rejected: 0 });
  });

  it('when a socket keeps flooding at more than ten times the rate, then it is disconnected and others stay connected', async () => {
    const [flooder, neighbour] = await Promise.all([opened(a.dialerKey), opened(b.dialerKey)]);
    const cut = new Promise<string>((resolve) => flooder.once('disconnect', (reason) => resolve(reason)));
    // No acks: the cheapest flood (the handler ignores a report without one); 10 × 20 a second over 5 s is 1,000.
    const emitWithoutAck = flooder.emit.bind(flooder) as (event: string, payload: unknown) => void;
    for (let i = 0; i < 1200; i++) emitWithoutAck('outcomes:report', { outcomes: [] });
    expect(await cut).toBe('io server disconnect');
    const ack = await report(neighbour, [{ callId: uniqueId('after'), campaignId: uniqueId('c'), phone: PHONE, code: 'sip:404' }]);
    expect(ack.ok).toBe(true);
  });
});
