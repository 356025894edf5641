import type Redis from 'ioredis';

/**
 * Rolling-window sums (how many verdicts a tenant read in the last 24 hours, how many tabulations it contributed in
 * the last 30 days): amounts go to time buckets and the window is the sum of its last `buckets` buckets, so there is
 * no calendar boundary to exploit. Shared through Redis between instances; in process otherwise (and while Redis
 * is away, each instance's own sums: at most N times the budget with N instances during an outage).
 */
export interface Meter {
  /** Adds `amount` (0 to only read) to `key` now; resolves with the key's sum over the window, this amount included. */
  add(key: string, amount: number, bucketMs: number, buckets: number): Promise<number>;
  /**
   * Adds `amount` to `spend.key` only if it fits the allowance, in one step no concurrent `take` can interleave with
   * (two requests at a budget's edge must not both see it open). The allowance is `base + perUnit × sum(units)`.
   * It fits when `used + amount <= allowance`, or, for amount 0, when `used < allowance`. With `overdraft`, it is
   * added whatever the allowance. Resolves with what was decided and the sums read before adding.
   */
  take(spend: Window, amount: number, units: Window, allowance: Allowance): Promise<Taken>;
}

/** A rolling window: `buckets` buckets of `bucketMs` under `key`. */
export type Window = { key: string; bucketMs: number; buckets: number };
export type Allowance = { base: number; perUnit: number; overdraft: boolean };
export type Taken = { taken: boolean; used: number; allowance: number };

/** The rule `take` applies, shared by both meters (the Redis script computes the same in Lua). */
export function fits(used: number, amount: number, allowance: number, overdraft: boolean): boolean {
  return overdraft || (amount === 0 ? used < allowance : used + amount <= allowance);
}

export class MemoryMeter implements Meter {
  private readonly sums = new Map<string, Map<number, number>>();
  constructor(private readonly now: () => number = Date.now) {}

  async add(key: string, amount: number, bucketMs: number, buckets: number): Promise<number> {
    const current = Math.floor(this.now() / bucketMs);
    let series = this.sums.get(key);
    if (!series) {
      series = new Map();
      this.sums.set(key, series);
    }
    if (amount !== 0) series.set(current, (series.get(current) ?? 0) + amount);
    let total = 0;
    for (const [bucket, value] of series) {
      if (bucket <= current - buckets) series.delete(bucket);
      else total += value;
    }
    return total;
  }

  // Synchronous between its reads and its write: atomic on the one event loop that owns these sums.
  async take(spend: Window, amount: number, units: Window, rule: Allowance): Promise<Taken> {
    const allowance = rule.base + rule.perUnit * this.sum(units);
    const used = this.sum(spend);
    const taken = fits(used, amount, allowance, rule.overdraft);
    if (taken && amount !== 0) await this.add(spend.key, amount, spend.bucketMs, spend.buckets);
    return { taken, used, allowance };
  }

  private sum(window: Window): number {
    const current = Math.floor(this.now() / window.bucketMs);
    let total = 0;
    for (const [bucket, value] of this.sums.get(window.key) ?? []) if (bucket > current - window.buckets) total += value;
    return total;
  }
}

// One round trip: add to the current bucket (expiring with the window), then sum the window's buckets.
const ADD_SCRIPT = `
local current = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
if amount ~= 0 then
  redis.call('HINCRBY', KEYS[1], current, amount)
end
redis.call('PEXPIRE', KEYS[1], ttl)
local total = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local bucket = tonumber(all[i])
  if bucket <= current - buckets then
    redis.call('HDEL', KEYS[1], all[i])
  else
    total = total + tonumber(all[i + 1])
  end
end
return total
`;

// One round trip, atomic: sum both windows (dropping their old buckets), decide as fits() does, add only if it fits.
// Returns {taken, used, units}; the allowance is computed by the caller (Lua's numbers reach Redis as integers).
const TAKE_SCRIPT = `
local function window(key, current, buckets)
  local total = 0
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    if tonumber(all[i]) <= current - buckets then redis.call('HDEL', key, all[i]) else total = total + tonumber(all[i + 1]) end
  end
  return total
end
local current, buckets, amount, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local unitsCurrent, unitsBuckets = tonumber(ARGV[5]), tonumber(ARGV[6])
local base, perUnit, overdraft = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == '1'
local units = window(KEYS[2], unitsCurrent, unitsBuckets)
local used = window(KEYS[1], current, buckets)
local allowance = base + perUnit * units
local taken = overdraft or (amount == 0 and used < allowance) or (amount ~= 0 and used + amount <= allowance)
if taken and amount ~= 0 then
  redis.call('HINCRBY', KEYS[1], current, amount)
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {taken and 1 or 0, used, units}
`;

type RedisWithMeter = Redis & {
  hygMeterAdd(key: string, current: number, buckets: number, amount: number, ttl: number): Promise<number>;
  hygMeterTake(spendKey: string, unitsKey: string, ...args: Array<number | string>): Promise<[number, number, number]>;
};

export class RedisMeter implements Meter {
  private readonly redis: RedisWithMeter;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly fallback: Meter = new MemoryMeter(),
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('hygMeterAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    redis.defineCommand('hygMeterTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    this.redis = redis as RedisWithMeter;
  }

  async add(key: string, amount: number, bucketMs: number, buckets: number): Promise<number> {
    if (this.redis.status !== 'ready') return this.fallback.add(key, amount, bucketMs, buckets);
    try {
      const current = Math.floor(this.now() / bucketMs);
      return Number(await this.redis.hygMeterAdd(`${this.prefix}meter:${key}`, current, buckets, amount, bucketMs * (buckets + 1)));
    } catch {
      return this.fallback.add(key, amount, bucketMs, buckets);
    }
  }

  async take(spend: Window, amount: number, units: Window, rule: Allowance): Promise<Taken> {
    if (this.redis.status !== 'ready') return this.fallback.take(spend, amount, units, rule);
    try {
      const now = this.now();
      const [taken, used, unitSum] = await this.redis.hygMeterTake(
        `${this.prefix}meter:${spend.key}`,
        `${this.prefix}meter:${units.key}`,
        Math.floor(now / spend.bucketMs),
        spend.buckets,
        amount,
        spend.bucketMs * (spend.buckets + 1),
        Math.floor(now / units.bucketMs),
        units.buckets,
        rule.base,
        rule.perUnit,
        rule.overdraft ? '1' : '0',
      );
      return { taken: taken === 1, used: Number(used), allowance: rule.base + rule.perUnit * Number(unitSum) };
    } catch {
      return this.fallback.take(spend, amount, units, rule);
    }
  }
}
