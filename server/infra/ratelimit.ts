import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export type RateLimitVerdict = { allowed: boolean; remaining: number; count: number; retryAfterMs: number };

/** Fixed-window counters, shared between instances when Redis is configured. */
export interface RateLimiter {
  consume(key: string, limit: number, windowMs: number): Promise<RateLimitVerdict>;
  /** The current count without counting (0 when no window is open). */
  peek(key: string): Promise<number>;
}

/**
 * Keys are stored as a digest of the caller's key: a key embeds caller-chosen text (an email), and 100 sign-ins
 * with 4 MB emails once held 403 MB of keys. 22 base64url characters (132 bits) whatever the input.
 */
export const rateKeyDigest = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 22);

/** Most windows one instance keeps; past it the least recently used go first (an attacker's fresh keys, mostly). */
export const MEMORY_RATE_LIMIT_MAX_KEYS = 50_000;

export class MemoryRateLimiter implements RateLimiter {
  /** In least-recently-used order: a touched window is moved to the end, eviction takes from the start. */
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = MEMORY_RATE_LIMIT_MAX_KEYS,
  ) {}

  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitVerdict> {
    const now = this.now();
    const digest = rateKeyDigest(key);
    let window = this.windows.get(digest);
    if (window) this.windows.delete(digest);
    if (!window || window.resetAt <= now) window = { count: 0, resetAt: now + windowMs };
    this.windows.set(digest, window);
    this.evict(now);
    window.count++;
    return { allowed: window.count <= limit, remaining: Math.max(0, limit - window.count), count: window.count, retryAfterMs: window.resetAt - now };
  }

  async peek(key: string): Promise<number> {
    const window = this.windows.get(rateKeyDigest(key));
    return window && window.resetAt > this.now() ? window.count : 0;
  }

  /** What the limiter holds: entries and the bytes of their keys (tests bound both). */
  stats(): { entries: number; keyBytes: number } {
    let keyBytes = 0;
    for (const key of this.windows.keys()) keyBytes += key.length;
    return { entries: this.windows.size, keyBytes };
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size <= this.maxKeys && window.resetAt > now) break;
      this.windows.delete(key);
    }
  }
}

// INCR and the expiry of a new window must happen together, or a crash between them leaves a key that never expires.
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`;

type RedisWithConsume = Redis & { hygRateConsume(key: string, windowMs: number): Promise<[number, number]> };

/**
 * Counters shared by every instance; while Redis is away (or a command fails), this instance's own counters.
 * Why fall back rather than refuse or wave through: refusing would lock every admin out for as long as Redis is
 * down, a cache outage turned into a sign-in outage; waving through would leave password guessing unthrottled.
 * The cost: during an outage each of N instances allows the limit on its own (at most N times the limit).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisWithConsume;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly fallback: RateLimiter = new MemoryRateLimiter(),
  ) {
    redis.defineCommand('hygRateConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
    this.redis = redis as RedisWithConsume;
  }
  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitVerdict> {
    // A connection that is not ready fails fast anyway (no offline queue, see infra/redis.ts); skip the attempt.
    if (this.redis.status !== 'ready') return this.fallback.consume(key, limit, windowMs);
    try {
      const [count, ttl] = await this.redis.hygRateConsume(this.redisKey(key), windowMs);
      return { allowed: count <= limit, remaining: Math.max(0, limit - count), count, retryAfterMs: Math.max(0, ttl) };
    } catch {
      return this.fallback.consume(key, limit, windowMs);
    }
  }
  async peek(key: string): Promise<number> {
    if (this.redis.status !== 'ready') return this.fallback.peek(key);
    try {
      return Number((await this.redis.get(this.redisKey(key))) ?? 0);
    } catch {
      return this.fallback.peek(key);
    }
  }
  /** Hashed like the in-memory keys; every key has a TTL (the window), so Redis holds nothing past it. */
  private redisKey(key: string): string {
    return `${this.prefix}rl:${rateKeyDigest(key)}`;
  }
}
