import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import type { AuthService, Role } from '../services/auth';
import { ctxOf } from './context';

export function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Authenticates the caller, then checks its role. Every route behind it is scoped to the caller's tenant. */
export function authenticated(auth: AuthService, ...roles: Role[]) {
  return async (req: Request, res: Response, next: NextFunction) => {
    // Already authenticated by the body reader (http/body.ts) when the request had a body; else now.
    const principal = ctxOf(res).principal ?? (await auth.authenticate(bearer(req.header('authorization'))));
    if (roles.length > 0 && !roles.includes(principal.role)) {
      throw new AppError('FORBIDDEN', `this action needs the ${roles.join(' or ')} role; you are signed in as ${principal.role}`);
    }
    ctxOf(res).principal = principal;
    next();
  };
}

/**
 * The operator's bearer token (OPERATOR_TOKEN), compared in constant time; no tenant scope. Used by the operator
 * API and /metrics, so either can move to an operator-only listener with its guard.
 */
export function operatorOnly(operatorToken: string) {
  const expected = Buffer.from(operatorToken);
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = Buffer.from(bearer(req.header('authorization')) ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('UNAUTHENTICATED', 'operator token required (OPERATOR_TOKEN, or dev-keys.json of the embedded default)');
    }
    next();
  };
}
