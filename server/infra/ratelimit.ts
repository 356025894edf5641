import type Redis from 'ioredis';

export type RateLimitVerdict = { allowed: boolean; remaining: number; retryAfterMs: number };

/** Fixed-window counters, shared between instances when Redis is configured. */
export interface RateLimiter {
  consume(key: string, limit: number, windowMs: number): Promise<RateLimitVerdict>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitVerdict> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
      if (this.windows.size > 100_000) this.sweep(now);
    }
    window.count++;
    return { allowed: window.count <= limit, remaining: Math.max(0, limit - window.count), retryAfterMs: window.resetAt - now };
  }
  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
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
      const [count, ttl] = await this.redis.hygRateConsume(`${this.prefix}rl:${key}`, windowMs);
      return { allowed: count <= limit, remaining: Math.max(0, limit - count), retryAfterMs: Math.max(0, ttl) };
    } catch {
      return this.fallback.consume(key, limit, windowMs);
    }
  }
}
