import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';
import type { Principal } from '../services/auth';

/** Per-request context: id (echoed in X-Request-Id), a logger bound to it, and the caller once authenticated. */
export type RequestContext = { requestId: string; logger: Logger; principal?: Principal };

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.locals.ctx = { requestId, logger: logger.child({ requestId }) } satisfies RequestContext;
    next();
  };
}

export const ctxOf = (res: Response): RequestContext => res.locals.ctx as RequestContext;

/** The authenticated caller; only valid behind the auth middleware. */
export const principalOf = (res: Response): Principal => {
  const principal = ctxOf(res).principal;
  if (!principal) throw new Error('route registered without authentication');
  return principal;
};
