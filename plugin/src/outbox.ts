import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { OutcomeBatchResult, OutcomeReport } from '../contract/protocol';
import { HygieneApiError, OutboxWriteError, isRetryable } from './errors';
import { backoffDelay, type RetryPolicy } from './http';
import type { LogFn } from './logger';
import {
  DEAD_LETTERS, STATE, acquireLock, appendDurably, loadDirectory, readDeadLetters, readSegment, releaseLock, segmentName,
  syncDirectory, truncateDurably, writeFileAtomic, writeFully, type DeadLetter, type Line, type SavedState,
} from './outboxFiles';

export type { DeadLetter } from './outboxFiles';

/**
 * Durable outbox of call outcomes: nothing a dialer reported is lost to a crash of the dialer, the server, the
 * network or the disk, and nothing is counted twice.
 *
 * On disk (one directory per dialer process, guarded by a LOCK file holding the owner's pid):
 * - `seg-<seq>.ndjson`: append-only segments, one line per outcome `{"q":queuedAtMs,"o":{…outcome}}`. An
 *   append resolves only once all its bytes are written and fdatasynced, so an acknowledged outcome survives
 *   SIGKILL and power loss. An append that cannot finish (ENOSPC, EROFS, EIO) rejects with OutboxWriteError and
 *   is undone: the segments it touched are cut back to their last whole record, so nothing unacknowledged stays
 *   and nothing half-written sits in the middle of a segment (see outboxFiles.ts). The outbox keeps, per
 *   segment, the byte length it acknowledged and only ever sends those bytes.
 * - A segment holds at most `batchSize` outcomes (fewer once the server said its limit is lower) and is sealed
 *   (never written again) before it is sent. It is sent in one batch, or in several when the server refuses the
 *   size (BATCH_TOO_LARGE: split, remember the limit). It is deleted only after the server committed all of it.
 *   A crash between a commit and the delete re-sends; call ids are idempotent server-side, so the items come
 *   back as "duplicate" and count nothing twice.
 * - `dead-letters.ndjson`: outcomes the server refused with a 4xx (per item, or a whole batch), with the error.
 *   They are never retried automatically (the same request would fail the same way) and never dropped: they
 *   stay visible in status() until someone fixes and re-reports them. A crash right after a dead-letter write
 *   may record the same outcome twice there (at-least-once), never zero times.
 * - `state.json`: last error, last delivery and a refused credential, for `hygiene fila` run from another process.
 *
 * Delivery backs off (jittered, at most retry.maxMs apart) after every kind of failure, not only network ones: a
 * failure that repeats (a full disk under the dead letters, an answer the client cannot read) must not turn into
 * a request loop. A refused credential (401/403) stops the flusher until flush() or a new client.
 */

export type OutboxOptions = {
  dir: string;
  batchSize: number;
  flushIntervalMs: number;
  retry: RetryPolicy;
  /** Sends one batch; one attempt. The outbox owns retries. */
  send: (batch: OutcomeReport[]) => Promise<OutcomeBatchResult>;
  log: LogFn;
  now?: () => number;
};

export type OutboxStatus = {
  dir: string;
  /** Outcomes durable on disk, not yet committed by the server. */
  pending: number;
  segments: number;
  oldestPendingAt: string | null;
  oldestPendingAgeMs: number | null;
  /** Outcomes in the dead-letter file (refused by the server, not counted), this run's and earlier ones. */
  deadLetters: number;
  lastError: { at: string; message: string; code?: string } | null;
  lastDeliveryAt: string | null;
  /** Set when the server refused the credential: delivery stops until flush() or a new client (never retried). */
  blockedBy: string | null;
  /** Totals since this process opened the outbox. */
  delivered: { accepted: number; duplicates: number; rejected: number };
};

/** What flush() resolves with: the status, plus how many outcomes this flush moved to the dead letters. */
export type FlushStatus = OutboxStatus & { deadLettered: number };

