import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AuthService } from '../services/auth';
import { bearer } from './auth';
import { ctxOf } from './context';

/**
 * JSON bodies are read only once the caller is known, with a limit sized to the route (issue 10). Before, one
 * `express.json({limit: 16 MiB})` ran ahead of every route: anyone could make the server buffer and parse 16 MiB
 * per request without a credential (one such post froze /healthz for 8.9 s). Now:
 * - sign-in, the one public route with a body, reads at most LOGIN_BODY_BYTES;
 * - any other route reads nothing until its bearer credential is valid: without one the body is never read and the
 *   route's own guard answers 401 (Node discards the unread rest without buffering it);
 * - an authenticated caller gets SMALL_BODY_BYTES, or MAX_JSON_BODY_BYTES on the few routes that carry phone lists
 *   or outcome batches (LARGE_BODY_ROUTES).
 * body-parser refuses a declared Content-Length over the limit before reading a byte, and stops a chunked body at
 * the limit: either way a 413 goes out before the client has finished sending.
 */
export const LOGIN_BODY_BYTES = 4 * 1024;
export const SMALL_BODY_BYTES = 64 * 1024;
const LOGIN_ROUTE = '/v1/auth/login';
const LARGE_BODY_ROUTES = new Set(['/v1/outcomes', '/v1/numbers/check', '/v1/watch-tokens']);

/** Express matches paths case-insensitively and with an optional trailing slash; so does the limit table. */
const routeKey = (path: string) => path.toLowerCase().replace(/\/+$/, '') || '/';

const tooLarge = (limit: number) => Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413, limit });

/**
 * Every body is JSON whatever its Content-Type says, so a wrong type gets a clear INVALID_JSON. body-parser alone
 * answers a 413 only once the client has finished sending (it drains the rest first): a 16 MiB post still held the
 * connection for the whole upload. Here a declared length over the limit is refused before a byte is read, a
 * chunked body as soon as it passes the limit, and the connection is closed after the answer instead of drained.
 */
export function jsonParser(limit: number): RequestHandler {
  const parse = express.json({ limit, type: () => true });
  return (req, res, next) => {
    const refuse = () => {
      res.setHeader('Connection', 'close');
      next(tooLarge(limit));
    };
    if (Number(req.headers['content-length']) > limit) return refuse();
    let received = 0;
    let settled = false;
    const count = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit && !settled) {
        settled = true;
        req.off('data', count);
        refuse();
      }
    };
    // Attached in the same tick as body-parser's own reader, so both see every chunk.
    req.on('data', count);
    parse(req, res, (error?: unknown) => {
      req.off('data', count);
      if (settled) return;
      settled = true;
      next(error);
    });
  };
}

export function jsonBodies(auth: AuthService, maxJsonBodyBytes: number): RequestHandler {
  const login = jsonParser(LOGIN_BODY_BYTES);
  const small = jsonParser(SMALL_BODY_BYTES);
  const large = jsonParser(maxJsonBodyBytes);
  return async (req: Request, res: Response, next: NextFunction) => {
    const route = routeKey(req.path);
    if (route === LOGIN_ROUTE) return login(req, res, next);
    // The operator API reads its bodies itself, behind its own token (routes/operator/operator.ts).
    if (route.startsWith('/v1/operator/')) return next();
    // Refused unread: the connection closes after the answer, or Node would read and discard the rest to reuse it.
    const unread = () => {
      if (req.headers['content-length'] || req.headers['transfer-encoding']) res.setHeader('Connection', 'close');
      next();
    };
    const credential = bearer(req.header('authorization'));
    if (!credential) return unread();
    try {
      // Kept on the context: the route's guard (http/auth.ts) reuses it instead of authenticating twice.
      ctxOf(res).principal = await auth.authenticate(credential);
    } catch {
      // The route's own guard refuses it with the right message; the body stays unread.
      return unread();
    }
    return (LARGE_BODY_ROUTES.has(route) ? large : small)(req, res, next);
  };
}
