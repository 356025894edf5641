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

type RedisWithMeter = Redis & { hygMeterAdd(key: string, current: number, buckets: number, amount: number, ttl: number): Promise<number> };

export class RedisMeter implements Meter {
  private readonly redis: RedisWithMeter;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly fallback: Meter = new MemoryMeter(),
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('hygMeterAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
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
}
