import jwt from 'jsonwebtoken';
import { TEST_KEYS } from './harness';

/** The claims the server puts in an admin JWT (see server/services/auth.ts), read back from a real token. */
export type AdminClaims = { tid: string; role: string; name: string; sub: string };

const ISSUER = 'mailing-hygiene';
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function claimsOf(token: string): AdminClaims {
  const decoded = jwt.decode(token) as (AdminClaims & { iss: string }) | null;
  if (!decoded) throw new Error('not a JWT');
  return { tid: decoded.tid, role: decoded.role, name: decoded.name, sub: decoded.sub };
}

/** Tokens that carry a real admin's claims but must all be refused (and one control that must be accepted). */
export function forgedTokens(claims: AdminClaims) {
  const { sub, ...rest } = claims;
  const now = Math.floor(Date.now() / 1000);
  return {
    /** Control: signed exactly like the server signs, so a refusal of the others is about the flaw, not the claims. */
    valid: jwt.sign(rest, TEST_KEYS.JWT_SECRET, { algorithm: 'HS256', subject: sub, issuer: ISSUER, expiresIn: 600 }),
    expired: jwt.sign({ ...rest, iat: now - 7200, exp: now - 3600 }, TEST_KEYS.JWT_SECRET, { algorithm: 'HS256', subject: sub, issuer: ISSUER }),
    otherSecret: jwt.sign(rest, 'another-secret-0123456789abcdef0123456789', { algorithm: 'HS256', subject: sub, issuer: ISSUER, expiresIn: 600 }),
    algNone: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, iss: ISSUER, iat: now, exp: now + 600 })}.`,
    hs512: jwt.sign(rest, TEST_KEYS.JWT_SECRET, { algorithm: 'HS512', subject: sub, issuer: ISSUER, expiresIn: 600 }),
    otherIssuer: jwt.sign(rest, TEST_KEYS.JWT_SECRET, { algorithm: 'HS256', subject: sub, issuer: 'someone-else', expiresIn: 600 }),
    dialerRoleClaim: jwt.sign({ ...rest, role: 'dialer' }, TEST_KEYS.JWT_SECRET, { algorithm: 'HS256', subject: sub, issuer: ISSUER, expiresIn: 600 }),
  };
}
