import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { buildTenant } from './support/factories';
import { startTestServer, uniqueId, type TestServer } from './support/harness';
import { splitMultipart } from './support/mailing';

/**
 * Issue 11: a graceful shutdown (server.ts, close(); SIGTERM/SIGINT in main.ts) lets requests in flight finish
 * up to SHUTDOWN_DRAIN_MS while /readyz says 503 "draining", and cuts what outlives the deadline.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const portOf = (server: TestServer) => Number(new URL(server.url).port);

type SlowMailing = { response: Promise<IncomingMessage>; write(text: string): void; end(): void; body: Promise<{ text: Buffer; complete: boolean }> };

/** A CSV mailing POSTed chunk by chunk, as a dialer streaming a large file would. */
function slowMailing(server: TestServer, credential: string, campaign: string): SlowMailing {
  const request = httpRequest(`${server.url}/v1/campaigns/${encodeURIComponent(campaign)}/mailings`, {
    method: 'POST',
    headers: { authorization: credential, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
  });
  request.on('error', () => undefined); // the cut case: seen through the response
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  const body = response.then(
    (incoming) =>
      new Promise<{ text: Buffer; complete: boolean }>((resolve) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.once('end', () => resolve({ text: Buffer.concat(chunks), complete: incoming.complete }));
        incoming.once('error', () => resolve({ text: Buffer.concat(chunks), complete: false }));
        incoming.once('aborted', () => resolve({ text: Buffer.concat(chunks), complete: false }));
      }),
  );
  request.flushHeaders();
  return { response, body, write: (text) => void request.write(text), end: () => void request.end() };
}

/** A connection opened before the shutdown, with a request to /readyz half sent (its headers not finished). */
async function halfSentReadyz(server: TestServer): Promise<{ finish(): Promise<string> }> {
  const socket: Socket = connect(portOf(server), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write('GET /readyz HTTP/1.1\r\nHost: probe\r\n');
  await sleep(100); // the server has read the first bytes: the connection is busy, not idle
  return {
    finish: () =>
      new Promise<string>((resolve, reject) => {
        let answer = '';
        socket.on('data', (chunk: Buffer) => {
          answer += chunk.toString();
          if (answer.includes('\r\n\r\n') && answer.trimEnd().endsWith('}')) resolve(answer);
        });
        socket.once('error', reject);
        socket.once('close', () => resolve(answer));
        socket.write('\r\n');
      }),
  };
}

const rows = (from: number, count: number) => Array.from({ length: count }, (_v, i) => `Contato ${from + i};(11) 9${String(70_000_000 + from + i)}\n`).join('');

describe('graceful shutdown', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  async function serverWithDrain(drainMs: number) {
    const server = await startTestServer({ redis: false, env: { SHUTDOWN_DRAIN_MS: String(drainMs) } });
    servers.push(server);
    const tenant = await buildTenant(server);
    const campaign = await tenant.campaign(uniqueId('camp-drain'), true);
    return { server, tenant, campaign };
  }

  it('when close() is called during a slow mailing stream, then /readyz answers 503 draining, new connections are refused, and the stream completes with correct counts before close() resolves', async () => {
    const { server, tenant, campaign } = await serverWithDrain(10_000);
    const readyz = await halfSentReadyz(server);
    const mailing = slowMailing(server, tenant.auth('dialer'), campaign);
    // More than one batch of rows (4096): the server answers once it has judged the first one.
    mailing.write('nome;telefone\n' + rows(0, 5000));
    expect((await mailing.response).statusCode).toBe(200); // the answer has started: the stream is in flight

    let closedAt = 0;
    const closing = server.close().then(() => (closedAt = Date.now()));
    const answer = await readyz.finish();
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/connection: close/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 'draining' });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    for (let batch = 0; batch < 5; batch++) {
      await sleep(150);
      mailing.write(rows(5000 + batch * 1000, 1000));
    }
    mailing.write('Sem telefone;\n');
    mailing.end();
    const { text, complete } = await mailing.body;
    const endedAt = Date.now();
    expect(complete).toBe(true);
    const response = await mailing.response;
    const parts = splitMultipart(response.headers['content-type'] as string, text);
    const summary = JSON.parse(parts.summary!) as { status: string; counts: { totalRows: number; keptRows: number; malformedRows: number } };
    expect(summary).toMatchObject({ status: 'completed', counts: { totalRows: 10_001, keptRows: 10_000, malformedRows: 1 } });
    expect(parts.kept!.trim().split('\n')).toHaveLength(10_001); // the header and every row

    await closing;
    expect(closedAt).toBeGreaterThanOrEqual(endedAt - 50);
    expect(server.services.health.lifecycle.requestsInFlight).toBe(0);
  });

  it('when a stream outlives SHUTDOWN_DRAIN_MS, then it is cut at the deadline and close() resolves', async () => {
    const { server, tenant, campaign } = await serverWithDrain(600);
    const mailing = slowMailing(server, tenant.auth('dialer'), campaign);
    mailing.write('nome;telefone\n' + rows(0, 5000));
    expect((await mailing.response).statusCode).toBe(200);

    const started = Date.now();
    const feeding = setInterval(() => mailing.write(rows(1000, 1)), 100); // still sending, never ending
    try {
      await server.close();
    } finally {
      clearInterval(feeding);
    }
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(5_000);
    const { text, complete } = await mailing.body;
    expect(complete).toBe(false);
    expect(text.toString('latin1')).not.toContain('name="summary"');
  });

  it('when nothing is in flight, then close() does not wait for the deadline', async () => {
    const { server } = await serverWithDrain(20_000);
    await server.api().get('/healthz').expect(200);
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