type Segment = { seq: number; file: string; count: number; bytes: number; firstQueuedAt: number | null; sent: number };
/** A segment as an append found it, to undo the append. */
type Mark = { segment: Segment; count: number; bytes: number };

export class Outbox {
  private segments: Segment[] = [];
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private nextSeq = 1;
  private deadLetterCount = 0;
  private lastError: OutboxStatus['lastError'] = null;
  private lastDeliveryAt: string | null = null;
  private blockedBy: string | null = null;
  /** Largest batch the server takes, learned from a BATCH_TOO_LARGE answer (it never grows back in a process). */
  private sendLimit: number;
  private readonly delivered = { accepted: 0, duplicates: 0, rejected: 0 };
  /** Serializes appends, seals and the choice of the head segment (they touch the active segment). */
  private writeChain: Promise<unknown> = Promise.resolve();
  /** Serializes deliveries (one batch in flight: order and dedup stay simple). */
  private deliveryChain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private backgroundAttempt = 0;
  private backgroundBusy = false;
  private closed = false;
  private readonly now: () => number;

  private constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.sendLimit = options.batchSize;
  }

  /** Opens (creating if needed) and locks the directory, repairs torn tails, starts the flusher. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    await mkdir(options.dir, { recursive: true });
    acquireLock(options.dir);
    const outbox = new Outbox(options);
    try {
      const loaded = await loadDirectory(options.dir, true);
      outbox.segments = loaded.segments.map((s) => ({ ...s, sent: 0 }));
      outbox.nextSeq = loaded.segments.reduce((max, s) => Math.max(max, s.seq), 0) + 1;
      outbox.deadLetterCount = loaded.deadLetters;
      outbox.lastError = loaded.state.lastError ?? null;
      outbox.lastDeliveryAt = loaded.state.lastDeliveryAt ?? null;
    } catch (error) {
      releaseLock(options.dir);
      throw error;
    }
    outbox.schedule(0);
    return outbox;
  }

  /** Status of an outbox directory without opening it (another process may own it). */
  static async inspect(dir: string, now: () => number = Date.now): Promise<OutboxStatus> {
    const loaded = await loadDirectory(dir, false);
    const segments = loaded.segments.map((s) => ({ ...s, sent: 0 }));
    const { lastError = null, lastDeliveryAt = null, blockedBy = null } = loaded.state;
    return summarize(dir, segments, loaded.deadLetters, lastError, lastDeliveryAt, blockedBy, { accepted: 0, duplicates: 0, rejected: 0 }, now());
  }

  /**
   * Appends outcomes; resolves once all their bytes are on disk (fdatasync). Rejects with OutboxWriteError when
   * the disk refuses them; then none of them is kept (report them again later), and earlier ones are untouched.
   */
  append(outcomes: readonly OutcomeReport[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    if (outcomes.length === 0) return Promise.resolve();
    const queuedAt = this.now();
    const records = outcomes.map((o) => Buffer.from(JSON.stringify({ q: queuedAt, o } satisfies Line) + '\n', 'utf8'));
    const done = this.exclusiveWrite(async () => {
      const marks: Mark[] = [];
      try {
        let i = 0;
        while (i < records.length) {
          const active = await this.activeSegment(queuedAt, marks);
          const capacity = this.capacity();
          const slice = records.slice(i, i + Math.max(1, capacity - active.segment.count));
          const data = Buffer.concat(slice);
          await writeFully(active.handle, data);
          active.segment.bytes += data.length;
          active.segment.count += slice.length;
          i += slice.length;
          if (active.segment.count >= capacity) {
            await active.handle.datasync();
            await this.sealActive();
          }
        }
        if (this.active && marks.some((mark) => mark.segment === this.active!.segment)) await this.active.handle.datasync();
      } catch (error) {
        await this.undo(marks);
        const code = (error as NodeJS.ErrnoException).code;
        const failure = new OutboxWriteError(
          `the outbox could not write to ${this.options.dir} (${code ?? 'error'}: ${(error as Error).message}); these ${outcomes.length} outcomes were NOT recorded — report them again once the disk is fixed (outcomes recorded before are safe and keep being delivered)`,
          code,
          { cause: error },
        );
        this.options.log('error', 'outbox append failed; the outcomes were not recorded', { error: failure.message, code, count: outcomes.length });
        throw failure;
      }
    });
    // A full segment is a full batch: send it now rather than at the next tick.
    void done.then(() => this.segments.length > 1 && this.kick(), () => undefined);
    return done;
  }

  /**
   * Delivers everything pending now; rejects with the last error once retry.maxAttempts are used up (or at once on
   * a refused credential). Resolves with the status and `deadLettered`: outcomes of this flush the server refused.
   */
  async flush(): Promise<FlushStatus> {
    this.blockedBy = null; // an explicit flush is the human saying "try the credential again"
    const deadLettersBefore = this.deadLetterCount;
    let attempt = 0;
    try {
      while (this.segments.length > 0) {
        try {
          await this.deliverHead();
          attempt = 0;
        } catch (error) {
          attempt++;
          if (!isRetryable(error) || attempt >= this.options.retry.maxAttempts || this.closed) throw error;
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, this.options.retry)));
        }
      }
    } finally {
      if (!this.blockedBy && !this.timer && !this.closed) this.schedule(this.options.flushIntervalMs);
    }
    const deadLettered = this.deadLetterCount - deadLettersBefore;
    if (deadLettered > 0) {
      this.options.log('error', 'the server refused outcomes of this flush; they are in the dead letters and were NOT counted', { deadLettered, file: path.join(this.options.dir, DEAD_LETTERS) });
    }
    return { ...this.status(), deadLettered };
  }

  status(): OutboxStatus {
    return summarize(this.options.dir, this.segments, this.deadLetterCount, this.lastError, this.lastDeliveryAt, this.blockedBy, this.delivered, this.now());
  }

  /** Dead letters, oldest first. */
  async deadLetters(): Promise<DeadLetter[]> {
    return readDeadLetters(this.options.dir);
  }

  /** Stops the flusher, waits for writes and the batch in flight, closes the segment and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.writeChain.catch(() => undefined);
    await this.deliveryChain.catch(() => undefined);
    if (this.active) {
      await this.active.handle.close();
      this.active = undefined;
    }
    releaseLock(this.options.dir);
  }

  private capacity(): number {
    return Math.min(this.options.batchSize, this.sendLimit);
  }

  private exclusiveWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async activeSegment(queuedAt: number, marks: Mark[]): Promise<{ segment: Segment; handle: FileHandle }> {
    if (!this.active) {
      const seq = this.nextSeq++;
      const segment: Segment = { seq, file: path.join(this.options.dir, segmentName(seq)), count: 0, bytes: 0, firstQueuedAt: queuedAt, sent: 0 };
      const handle = await open(segment.file, 'a');
      syncDirectory(this.options.dir); // the new file's entry must survive a power loss too
      this.segments.push(segment);
      this.active = { segment, handle };
    }
    const { segment } = this.active;
    if (!marks.some((mark) => mark.segment === segment)) marks.push({ segment, count: segment.count, bytes: segment.bytes });
    return this.active;
  }

  /**
   * Undoes a failed append: every segment it touched goes back to its size before the append (a segment it
   * created goes away). Runs inside the write chain, and delivery picks its head there too, so no segment the
   * append sealed was sent meanwhile. If even the truncate fails (a read-only filesystem), the segment is sealed
   * with its acknowledged length: later appends go elsewhere and delivery reads only the acknowledged bytes.
   */
  private async undo(marks: Mark[]): Promise<void> {
    for (const mark of [...marks].reverse()) {
      const { segment } = mark;
      segment.count = mark.count;
      segment.bytes = mark.bytes;
      const isActive = this.active?.segment === segment;
      try {
        if (mark.bytes === 0) {
          if (isActive) await this.sealActive();
          await unlink(segment.file).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
          this.segments = this.segments.filter((s) => s !== segment);
        } else if (isActive) {
          await this.active!.handle.truncate(mark.bytes);
          await this.active!.handle.datasync();
        } else {
          await truncateDurably(segment.file, mark.bytes);
        }
      } catch (error) {
        if (isActive) await this.sealActive().catch(() => undefined);
        this.options.log('error', 'outbox could not undo a failed append; the segment is sealed at its last acknowledged record', { error: (error as Error).message, segment: path.basename(segment.file) });
      }
    }
  }

  private async sealActive(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.handle.close();
  }

  private kick(): void {
    if (!this.backgroundBusy && !this.blockedBy) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.background(), delayMs);
    this.timer.unref(); // the flusher alone must not keep a dialer process alive
  }

  /**
   * The background flusher: delivers while there is something; after any failure it waits a jittered, growing
   * delay (at most retry.maxMs) and tries again, forever, because giving up would lose tabulations. A refused
   * credential stops it instead (a new key needs a human): flush() or a new client starts it again.
   */
  private async background(): Promise<void> {
    this.timer = undefined;
    if (this.closed || this.backgroundBusy) return;
    this.backgroundBusy = true;
    let next: number | null = this.options.flushIntervalMs;
    try {
      while (this.segments.length > 0 && !this.closed && !this.blockedBy) {
        await this.deliverHead();
        this.backgroundAttempt = 0;
      }
    } catch (error) {
      this.backgroundAttempt++;
      next = backoffDelay(this.backgroundAttempt, this.options.retry);
      const message = (error as Error).message;
      if (this.blockedBy) {
        next = null;
        this.options.log('error', 'the server refused the dialer key; delivery is STOPPED and outcomes stay in the outbox until a valid key (new client) or flush()', { error: message, pending: this.status().pending });
      } else if (isRetryable(error)) {
        this.options.log('warn', 'outbox delivery failed; will retry', { error: message, retryInMs: next, pending: this.status().pending });
      } else {
        this.recordError(error);
        this.options.log('error', 'outbox delivery failed and needs attention; will retry', { error: message, retryInMs: next, pending: this.status().pending });
      }
    } finally {
      this.backgroundBusy = false;
      if (next !== null) this.schedule(next);
    }
  }

  /** Sends the oldest segment (in batches the server takes); deletes it once the server committed all of it. */
  private deliverHead(): Promise<void> {
    const run = this.deliveryChain.then(async () => {
      // Chosen inside the write chain: an append still running may yet undo the segments it touched.
      const head = await this.exclusiveWrite(async () => {
        const first = this.segments[0];
        if (first && this.active?.segment === first) await this.sealActive();
        return first;
      });
      if (!head) return;
      const batch = (await readSegment(head.file, head.bytes)).map((line) => line.o);
      while (head.sent < batch.length) {
        const chunk = batch.slice(head.sent, head.sent + this.sendLimit);
        let result: OutcomeBatchResult;
        try {
          result = await this.options.send(chunk);
        } catch (error) {
          const limit = oversizedLimit(error, chunk.length);
          if (limit !== undefined) {
            this.learnLimit(limit, error as Error);
            continue;
          }
          this.recordError(error);
          if (!(error instanceof HygieneApiError) || error.retryable) throw error;
          if (error.credentialRefused) {
            // The credential, not the data, is wrong: keep everything and wait for a human.
            this.blockedBy = error.message;
            void this.saveState();
            throw error;
          }
          await this.deadLetter(chunk.map((outcome) => ({ outcome, error: { status: error.status, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } })));
          this.delivered.rejected += chunk.length;
          head.sent += chunk.length;
          continue;
        }
        const refused: Omit<DeadLetter, 'at'>[] = [];
        for (const item of result.results) {
          if (item.status === 'rejected') refused.push({ outcome: chunk[item.index]!, error: { status: 400, ...item.error } });
        }
        if (refused.length > 0) await this.deadLetter(refused);
        this.delivered.accepted += result.accepted;
        this.delivered.duplicates += result.duplicates;
        this.delivered.rejected += result.rejected;
        this.lastDeliveryAt = new Date(this.now()).toISOString();
        head.sent += chunk.length;
      }
      await unlink(head.file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.segments.shift();
      await this.saveState();
    });
    this.deliveryChain = run.catch(() => undefined);
    return run;
  }

  private learnLimit(limit: number, error: Error): void {
    this.sendLimit = limit;
    this.options.log('warn', 'the server takes smaller batches; splitting this batch and sending smaller ones from now on', { batchLimit: limit, error: error.message });
  }

  /** Appends dead letters whole or not at all (a torn record would hide every later one). */
  private async deadLetter(items: Omit<DeadLetter, 'at'>[]): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const text = items.map((item) => JSON.stringify({ at, ...item }) + '\n').join('');
    await appendDurably(path.join(this.options.dir, DEAD_LETTERS), Buffer.from(text, 'utf8'));
    this.deadLetterCount += items.length;
    this.options.log('warn', 'outcomes refused by the server moved to the dead-letter file', { count: items.length, firstError: items[0]?.error.message });
  }

  private recordError(error: unknown): void {
    this.lastError = { at: new Date(this.now()).toISOString(), message: (error as Error).message, ...((error as { code?: string }).code ? { code: (error as { code: string }).code } : {}) };
    void this.saveState();
  }

  private saving: Promise<void> = Promise.resolve();

  /**
   * Informational only (status from another process): replaced by rename, not fsynced. Writes run one after the
   * other, each with the state as it is when it starts: two overlapping renames could land in either order, and a
   * 401's `blockedBy` was seen overwritten by the error recorded just before it.
   */
  private saveState(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const state: SavedState = { lastError: this.lastError, lastDeliveryAt: this.lastDeliveryAt, blockedBy: this.blockedBy };
      await writeFileAtomic(path.join(this.options.dir, STATE), JSON.stringify(state), false).catch(() => undefined); // not worth failing a delivery for
    });
    return this.saving;
  }
}

