import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryMeter, RedisMeter, type Meter, type Window } from '../../server/infra/meter';
import { testRedisUrl } from '../support/harness';

/**
 * The meter's atomic take (server/infra/meter.ts), on both implementations: the read budget (services/readBudget.ts)
 * relies on it so that a tenant's parallel requests at its budget's edge cannot all be let through.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const reads: Window = { key: 'reads:t', bucketMs: HOUR, buckets: 24 };
const contributed: Window = { key: 'contrib:t', bucketMs: DAY, buckets: 30 };
const rule = (base: number, overdraft = false) => ({ base, perUnit: 10, overdraft });

describe.each([
  ['in process', false],
  ['in Redis', true],
] as const)('the meter %s', (_name, withRedis) => {
  let now = Date.parse('2026-12-02T12:00:00Z');
  let redis: Redis | undefined;
  let meter: Meter;

  beforeEach(() => {
    now = Date.parse('2026-12-02T12:00:00Z');
    redis = withRedis ? new Redis(testRedisUrl) : undefined;
    meter = redis ? new RedisMeter(redis, `meter-test:${randomUUID()}:`, new MemoryMeter(() => now), () => now) : new MemoryMeter(() => now);
  });

  afterEach(async () => {
    if (!redis) return;
    const keys = await redis.keys('meter-test:*');
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('when 40 takes of 100 race for 1,000 left, then exactly 10 are taken and the sum ends at the allowance', async () => {
    expect(await meter.take(reads, 9_000, contributed, rule(10_000))).toEqual({ taken: true, used: 0, allowance: 10_000 });
    const results = await Promise.all(Array.from({ length: 40 }, () => meter.take(reads, 100, contributed, rule(10_000))));
    expect(results.filter((result) => result.taken)).toHaveLength(10);
    expect(await meter.add(reads.key, 0, reads.bucketMs, reads.buckets)).toBe(10_000);
  });

  it('when the tenant contributes, then its allowance grows by perUnit for each unit still in the window', async () => {
    await meter.add(contributed.key, 50, contributed.bucketMs, contributed.buckets);
    expect(await meter.take(reads, 1_400, contributed, rule(1_000))).toEqual({ taken: true, used: 0, allowance: 1_500 });
    expect((await meter.take(reads, 200, contributed, rule(1_000))).taken).toBe(false);
    now += 31 * DAY;
    // The contribution and the reads have both left their windows.
    expect(await meter.take(reads, 200, contributed, rule(1_000))).toEqual({ taken: true, used: 0, allowance: 1_000 });
  });

  it('when nothing is left, then a zero-cost take is refused and an overdraft is still counted', async () => {
    expect((await meter.take(reads, 0, contributed, rule(100))).taken).toBe(true);
    expect((await meter.take(reads, 100, contributed, rule(100))).taken).toBe(true);
    expect(await meter.take(reads, 0, contributed, rule(100))).toEqual({ taken: false, used: 100, allowance: 100 });
    expect(await meter.take(reads, 50, contributed, rule(100, true))).toEqual({ taken: true, used: 100, allowance: 100 });
    expect(await meter.add(reads.key, 0, reads.bucketMs, reads.buckets)).toBe(150);
  });
});
