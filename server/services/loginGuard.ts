import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors';
import type { RateLimiter } from '../infra/ratelimit';

/**
 * How sign-in resists a flood and password guessing (issue 10, docs/security.md). Decisions:
 * - Hashing is bounded: scrypt runs on libuv's 4-thread pool, and 64 concurrent bogus sign-ins made a real one wait
 *   8.3 s. At most `maxConcurrentHashes` run at once; at most `maxQueuedHashes` wait; beyond that a sign-in is a 429
 *   at once, before any hashing (a flood costs the server a queue slot, not a core).
 * - Per client address: `perAddress` attempts per window, whatever the emails (spraying 30 emails from one address
 *   was unlimited: the limit was per email and address).
 * - Per account: failures beyond `accountFreeFailures` in `accountWindowMs` slow every further attempt on that
 *   account by a delay that doubles per failure up to `delayMaxMs`, and never refuse it: the right password still
 *   signs in (a fixed lockout after 10 tries let anyone lock any admin out). Guessing is slowed, the admin is not
 *   locked out; the residual (a botnet guessing slowly from many addresses) is bounded by the hashing limit.
 */
export type LoginPolicy = {
  perAddress: { limit: number; windowMs: number };
  accountFreeFailures: number;
  accountWindowMs: number;
  delayBaseMs: number;
  delayMaxMs: number;
  maxConcurrentHashes: number;
  maxQueuedHashes: number;
};

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  perAddress: { limit: 30, windowMs: 60_000 },
  accountFreeFailures: 5,
  accountWindowMs: 15 * 60_000,
  delayBaseMs: 250,
  delayMaxMs: 2_000,
  maxConcurrentHashes: 2,
  maxQueuedHashes: 32,
};

/** An account in logs and limiter keys: a digest, never the email (the domain is logged apart, for triage). */
export const accountDigest = (normalizedEmail: string) => createHash('sha256').update(`account:${normalizedEmail}`).digest('hex').slice(0, 16);

/** A counting semaphore with a bounded queue; `peak` says how many ran at once (tests assert the bound). */
export class HashingLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  peak = 0;
  constructor(
    private readonly maxActive: number,
    private readonly maxQueued: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) throw new AppError('RATE_LIMITED', 'too many sign-ins at once; try again in a few seconds').withRetryAfter(2);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.peak = Math.max(this.peak, this.active);
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter: `active` stays counted.
      if (next) next();
      else this.active--;
    }
  }
}

export class LoginGuard {
  readonly hashing: HashingLimiter;
  constructor(
    private readonly rateLimiter: RateLimiter,
    readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
  ) {
    this.hashing = new HashingLimiter(policy.maxConcurrentHashes, policy.maxQueuedHashes);
  }

  /** Before any lookup or hash: the address's budget, then the account's delay. Throws RATE_LIMITED. */
  async admit(normalizedEmail: string, clientAddress: string): Promise<{ delayedMs: number }> {
    const { limit, windowMs } = this.policy.perAddress;
    const byAddress = await this.rateLimiter.consume(`login:address:${clientAddress}`, limit, windowMs);
    if (!byAddress.allowed) {
      const seconds = Math.ceil(byAddress.retryAfterMs / 1000);
      throw new AppError('RATE_LIMITED', `too many sign-in attempts from this address; try again in ${seconds} s`).withRetryAfter(seconds);
    }
    const failures = await this.rateLimiter.peek(this.accountKey(normalizedEmail));
    const delayedMs = this.delayFor(failures);
    if (delayedMs > 0) await sleep(delayedMs);
    return { delayedMs };
  }

  delayFor(failures: number): number {
    const over = failures - this.policy.accountFreeFailures;
    return over < 0 ? 0 : Math.min(this.policy.delayMaxMs, this.policy.delayBaseMs * 2 ** Math.min(over, 20));
  }

  async recordFailure(normalizedEmail: string): Promise<void> {
    await this.rateLimiter.consume(this.accountKey(normalizedEmail), Number.MAX_SAFE_INTEGER, this.policy.accountWindowMs);
  }

  private accountKey(normalizedEmail: string): string {
    return `login:account:${accountDigest(normalizedEmail)}`;
  }
}
