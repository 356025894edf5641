import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cooperative fairness for long CPU work on the event loop (a 10M-row mailing is seconds of filtering): the work
 * calls `turn()` between its pieces, and once `sliceMs` have passed since the last turn it waits for the loop's check
 * phase, so the I/O that arrived meanwhile (another tenant's lookup, /healthz, a socket event) runs first.
 * Without it, a mailing whose body was already buffered went from batch to batch through promise continuations
 * alone, and the loop reached its poll phase only when the input ran dry (npm run bench: isolation rows).
 */
export class TimeSlice {
  private since = performance.now();

  constructor(private readonly sliceMs = 4) {}

  async turn(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
