import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { HygieneApiError, HygieneNetworkError, isRetryable } from './errors';

/**
 * node:http rather than fetch: the mailing filter uploads and downloads at the same time (the server writes
 * kept rows while it still reads the mailing), and node:http hands over the response as soon as its headers
 * arrive, whatever is left of the upload. One transport for everything keeps timeouts and errors uniform.
 */

export type RetryPolicy = {
  /** First backoff step. */
  baseMs: number;
  /** Cap of one backoff step. */
  maxMs: number;
  /** Attempts of one request call, the first one included. */
  maxAttempts: number;
};

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so a fleet of dialers that lost
 * the server at the same moment does not come back in lockstep, and no retry is ever immediate.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(step / 2 + random() * (step / 2));
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export type JsonResponse = { status: number; headers: http.IncomingHttpHeaders; body: unknown };

export type TransportOptions = { serverUrl: URL; apiKey: string; requestTimeoutMs: number; userAgent: string };

export class HttpTransport {
  private readonly agent: http.Agent;

  constructor(private readonly options: TransportOptions) {
    const Agent = options.serverUrl.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 8 });
  }

  get url(): URL {
    return this.options.serverUrl;
  }

  /** One JSON request, no retry. Throws HygieneApiError on a non-2xx answer, HygieneNetworkError without one. */
  async json<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, options: { auth?: boolean } = {}): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const response = await this.open(method, path, headers, { auth: options.auth ?? true, totalTimeoutMs: this.options.requestTimeoutMs }, (req) => req.end(payload));
    const text = await readAll(response, this.options.requestTimeoutMs);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw apiError(status, text, response.headers);
    try {
      return (text.length === 0 ? undefined : JSON.parse(text)) as T;
    } catch (error) {
      throw new HygieneNetworkError(`invalid JSON in the answer to ${method} ${path}`, 'EBADJSON', { cause: error });
    }
  }

  /**
   * Opens a request and resolves with the response once its headers arrive. `write` sends the body (it may keep
   * streaming after that). `totalTimeoutMs` bounds the whole exchange; the socket idle timeout (requestTimeoutMs)
   * always applies, so a stalled stream fails instead of hanging.
   */
  open(
    method: string,
    path: string,
    headers: Record<string, string>,
    options: { auth: boolean; totalTimeoutMs?: number },
    write: (req: http.ClientRequest) => void,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.options.serverUrl);
    const request = this.options.serverUrl.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        agent: this.agent,
        headers: {
          'user-agent': this.options.userAgent,
          ...(options.auth ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          ...headers,
        },
      });
      let total: NodeJS.Timeout | undefined;
      const fail = (error: Error) => {
        if (total) clearTimeout(total);
        reject(toNetworkError(error, `${method} ${url.pathname}`));
      };
      if (options.totalTimeoutMs !== undefined) {
        total = setTimeout(() => req.destroy(timeoutError(options.totalTimeoutMs!)), options.totalTimeoutMs);
        total.unref();
      }
      req.setTimeout(this.options.requestTimeoutMs, () => req.destroy(timeoutError(this.options.requestTimeoutMs)));
      req.on('error', fail);
      req.on('response', (response) => {
        response.on('close', () => total && clearTimeout(total));
        resolve(response);
      });
      write(req);
    });
  }

  /** Streams `body` as the request body; resolves with the response (whose body the caller reads). */
  stream(path: string, contentType: string, body: Readable): Promise<{ response: IncomingMessage; request: http.ClientRequest }> {
    let request: http.ClientRequest | undefined;
    return this.open('POST', path, { 'content-type': contentType, 'transfer-encoding': 'chunked' }, { auth: true }, (req) => {
      request = req;
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    }).then((response) => ({ response, request: request! }));
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Calls `attempt` until it succeeds, fails with a non-retryable error, or the policy's attempts run out. */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  onRetry?: (error: unknown, n: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error) || n >= policy.maxAttempts || signal?.aborted) throw error;
      const delay = backoffDelay(n, policy);
      onRetry?.(error, n, delay);
      await sleep(delay, signal);
    }
  }
}

function timeoutError(ms: number): Error {
  const error = new Error(`no answer within ${ms} ms`) as Error & { code: string };
  error.code = 'ETIMEDOUT';
  return error;
}

function toNetworkError(error: Error, what: string): Error {
  if (error instanceof HygieneApiError || error instanceof HygieneNetworkError) return error;
  const code = (error as { code?: string }).code;
  return new HygieneNetworkError(`${what}: ${error.message}`, code, { cause: error });
}

export function readAll(response: IncomingMessage, idleTimeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.setTimeout?.(idleTimeoutMs, () => response.destroy(timeoutError(idleTimeoutMs)));
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error) => reject(toNetworkError(error, 'reading the answer')));
    response.on('aborted', () => reject(new HygieneNetworkError('the connection closed mid-answer', 'ECONNRESET')));
  });
}

export function apiError(status: number, text: string, headers: http.IncomingHttpHeaders): HygieneApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; field?: string; requestId?: string } };
    if (body.error?.code) return new HygieneApiError(status, body.error.code, body.error.message ?? '', body.error.field, body.error.requestId);
  } catch {
    // not our error body (a proxy's HTML page, say): fall through
  }
  const requestId = typeof headers['x-request-id'] === 'string' ? headers['x-request-id'] : undefined;
  return new HygieneApiError(status, status >= 500 ? 'UNAVAILABLE' : 'HTTP_ERROR', text.slice(0, 200) || `HTTP ${status}`, undefined, requestId);
}
