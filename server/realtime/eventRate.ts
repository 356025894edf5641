/**
 * Events per socket (issue 10: 2,000 concurrent reports on one socket froze /healthz 12.8 s). A token bucket per
 * socket, in-process: a socket lives on one instance, so its count needs no Redis and dies with it.
 *
 * - `SOCKET_EVENTS_PER_SECOND` tokens a second, a burst of one second's worth (a dialer's outbox flushing after a
 *   reconnect sends a few batches at once; each batch carries up to MAX_BATCH_SIZE outcomes, so 20 a second is
 *   200,000 outcomes a second per socket, far above any dialer).
 * - An event past the bucket is refused before any work: its ack gets `RATE_LIMITED`, it is never dispatched.
 * - A socket that keeps flooding — more than 10 times the rate over a 5 s window (fixed windows: a flood straddling
 *   two windows may get up to twice that before the cut) — is disconnected: refusing costs little, but not nothing.
 */
export const FLOOD_WINDOW_MS = 5_000;
export const FLOOD_FACTOR = 10;

export type EventVerdict = 'accept' | 'refuse' | 'disconnect';

export class SocketEventRate {
  private tokens: number;
  private refilledAt: number;
  private windowStartedAt: number;
  private eventsInWindow = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.refilledAt = now();
    this.windowStartedAt = this.refilledAt;
  }

  /** Counts one incoming event and says what to do with it. */
  take(): EventVerdict {
    const now = this.now();
    if (now - this.windowStartedAt >= FLOOD_WINDOW_MS) {
      this.windowStartedAt = now;
      this.eventsInWindow = 0;
    }
    this.eventsInWindow++;
    if (this.eventsInWindow > FLOOD_FACTOR * this.perSecond * (FLOOD_WINDOW_MS / 1000)) return 'disconnect';
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return 'refuse';
    this.tokens--;
    return 'accept';
  }

  /** Seconds until the next event would be accepted (for the refusal's message). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
