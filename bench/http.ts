import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** Keep-alive sockets, as a dialer holds them; loopback only. */
// A free socket is dropped after 4 s idle, before the server's 5 s keep-alive timeout (HTTP_KEEP_ALIVE_TIMEOUT_MS) can
// close it under a request reusing it ("socket hang up"). The timeout only closes free sockets; one in use just emits it.
export const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 });

export type Response = { status: number; headers: IncomingHttpHeaders; bytes: number; body: Buffer; ms: number };

export type RequestOptions = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  /** Keep the whole answer (small JSON); otherwise only its last 64 KiB are kept (the multipart summary). */
  keepBody?: boolean;
};

const TAIL = 1 << 16;

/** One request; the answer is always read to its end (what "end to end" means here). */
export function request(base: string, options: RequestOptions): Promise<Response> {
  const started = performance.now();
  const url = new URL(options.path, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          chunks.push(chunk);
          kept += chunk.length;
          if (!options.keepBody) {
            while (kept - (chunks[0]?.length ?? 0) >= TAIL) kept -= chunks.shift()!.length;
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    }
  });
}

/** JSON request that must answer 2xx; returns the parsed body. */
export async function json<T>(base: string, method: string, path: string, auth: string | undefined, payload?: unknown): Promise<T> {
  const res = await request(base, {
    method,
    path,
    keepBody: true,
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
  });
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.body.toString('utf8').slice(0, 500)}`);
  return (res.body.length ? JSON.parse(res.body.toString('utf8')) : undefined) as T;
}

/** The `summary` part (JSON) at the end of a multipart CSV answer. */
export function multipartSummary<T>(tail: Buffer): T {
  const text = tail.toString('latin1');
  const marker = text.lastIndexOf('name="summary"');
  if (marker < 0) throw new Error(`no summary part in the answer's last bytes: ${text.slice(-300)}`);
  const start = text.indexOf('\r\n\r\n', marker) + 4;
  const end = text.lastIndexOf('\r\n--');
  return JSON.parse(text.slice(start, end)) as T;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