/**
 * When the server refused a batch for its size, the size to retry with: the limit it names ("at most N outcomes
 * per batch"), else half. Older servers said so with VALIDATION_FAILED on `outcomes`; a body over the server's
 * byte limit (PAYLOAD_TOO_LARGE) is split the same way. A single outcome too large is the data's fault: undefined.
 */
function oversizedLimit(error: unknown, size: number): number | undefined {
  if (!(error instanceof HygieneApiError) || size <= 1) return undefined;
  const named = /at most (\d+) outcomes per batch/.exec(error.message);
  const oversized = error.code === 'BATCH_TOO_LARGE' || error.status === 413 || (error.code === 'VALIDATION_FAILED' && error.field === 'outcomes' && named !== null);
  if (!oversized) return undefined;
  const limit = named ? Number(named[1]) : Math.floor(size / 2);
  return Math.max(1, Math.min(limit, size - 1));
}

function summarize(
  dir: string,
  segments: Segment[],
  deadLetters: number,
  lastError: OutboxStatus['lastError'],
  lastDeliveryAt: string | null,
  blockedBy: string | null,
  delivered: OutboxStatus['delivered'],
  now: number,
): OutboxStatus {
  const oldest = segments.find((s) => s.count > s.sent)?.firstQueuedAt ?? null;
  return {
    dir,
    pending: segments.reduce((sum, s) => sum + s.count - s.sent, 0),
    segments: segments.length,
    oldestPendingAt: oldest === null ? null : new Date(oldest).toISOString(),
    oldestPendingAgeMs: oldest === null ? null : Math.max(0, now - oldest),
    deadLetters,
    lastError,
    lastDeliveryAt,
    blockedBy,
    delivered: { ...delivered },
  };
}

