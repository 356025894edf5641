import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import type { PrismaClient } from '../generated/prisma/client';
import type { PubSub } from '../infra/pubsub';
import type { RateLimiter } from '../infra/ratelimit';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { accountDigest, DEFAULT_LOGIN_POLICY, LoginGuard, type LoginPolicy } from './loginGuard';
import type { LoginResult } from '../../plugin/contract/protocol';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export type Role = 'admin' | 'dialer';

/** Who is calling: every route and socket is scoped to `tenantId`. */
export type Principal = { tenantId: string; role: Role; subjectId: string; actor: string };

const JWT_ALGORITHM = 'HS256' as const;
const JWT_ISSUER = 'mailing-hygiene';
const KEY_CACHE_MS = 30_000;
const KEY_REVOKED_CHANNEL = 'dialer-key:revoked';
/** An admin disabled or signed out everywhere, a tenant offboarded: "admin:<id>" or "tenant:<id>". */
const CREDENTIALS_CHANNEL = 'credentials:revoked';
/** How long an admin's state (enabled, token version) is trusted without a query; a change is published at once. */
const ADMIN_CACHE_MS = 30_000;

/** What ended, on every instance (pub/sub): sockets holding it are disconnected (realtime/socket.ts). */
export type Revocation = { kind: 'key'; prefix: string } | { kind: 'admin'; adminId: string } | { kind: 'tenant'; tenantId: string };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split('$');
  if (scheme !== 'scrypt' || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(password, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** A new dialer key: "hyg_<prefix>_<secret>". Only sha256(key) is stored. */
export function generateDialerKey(): { key: string; prefix: string; keyHash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `hyg_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, keyHash: sha256Hex(key) };
}

// scrypt of a fixed password, so a login for an unknown email costs as much as one for a known email.
const DUMMY_HASH = 'scrypt$00000000000000000000000000000000$' + '0'.repeat(64);

type AdminState = { enabled: boolean; tokenVersion: number; tenantId: string; until: number };

export type AuthOptions = { logger?: Logger; loginPolicy?: LoginPolicy };

export class AuthService {
  /** sha256(key) → verdict; a revocation drops every entry of its prefix on every instance. */
  private readonly keyCache = new Map<string, { principal: Principal | null; prefix: string; until: number }>();
  private readonly adminCache = new Map<string, AdminState>();
  private readonly revocationListeners = new Set<(revocation: Revocation) => void>();
  readonly loginGuard: LoginGuard;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwtSecret: string,
    private readonly adminTokenTtlSeconds: number,
    rateLimiter: RateLimiter,
    private readonly pubsub: PubSub,
    options: AuthOptions = {},
  ) {
    this.loginGuard = new LoginGuard(rateLimiter, options.loginPolicy ?? DEFAULT_LOGIN_POLICY);
    this.logger = options.logger;
  }

  async start(): Promise<void> {
    await this.pubsub.subscribe(KEY_REVOKED_CHANNEL, (prefix) => this.revoked({ kind: 'key', prefix }));
    await this.pubsub.subscribe(CREDENTIALS_CHANNEL, (message) => {
      const [kind, id] = message.split(':');
      if (kind === 'admin' && id) this.revoked({ kind: 'admin', adminId: id });
      if (kind === 'tenant' && id) this.revoked({ kind: 'tenant', tenantId: id });
    });
  }

  /** Called on every instance for every revocation (this one's included). */
  onRevoked(listener: (revocation: Revocation) => void): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  async login(email: string, password: string, clientAddress: string): Promise<LoginResult> {
    const normalizedEmail = email.trim().toLowerCase();
    const event = { event: 'auth.login', account: accountDigest(normalizedEmail), domain: normalizedEmail.split('@')[1] ?? '', address: clientAddress };
    try {
      await this.loginGuard.admit(normalizedEmail, clientAddress);
      const admin = await this.prisma.adminUser.findUnique({ where: { email: normalizedEmail }, include: { tenant: true } });
      // The same scrypt work whether the email exists or not, so timing does not tell which emails are admins.
      const ok = await this.loginGuard.hashing.run(() => verifyPassword(password, admin?.passwordHash ?? DUMMY_HASH));
      if (!admin || !ok) {
        await this.loginGuard.recordFailure(normalizedEmail);
        this.logger?.info({ ...event, outcome: 'failure' }, 'sign-in refused');
        throw new AppError('UNAUTHENTICATED', 'email or password is wrong');
      }
      if (admin.disabledAt || admin.tenant.disabledAt) {
        this.logger?.info({ ...event, outcome: 'disabled' }, 'sign-in refused');
        throw new AppError('UNAUTHENTICATED', 'this admin account is disabled');
      }
      const result = this.issueToken(admin, admin.tenant.name);
      this.logger?.info({ ...event, outcome: 'success', tenantId: admin.tenantId }, 'signed in');
      return result;
    } catch (error) {
      if (error instanceof AppError && error.code === 'RATE_LIMITED') this.logger?.warn({ ...event, outcome: 'throttled' }, 'sign-in throttled');
      throw error;
    }
  }

  /** A session token for an admin row; "ver" ties it to the admin's token version. */
  issueToken(admin: { id: string; tenantId: string; email: string; name: string; tokenVersion: number }, tenantName: string): LoginResult {
    const expiresAt = new Date(Date.now() + this.adminTokenTtlSeconds * 1000);
    const token = jwt.sign({ tid: admin.tenantId, role: 'admin', name: admin.email, ver: admin.tokenVersion }, this.jwtSecret, {
      algorithm: JWT_ALGORITHM,
      subject: admin.id,
      issuer: JWT_ISSUER,
      expiresIn: this.adminTokenTtlSeconds,
    });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      admin: { id: admin.id, email: admin.email, name: admin.name, tenantId: admin.tenantId, tenantName },
    };
  }

  /** Resolves a bearer credential: a dialer key ("hyg_…") or an admin JWT. Throws UNAUTHENTICATED. */
  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new AppError('UNAUTHENTICATED', 'missing credential: send "Authorization: Bearer <token or dialer key>"');
    if (credential.startsWith('hyg_')) return this.authenticateKey(credential);
    const claims = this.verifyJwt(credential);
    const state = await this.adminState(claims.sub);
    if (!state?.enabled || state.tenantId !== claims.tid) throw new AppError('UNAUTHENTICATED', 'this session is no longer valid: sign in again');
    if ((claims.ver ?? 0) !== state.tokenVersion) throw new AppError('UNAUTHENTICATED', 'signed out: sign in again');
    return { tenantId: claims.tid, role: 'admin', subjectId: claims.sub, actor: String(claims.name ?? claims.sub) };
  }

  /**
   * The JWT's own checks: signature (HS256 pinned), issuer, and an expiry that must be there and no later than
   * ADMIN_TOKEN_TTL_SECONDS after its issue (a token without "exp" lived forever).
   */
  verifyJwt(credential: string): { sub: string; tid: string; name?: unknown; ver?: number; exp: number } {
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(credential, this.jwtSecret, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER }) as jwt.JwtPayload;
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new AppError('UNAUTHENTICATED', expired ? 'session expired: sign in again' : 'invalid token');
    }
    const { exp, iat, ver } = claims;
    if (claims.role !== 'admin' || typeof claims.tid !== 'string' || typeof claims.sub !== 'string') throw new AppError('UNAUTHENTICATED', 'invalid token');
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > this.adminTokenTtlSeconds || iat > Date.now() / 1000 + 60) {
      throw new AppError('UNAUTHENTICATED', 'invalid token: it must expire, at most ADMIN_TOKEN_TTL_SECONDS after its issue');
    }
    if (ver !== undefined && !Number.isInteger(ver)) throw new AppError('UNAUTHENTICATED', 'invalid token');
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(claims.sub)) throw new AppError('UNAUTHENTICATED', 'invalid token');
    return { sub: claims.sub, tid: claims.tid, name: claims.name, exp, ...(ver === undefined ? {} : { ver: ver as number }) };
  }

  private async adminState(adminId: string): Promise<AdminState | undefined> {
    const now = Date.now();
    const cached = this.adminCache.get(adminId);
    if (cached && cached.until > now) return cached;
    const row = await this.prisma.adminUser.findUnique({
      where: { id: adminId },
      select: { tenantId: true, disabledAt: true, tokenVersion: true, tenant: { select: { disabledAt: true } } },
    });
    if (!row) return undefined;
    const state = { enabled: !row.disabledAt && !row.tenant.disabledAt, tokenVersion: row.tokenVersion, tenantId: row.tenantId, until: now + ADMIN_CACHE_MS };
    if (this.adminCache.size > 10_000) this.adminCache.clear();
    this.adminCache.set(adminId, state);
    return state;
  }

  private async authenticateKey(key: string): Promise<Principal> {
    const prefix = key.split('_')[1] ?? '';
    // Prefixes are 12 hex digits (generateDialerKey); anything else (a NUL from a socket's JSON auth) is no key
    // rather than a query the database refuses.
    if (!/^[0-9a-f]{12}$/.test(prefix)) throw new AppError('UNAUTHENTICATED', 'invalid or revoked dialer key');
    const keyHash = sha256Hex(key);
    const cached = this.keyCache.get(keyHash);
    const now = Date.now();
    let principal: Principal | null;
    if (cached && cached.until > now) {
      principal = cached.principal;
    } else {
      const row = await this.prisma.dialerKey.findUnique({ where: { prefix }, include: { tenant: { select: { disabledAt: true } } } });
      principal =
        row && !row.revokedAt && !row.tenant.disabledAt && timingSafeEqual(Buffer.from(row.keyHash), Buffer.from(keyHash))
          ? { tenantId: row.tenantId, role: 'dialer', subjectId: row.id, actor: `dialer key "${row.name}"` }
          : null;
      if (this.keyCache.size > 10_000) this.keyCache.clear();
      this.keyCache.set(keyHash, { principal, prefix, until: now + KEY_CACHE_MS });
      if (principal) {
        void this.prisma.dialerKey.update({ where: { id: row!.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
      }
    }
    if (!principal) throw new AppError('UNAUTHENTICATED', 'invalid or revoked dialer key');
    return principal;
  }

  /** Called after a key is revoked: every instance forgets it, and closes its sockets, at once. */
  async forgetKey(prefix: string): Promise<void> {
    this.revoked({ kind: 'key', prefix });
    await this.pubsub.publish(KEY_REVOKED_CHANNEL, prefix);
  }

  /** Ends every session of an admin (sign out everywhere, password change): its token version moves on. */
  async endSessions(adminId: string): Promise<number> {
    const row = await this.prisma.adminUser.update({ where: { id: adminId }, data: { tokenVersion: { increment: 1 } }, select: { tokenVersion: true } });
    await this.forgetAdmin(adminId);
    return row.tokenVersion;
  }

  /** An admin's state changed (disabled, token version): every instance re-reads it and closes its sockets. */
  async forgetAdmin(adminId: string): Promise<void> {
    this.revoked({ kind: 'admin', adminId });
    await this.pubsub.publish(CREDENTIALS_CHANNEL, `admin:${adminId}`);
  }

  /** A tenant was offboarded (or brought back): its keys and admins are re-checked everywhere. */
  async forgetTenant(tenantId: string): Promise<void> {
    this.revoked({ kind: 'tenant', tenantId });
    await this.pubsub.publish(CREDENTIALS_CHANNEL, `tenant:${tenantId}`);
  }

  private revoked(revocation: Revocation): void {
    if (revocation.kind === 'key') {
      for (const [hash, entry] of this.keyCache) if (entry.prefix === revocation.prefix) this.keyCache.delete(hash);
    } else if (revocation.kind === 'admin') {
      this.adminCache.delete(revocation.adminId);
    } else {
      for (const [hash, entry] of this.keyCache) if (entry.principal?.tenantId === revocation.tenantId) this.keyCache.delete(hash);
      for (const [id, state] of this.adminCache) if (state.tenantId === revocation.tenantId) this.adminCache.delete(id);
    }
    for (const listener of this.revocationListeners) listener(revocation);
  }
}
