import { request as httpRequest } from 'node:http';
import { loadConfig } from '../../server/config';
import { splitMultipart } from '../support/mailing';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';

/**
 * Issue "Faults: lose nothing", defect 3: a slow streamed mailing was cut at ~300 s by Node's default
 * requestTimeout although mailings stream up to 8 GiB. No whole-request limit applies by default; a stream that
 * sends nothing for HTTP_IDLE_TIMEOUT_MS is cut with REQUEST_TIMEOUT naming the body. Every limit is configuration.
 * Proven with short timeouts so nothing waits minutes.
 */
type Paced = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; error?: Error };

/** POSTs a CSV mailing in pieces, waiting before each piece as told, and collects the answer as it comes. */
function pacedCsvMailing(server: TestServer, credential: string, pieces: { waitMs: number; text: string }[]): Promise<Paced> {
  return new Promise((resolve) => {
    const url = new URL('/v1/campaigns/c/mailings', server.url);
    const req = httpRequest(url, { method: 'POST', headers: { authorization: credential, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' } });
    const chunks: Buffer[] = [];
    let answered: Omit<Paced, 'body'> | undefined;
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ status: answered?.status ?? 0, headers: answered?.headers ?? {}, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
    };
    req.on('response', (res) => {
      answered = { status: res.statusCode ?? 0, headers: res.headers };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle());
      res.on('error', (error) => settle(error));
    });
    req.on('error', (error) => settle(error));
    void (async () => {
      for (const piece of pieces) {
        await new Promise((wait) => setTimeout(wait, piece.waitMs));
        if (req.destroyed || settled) return;
        req.write(piece.text);
      }
      req.end();
    })();
  });
}

const rows = (from: number, count: number) => Array.from({ length: count }, (_v, i) => `Contato ${from + i};(11) 9${String(1000_0000 + from + i)}\n`).join('');

describe('streamed mailings and HTTP timeouts', () => {
  describe('with an idle timeout of 1 s', () => {
    let server: TestServer;
    let tenant: BuiltTenant;

    beforeAll(async () => {
      server = await startTestServer({ redis: false, env: { HTTP_IDLE_TIMEOUT_MS: '1000' } });
      tenant = await buildTenant(server);
      await tenant.campaign('c', true);
    });

    afterAll(async () => {
      await server.stop();
    });

    it('when a mailing streams a piece every 300 ms for 4 s, then it completes with every row counted, the server having no whole-request timeout', async () => {
      expect({ requestTimeout: server.http.requestTimeout, idle: server.http.timeout }).toEqual({ requestTimeout: 0, idle: 1000 });
      const pieces = [{ waitMs: 0, text: 'nome;telefone\n' }, ...Array.from({ length: 14 }, (_v, i) => ({ waitMs: 300, text: rows(i * 500, 500) }))];
      const result = await pacedCsvMailing(server, tenant.auth('dialer'), pieces);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(200);
      const summary = JSON.parse(splitMultipart(result.headers['content-type'] as string, result.body).summary!) as { status: string; counts: Record<string, number> };
      expect(summary).toMatchObject({ status: 'completed', counts: { totalRows: 7_000, keptRows: 7_000 } });
    });

    it('when a mailing pauses 2.5 s before its answer has started, then it is cut with 408 REQUEST_TIMEOUT naming the body', async () => {
      const result = await pacedCsvMailing(server, tenant.auth('dialer'), [
        { waitMs: 0, text: 'nome;telefone\n' + rows(0, 100) },
        { waitMs: 2_500, text: rows(100, 100) },
      ]);
      expect(result.status).toBe(408);
      const body = JSON.parse(result.body.toString('utf8')) as { error: { code: string; field: string; message: string } };
      expect(body.error).toMatchObject({ code: 'REQUEST_TIMEOUT', field: 'body' });
      expect(body.error.message).toMatch(/^body: nothing received for 1000 ms \(HTTP_IDLE_TIMEOUT_MS\)/);
    });

    it('when a mailing pauses 2.5 s after its answer has started, then the summary carries REQUEST_TIMEOUT and the mailing is marked failed with what was counted', async () => {
      const result = await pacedCsvMailing(server, tenant.auth('dialer'), [
        { waitMs: 0, text: 'nome;telefone\n' + rows(0, 5_000) },
        { waitMs: 2_500, text: rows(5_000, 100) },
      ]);
      expect(result.status).toBe(200);
      const summary = JSON.parse(splitMultipart(result.headers['content-type'] as string, result.body).summary!) as { id: string; status: string; error?: { code: string; field: string }; counts: Record<string, number> };
      expect(summary).toMatchObject({ status: 'failed', error: { code: 'REQUEST_TIMEOUT', field: 'body' }, counts: { totalRows: 4_096 } });
      const stored = await server.api().get(`/v1/mailings/${summary.id}`).set('authorization', tenant.auth('admin')).expect(200);
      expect(stored.body.status).toBe('failed');
    });
  });

  it('when HTTP_REQUEST_TIMEOUT_MS is set to 2 s, then a mailing still streaming after 2 s is cut with 408 even though it is never idle', async () => {
    const server = await startTestServer({ redis: false, env: { HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '1000' } });
    try {
      const tenant = await buildTenant(server);
      await tenant.campaign('c', true);
      expect(server.http.requestTimeout).toBe(2000);
      const pieces = [{ waitMs: 0, text: 'nome;telefone\n' }, ...Array.from({ length: 14 }, (_v, i) => ({ waitMs: 300, text: rows(i * 10, 10) }))];
      const result = await pacedCsvMailing(server, tenant.auth('dialer'), pieces);
      expect(result.status).toBe(408);
    } finally {
      await server.stop();
    }
  });

  it('when the HTTP timeouts are not configured, then the server has no whole-request timeout, and bad values stop the start naming the variable', async () => {
    const defaults = loadConfig({ DATABASE_URL: 'postgres://localhost/x', ...TEST_KEYS });
    expect(defaults.http).toEqual({ requestTimeoutMs: 0, idleTimeoutMs: 120_000, headersTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 });
    const server = await startTestServer({ redis: false });
    try {
      expect({ requestTimeout: server.http.requestTimeout, headersTimeout: server.http.headersTimeout, timeout: server.http.timeout, keepAliveTimeout: server.http.keepAliveTimeout }).toEqual({
        requestTimeout: 0,
        headersTimeout: 60_000,
        timeout: 120_000,
        keepAliveTimeout: 5_000,
      });
    } finally {
      await server.stop();
    }
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x', ...TEST_KEYS, HTTP_IDLE_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_IDLE_TIMEOUT_MS/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x', ...TEST_KEYS, HTTP_REQUEST_TIMEOUT_MS: '2000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS.*HTTP_REQUEST_TIMEOUT_MS/);
  });
});
