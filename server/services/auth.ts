import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import type { PrismaClient } from '../generated/prisma/client';
import type { PubSub } from '../infra/pubsub';
import type { RateLimiter } from '../infra/ratelimit';
import { AppError } from '../errors';
import type { LoginResult } from '../../plugin/contract/protocol';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export type Role = 'admin' | 'dialer';

/** Who is calling: every route and socket is scoped to `tenantId`. */
export type Principal = { tenantId: string; role: Role; subjectId: string; actor: string };

const JWT_ALGORITHM = 'HS256' as const;
const JWT_ISSUER = 'mailing-hygiene';
const KEY_CACHE_MS = 30_000;
const KEY_REVOKED_CHANNEL = 'dialer-key:revoked';

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

export class AuthService {
  /** sha256(key) → verdict; a revocation drops every entry of its prefix on every instance. */
  private readonly keyCache = new Map<string, { principal: Principal | null; prefix: string; until: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jwtSecret: string,
    private readonly adminTokenTtlSeconds: number,
    private readonly rateLimiter: RateLimiter,
    private readonly pubsub: PubSub,
  ) {}

  async start(): Promise<void> {
    await this.pubsub.subscribe(KEY_REVOKED_CHANNEL, (prefix) => this.dropCachedPrefix(prefix));
  }

  async login(email: string, password: string, clientAddress: string): Promise<LoginResult> {
    const normalizedEmail = email.trim().toLowerCase();
    const verdict = await this.rateLimiter.consume(`login:${normalizedEmail}:${clientAddress}`, 10, 60_000);
    if (!verdict.allowed) {
      throw new AppError('RATE_LIMITED', `too many sign-in attempts; try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`);
    }
    const admin = await this.prisma.adminUser.findUnique({ where: { email: normalizedEmail }, include: { tenant: true } });
    const ok = await verifyPassword(password, admin?.passwordHash ?? DUMMY_HASH);
    if (!admin || !ok) throw new AppError('UNAUTHENTICATED', 'email or password is wrong');
    const expiresAt = new Date(Date.now() + this.adminTokenTtlSeconds * 1000);
    const token = jwt.sign({ tid: admin.tenantId, role: 'admin', name: admin.email }, this.jwtSecret, {
      algorithm: JWT_ALGORITHM,
      subject: admin.id,
      issuer: JWT_ISSUER,
      expiresIn: this.adminTokenTtlSeconds,
    });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      admin: { id: admin.id, email: admin.email, name: admin.name, tenantId: admin.tenantId, tenantName: admin.tenant.name },
    };
  }

  /** Resolves a bearer credential: a dialer key ("hyg_…") or an admin JWT. Throws UNAUTHENTICATED. */
  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new AppError('UNAUTHENTICATED', 'missing credential: send "Authorization: Bearer <token or dialer key>"');
    if (credential.startsWith('hyg_')) return this.authenticateKey(credential);
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(credential, this.jwtSecret, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER }) as jwt.JwtPayload;
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new AppError('UNAUTHENTICATED', expired ? 'session expired: sign in again' : 'invalid token');
    }
    if (claims.role !== 'admin' || typeof claims.tid !== 'string' || typeof claims.sub !== 'string') {
      throw new AppError('UNAUTHENTICATED', 'invalid token');
    }
    return { tenantId: claims.tid, role: 'admin', subjectId: claims.sub, actor: String(claims.name ?? claims.sub) };
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
      const row = await this.prisma.dialerKey.findUnique({ where: { prefix } });
      principal =
        row && !row.revokedAt && timingSafeEqual(Buffer.from(row.keyHash), Buffer.from(keyHash))
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

  /** Called after a key is revoked: every instance forgets it at once. */
  async forgetKey(prefix: string): Promise<void> {
    this.dropCachedPrefix(prefix);
    await this.pubsub.publish(KEY_REVOKED_CHANNEL, prefix);
  }

  private dropCachedPrefix(prefix: string): void {
    for (const [hash, entry] of this.keyCache) if (entry.prefix === prefix) this.keyCache.delete(hash);
  }
}
