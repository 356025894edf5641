import type { PrismaClient } from '../../server/generated/prisma/client';
import { AppError } from '../../server/errors';
import { MemoryMeter, type Meter } from '../../server/infra/meter';
import { createLogger } from '../../server/logger';
import { AuditLog } from '../../server/services/audit';
import { ReadBudget } from '../../server/services/readBudget';

/**
 * The read budget decides a check from its last look at the tenant's sums when that look is under a second old,
 * without a round trip to Redis (issue 15, isolation: every await of a check waits for a busy event loop). What it
 * must keep: this instance's reads count at once, other instances' reads are learnt at the next look, the hour's
 * bucket is never crossed with an old look, and contributions raise the budget at once.
 */

/** A meter shared by "instances" whose writes can be held: every add waits until `release()`. */
class HeldMeter implements Meter {
  readonly inner = new MemoryMeter(() => this.now);
  now = Date.parse('2026-12-02T12:00:00Z');
  calls = 0;
  holding = false;
  private held: (() => void)[] = [];

  async add(key: string, amount: number, bucketMs: number, buckets: number): Promise<number> {
    this.calls++;
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    return this.inner.add(key, amount, bucketMs, buckets);
  }

  release(): void {
    this.holding = false;
    for (const resolve of this.held.splice(0)) resolve();
  }
}

const audit = new AuditLog(null as unknown as PrismaClient);
const budgetOf = (meter: HeldMeter, base = 1_000) =>
  new ReadBudget(meter, { base, perContribution: 10 }, audit, createLogger('silent'), () => new Date(meter.now));

const refusal = (promise: Promise<void>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('read budget decided locally within a second', () => {
  it('when a look is under a second old, then the next charge is decided without waiting for the meter, and its reads count at once', async () => {
    const meter = new HeldMeter();
    const budget = budgetOf(meter);
    await budget.charge('t', 600);
    meter.holding = true;
    // The meter answers nothing now: a charge that waited for it would never settle.
    await budget.charge('t', 300);
    const refused = await refusal(budget.charge('t', 200));
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('RATE_LIMITED');
    meter.release();
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing was lost: the meter holds both accepted charges.
    expect(await meter.inner.add('reads:t', 0, 3_600_000, 24)).toBe(900);
  });

  it('when another instance read meanwhile, then this instance learns it at its next look, a second later at most', async () => {
    const meter = new HeldMeter();
    const here = budgetOf(meter);
    const there = budgetOf(meter);
    await here.charge('t', 100);
    await there.charge('t', 850);
    // Within the second, "here" still decides from its own look (100 read): 100 more pass.
    await here.charge('t', 40);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    const refused = await refusal(here.charge('t', 100));
    expect(refused).toBeInstanceOf(AppError);
  });

  it('when the meter clock enters another hour, then the old look is not used (a day later, the budget is whole again)', async () => {
    const meter = new HeldMeter();
    const budget = budgetOf(meter);
    await budget.charge('t', 1_000);
    expect(await refusal(budget.charge('t', 1))).toBeInstanceOf(AppError);
    meter.now += 25 * 3_600_000;
    const calls = meter.calls;
    await budget.charge('t', 1_000);
    expect(meter.calls).toBeGreaterThan(calls + 1);
  });

  it('when the tenant contributes tabulations, then its remembered budget grows at once', async () => {
    const meter = new HeldMeter();
    const budget = budgetOf(meter);
    await budget.charge('t', 1_000);
    expect(await refusal(budget.charge('t', 50))).toBeInstanceOf(AppError);
    await budget.contributed('t', 5);
    await budget.charge('t', 50);
  });
});
