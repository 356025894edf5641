import { request as httpRequest } from 'node:http';

export type EarlyAnswer = { status: number; body: string } | 'no answer';

/**
 * Declares a body of `declaredBytes`, sends only `sentBytes` of it, then waits up to `waitMs` for an answer. A
 * server that reads bodies only for callers it knows, under a limit, answers without the rest; one that buffers
 * first never does (the client never finishes). Behaviour, not timing: `waitMs` only bounds a failing test.
 */
export function postPartialBody(baseUrl: string, path: string, options: { declaredBytes: number; sentBytes: number; chunked?: boolean; headers?: Record<string, string>; waitMs?: number }): Promise<EarlyAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: EarlyAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(options.declaredBytes) }),
        ...options.headers,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish({ status: res.statusCode ?? 0, body: '' }));
    });
    req.on('error', () => finish('no answer'));
    const timer = setTimeout(() => finish('no answer'), options.waitMs ?? 5000);
    // A JSON array's opening: the server cannot tell the body is bogus before reading all of it.
    req.write(Buffer.concat([Buffer.from('['), Buffer.alloc(options.sentBytes - 1, '0,'.charCodeAt(0))]));
  });
}

/** Posts a whole body (a 16 MiB JSON array of zeros by default) and resolves with the status, or 0 if cut. */
export function postWholeBody(baseUrl: string, path: string, body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** "[0,0,…,0]" of exactly `bytes` bytes: valid JSON whose parse costs the most per byte. */
export function zeroArray(bytes: number): Buffer {
  const body = Buffer.alloc(bytes, '0');
  body[0] = '['.charCodeAt(0);
  // An even length starts "[ 0,": the zeros and commas alternate from there to the closing "0]".
  const first = bytes % 2 === 0 ? 2 : 1;
  if (first === 2) body[1] = ' '.charCodeAt(0);
  for (let i = first + 1; i < bytes - 1; i += 2) body[i] = ','.charCodeAt(0);
  body[bytes - 1] = ']'.charCodeAt(0);
  return body;
}
