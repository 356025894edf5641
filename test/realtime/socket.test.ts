import { io as connect, type Socket } from 'socket.io-client';
import type { CampaignView, ClientToServerEvents, MailingView, OutcomeBatchResult, ServerToClientEvents } from '../../plugin/contract/protocol';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { claimsOf, forgedTokens } from '../support/credentials';
import { filterCsvMailing } from '../support/mailing';
import { eventually } from '../support/eventually';

/**
 * Issue 2: ingestion over socket.io with acknowledgements (idempotent with HTTP), and counts pushed live to the
 * tenant's room only. No timing assertions: absence is proven by an event that must arrive after the others.
 */
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type AckResponse = { ok: true; result: OutcomeBatchResult } | { ok: false; error: { code: string; message: string; field?: string } };

describe('socket.io', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    a = await buildTenant(server);
    b = await buildTenant(server);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  /** Connects and resolves once connected, or with the refusal's code. */
  function open(auth: { token?: unknown } | undefined, headers?: Record<string, string>) {
    const socket: ClientSocket = connect(server.url, { transports: ['websocket'], reconnection: false, ...(auth ? { auth } : {}), ...(headers ? { extraHeaders: headers } : {}) });
    sockets.push(socket);
    return new Promise<{ socket: ClientSocket; refused?: { code: unknown; message: string } }>((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ socket, refused: { code: error.data?.code, message: error.message } }));
    });
  }

  async function connected(token: string): Promise<{ socket: ClientSocket; events: { event: string; payload: unknown }[] }> {
    const { socket, refused } = await open({ token });
    expect(refused).toBeUndefined();
    const events: { event: string; payload: unknown }[] = [];
    socket.onAny((event: string, payload: unknown) => events.push({ event, payload }));
    return { socket, events };
  }

  const report = (socket: ClientSocket, batch: unknown) => socket.timeout(30_000).emitWithAck('outcomes:report', batch as never) as Promise<AckResponse>;

  it('when a socket connects without a credential or with a bad one, then it is refused with UNAUTHENTICATED', async () => {
    const forged = forgedTokens(claimsOf(a.adminToken));
    const revoked = await server.services.tenants.createDialerKey(a.id, 'revoked', 'test');
    await server.services.tenants.revokeDialerKey(a.id, revoked.id, 'test');
    for (const auth of [undefined, {}, { token: 42 }, { token: '' }, { token: 'garbage' }, { token: forged.expired }, { token: forged.otherSecret }, { token: forged.algNone }, { token: forged.hs512 }, { token: revoked.key }]) {
      const { refused } = await open(auth);
      expect({ auth, code: refused?.code }).toEqual({ auth, code: 'UNAUTHENTICATED' });
    }
  });

  it('when a socket connects with an admin JWT, a dialer key, or a bearer header, then it is accepted', async () => {
    expect((await open({ token: a.adminToken })).refused).toBeUndefined();
    expect((await open({ token: a.dialerKey })).refused).toBeUndefined();
    expect((await open(undefined, { authorization: a.auth('dialer') })).refused).toBeUndefined();
  });

  it('when a dialer reports outcomes over the socket, then the ack comes after the commit and the same call ids sent over HTTP before are duplicates', async () => {
    const campaign = await a.campaign(uniqueId('camp'), true);
    const outcomes = Array.from({ length: 3 }, (_v, i) => ({ callId: uniqueId(`call${i}`), campaignId: campaign, phone: '(11) 98765-4321', code: 'sip:404' }));
    const { socket } = await connected(a.dialerKey);

    // HTTP first, then the same calls over the socket.
    expect(await a.report(outcomes.slice(0, 2))).toMatchObject({ accepted: 2, duplicates: 0 });
    const ack = await report(socket, { outcomes });
    expect(ack).toMatchObject({ ok: true, result: { accepted: 1, duplicates: 2, rejected: 0 } });
    // Committed when acknowledged: visible at once over HTTP, and the number's history counts 3.
    const view = await server.api().get(`/v1/campaigns/${campaign}`).set('authorization', a.auth('admin')).expect(200);
    expect(view.body.reported).toEqual({ invalid: 3, contact: 0, neutral: 0 });
    // The socket's calls are now duplicates over HTTP too.
    expect(await a.report(outcomes)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await report(socket, { outcomes })).toMatchObject({ ok: true, result: { accepted: 0, duplicates: 3 } });
  });

  it('when a socket batch is bad, then the ack carries the error; a bad item is rejected alone; an admin socket may not report', async () => {
    const campaign = await a.campaign(uniqueId('camp'), true);
    const { socket } = await connected(a.dialerKey);
    expect(await report(socket, { outcomes: 'nope' })).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes' }) });
    expect(await report(socket, undefined)).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes' }) });
    const mixed = await report(socket, {
      outcomes: [
        { callId: uniqueId('ok'), campaignId: campaign, phone: '(21) 3456-7890', code: 'q850:1' },
        { callId: uniqueId('bad'), campaignId: campaign, phone: '123', code: 'q850:1' },
      ],
    });
    expect(mixed).toMatchObject({ ok: true, result: { accepted: 1, rejected: 1, results: [{ status: 'accepted' }, { status: 'rejected', error: { code: 'INVALID_PHONE', field: 'outcomes[1].phone' } }] } });

    const { socket: adminSocket } = await connected(a.adminToken);
    expect(await report(adminSocket, { outcomes: [{ callId: 'x', campaignId: campaign, phone: '(21) 3456-7890', code: 'q850:1' }] })).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });
  });

  it("when a mailing is filtered and hygiene is switched, then A's admin socket gets mailing:updated and campaign:updated live, and B's sockets get none of it", async () => {
    const campaign = await a.campaign(uniqueId('camp'), true);
    const aAdmin = await connected(a.adminToken);
    const bAdmin = await connected(b.adminToken);
    const bDialer = await connected(b.dialerKey);

    const filtered = await filterCsvMailing(server, a.auth('dialer'), campaign, 'nome;telefone\nAna;(11) 98765-4321\nBia;12\n');
    expect(filtered.status).toBe(200);
    const mailingId = filtered.headers['x-mailing-id'];
    await server.api().put(`/v1/campaigns/${campaign}/hygiene`).set('authorization', a.auth('admin')).send({ enabled: false }).expect(200);

    // A's admin sees the mailing complete, with its counts, then the switch.
    await eventually(() => aAdmin.events.some((e) => e.event === 'campaign:updated' && (e.payload as CampaignView).hygieneEnabled === false), 'the event');
    const mailingEvents = aAdmin.events.filter((e) => e.event === 'mailing:updated').map((e) => e.payload as MailingView);
    expect(mailingEvents.every((m) => m.id === mailingId)).toBe(true);
    expect(mailingEvents.at(-1)).toMatchObject({ id: mailingId, status: 'completed', counts: { totalRows: 2, keptRows: 1, malformedRows: 1 } });
    const campaignEvent = aAdmin.events.find((e) => e.event === 'campaign:updated' && (e.payload as CampaignView).externalId === campaign && !(e.payload as CampaignView).hygieneEnabled);
    expect(campaignEvent?.payload).toMatchObject({ externalId: campaign, hygieneEnabled: false, hygieneChangedBy: a.adminEmail });

    // B's own event, emitted after A's, reaches B's sockets; nothing of A's came before it.
    const marker = uniqueId('marker');
    await server.api().post('/v1/campaigns').set('authorization', b.auth('dialer')).send({ id: marker }).expect(201);
    await eventually(() => [bAdmin, bDialer].every((s) => s.events.some((e) => (e.payload as CampaignView)?.externalId === marker)), 'the event');
    // B's own dialer coming online (key presence) is B's news, about B's key only; nothing else came before the marker.
    const bKeyIds = (await server.api().get('/v1/dialer-keys?limit=500').set('authorization', b.auth('admin')).expect(200)).body.keys.map((key: { id: string }) => key.id);
    expect(bAdmin.events.filter((e) => e.event === 'dialer-keys:updated').every((e) => bKeyIds.includes((e.payload as { id: string }).id))).toBe(true);
    const notPresence = (s: typeof bAdmin) => s.events.filter((e) => e.event !== 'dialer-keys:updated');
    for (const s of [bAdmin, bDialer]) expect(notPresence(s).map((e) => `${e.event} ${(e.payload as CampaignView).externalId}`)).toEqual([`campaign:updated ${marker}`]);
    // The other way round too: B's marker never reached A's admin socket.
    await server.api().post('/v1/campaigns').set('authorization', a.auth('dialer')).send({ id: `${marker}-a` }).expect(201);
    await eventually(() => aAdmin.events.some((e) => (e.payload as CampaignView)?.externalId === `${marker}-a`), 'the event');
    expect(aAdmin.events.some((e) => (e.payload as CampaignView)?.externalId === marker)).toBe(false);
  });

  it("when an admin creates or revokes a dialer key, then the tenant's admin sockets get dialer-keys:updated without the key, and another tenant's get nothing", async () => {
    const aAdmin = await connected(a.adminToken);
    const bAdmin = await connected(b.adminToken);
    const created = await server.api().post('/v1/dialer-keys').set('authorization', a.auth('admin')).send({ name: 'segundo discador' }).expect(201);
    await server.api().delete(`/v1/dialer-keys/${created.body.id}`).set('authorization', a.auth('admin')).expect(200);
    // Only this key's notices: a dialer socket of an earlier test going away also notifies (presence).
    const ofKey = () => aAdmin.events.filter((e) => e.event === 'dialer-keys:updated' && (e.payload as { id?: string }).id === created.body.id);
    await eventually(() => ofKey().length === 2, 'the event');
    expect(ofKey().map((e) => e.payload)).toEqual([{ id: created.body.id }, { id: created.body.id }]);
    expect(JSON.stringify(aAdmin.events)).not.toContain(created.body.key);
    expect(bAdmin.events.filter((e) => e.event === 'dialer-keys:updated' && (e.payload as { id?: string }).id === created.body.id)).toEqual([]);
  });
});


