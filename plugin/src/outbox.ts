import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { OutcomeBatchResult, OutcomeReport } from './shared/protocol';
import { HygieneApiError, OutboxLockedError, isRetryable } from './errors';
import { backoffDelay, type RetryPolicy } from './http';
import type { LogFn } from './logger';

/**
 * Durable outbox of call outcomes: nothing a dialer reported is lost to a crash of the dialer, the server or the
 * network, and nothing is counted twice.
 *
 * On disk (one directory per dialer process, guarded by a LOCK file holding the owner's pid):
 * - `seg-<seq>.ndjson`: append-only segments, one line per outcome `{"q":queuedAtMs,"o":{…outcome}}`. An
 *   append returns only after fdatasync, so an acknowledged outcome survives SIGKILL and power loss. A segment
 *   holds at most `batchSize` outcomes and is sealed (never written again) before it is sent, so one segment is
 *   exactly one server batch.
 * - A segment is deleted only after the server committed its batch. A crash between the server's commit and
 *   the delete re-sends the segment on restart; call ids are idempotent server-side, so the items come back as
 *   "duplicate" and count nothing twice.
 * - `dead-letters.ndjson`: outcomes the server refused with a 4xx (per item, or a whole batch), with the error.
 *   They are never retried automatically (the same request would fail the same way) and never dropped: they
 *   stay visible in status() until someone fixes and re-reports them. A crash right after a dead-letter write
 *   may record the same outcome twice there (at-least-once), never zero times.
 * - `state.json`: last error and last delivery, for `hygiene fila` run from another process.
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

export type DeadLetter = { at: string; outcome: OutcomeReport; error: { status?: number; code: string; message: string; field?: string } };

export type OutboxStatus = {
  dir: string;
  /** Outcomes durable on disk, not yet committed by the server. */
  pending: number;
  segments: number;
  oldestPendingAt: string | null;
  oldestPendingAgeMs: number | null;
  deadLetters: number;
  lastError: { at: string; message: string; code?: string } | null;
  lastDeliveryAt: string | null;
  /** Set when the server refused the credential: delivery waits for flush() (a 401/403 is never retried). */
  blockedBy: string | null;
  /** Totals since this process opened the outbox. */
  delivered: { accepted: number; duplicates: number; rejected: number };
};

type Segment = { seq: number; file: string; count: number; firstQueuedAt: number | null };
type Line = { q: number; o: OutcomeReport };

const SEGMENT = /^seg-(\d{12})\.ndjson$/;
const DEAD_LETTERS = 'dead-letters.ndjson';
const STATE = 'state.json';
const LOCK = 'LOCK';

const segmentName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.ndjson`;

export class Outbox {
  private segments: Segment[] = [];
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private nextSeq = 1;
  private deadLetterCount = 0;
  private lastError: OutboxStatus['lastError'] = null;
  private lastDeliveryAt: string | null = null;
  private blockedBy: string | null = null;
  private readonly delivered = { accepted: 0, duplicates: 0, rejected: 0 };
  /** Serializes appends and seals (they touch the active segment). */
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
  }

  /** Opens (creating if needed) and locks the directory, repairs a torn last line, starts the flusher. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    await mkdir(options.dir, { recursive: true });
    acquireLock(options.dir);
    const outbox = new Outbox(options);
    try {
      const loaded = await loadDirectory(options.dir, true);
      outbox.segments = loaded.segments;
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
    return summarize(dir, loaded.segments, loaded.deadLetters, loaded.state.lastError ?? null, loaded.state.lastDeliveryAt ?? null, null, { accepted: 0, duplicates: 0, rejected: 0 }, now());
  }

  /** Appends outcomes; resolves once they are on disk (fdatasync). Concurrent appends share one sync. */
  append(outcomes: readonly OutcomeReport[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    if (outcomes.length === 0) return Promise.resolve();
    const queuedAt = this.now();
    const lines = outcomes.map((o) => JSON.stringify({ q: queuedAt, o } satisfies Line) + '\n');
    const done = this.exclusiveWrite(async () => {
      const touched = new Set<FileHandle>();
      let i = 0;
      while (i < lines.length) {
        const active = await this.activeSegment(queuedAt);
        const room = this.options.batchSize - active.segment.count;
        const slice = lines.slice(i, i + room);
        await active.handle.write(slice.join(''));
        active.segment.count += slice.length;
        touched.add(active.handle);
        i += slice.length;
        if (active.segment.count >= this.options.batchSize) {
          await active.handle.datasync();
          await this.sealActive();
          touched.delete(active.handle);
        }
      }
      for (const handle of touched) await handle.datasync();
    });
    // A full segment is a full batch: send it now rather than at the next tick.
    void done.then(() => this.segments.length > 1 && this.kick(), () => undefined);
    return done;
  }

  /** Delivers everything pending now; rejects with the last error once retry.maxAttempts are used up. */
  async flush(): Promise<OutboxStatus> {
    this.blockedBy = null;
    let attempt = 0;
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
    return this.status();
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

  private exclusiveWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async activeSegment(queuedAt: number): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.active) return this.active;
    const seq = this.nextSeq++;
    const segment: Segment = { seq, file: path.join(this.options.dir, segmentName(seq)), count: 0, firstQueuedAt: queuedAt };
    const handle = await open(segment.file, 'a');
    syncDirectory(this.options.dir); // the new file's entry must survive a power loss too
    this.segments.push(segment);
    this.active = { segment, handle };
    return this.active;
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

  /** The background flusher: delivers while there is something, backs off on transient errors, never gives up. */
  private async background(): Promise<void> {
    if (this.closed || this.backgroundBusy) return;
    this.backgroundBusy = true;
    let next = this.options.flushIntervalMs;
    try {
      while (this.segments.length > 0 && !this.closed && !this.blockedBy) {
        await this.deliverHead();
        this.backgroundAttempt = 0;
      }
    } catch (error) {
      if (isRetryable(error)) {
        this.backgroundAttempt++;
        next = backoffDelay(this.backgroundAttempt, this.options.retry);
        this.options.log('warn', 'outbox delivery failed; will retry', { error: (error as Error).message, retryInMs: next, pending: this.status().pending });
      } else if (!this.blockedBy) {
        this.recordError(error);
        this.options.log('error', 'outbox delivery failed and needs attention', { error: (error as Error).message });
      } else {
        this.options.log('error', 'the server refused the credential; outcomes stay in the outbox until flush()', { error: (error as Error).message });
      }
    } finally {
      this.backgroundBusy = false;
      this.schedule(next);
    }
  }

  /** Sends the oldest segment as one batch; deletes it once the server committed it. */
  private deliverHead(): Promise<void> {
    const run = this.deliveryChain.then(async () => {
      const head = this.segments[0];
      if (!head) return;
      if (this.active?.segment === head) await this.exclusiveWrite(() => this.sealActive());
      const lines = await readSegment(head.file);
      const batch = lines.map((line) => line.o);
      if (batch.length > 0) {
        let result: OutcomeBatchResult;
        try {
          result = await this.options.send(batch);
        } catch (error) {
          this.recordError(error);
          if (error instanceof HygieneApiError && !error.retryable) {
            if (error.status === 401 || error.status === 403) {
              // The credential, not the data, is wrong: keep everything and wait for a human.
              this.blockedBy = error.message;
              throw error;
            }
            await this.deadLetter(batch.map((outcome) => ({ outcome, error: { status: error.status, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } })));
            this.delivered.rejected += batch.length;
          } else {
            throw error;
          }
          result = { accepted: 0, duplicates: 0, rejected: 0, results: [] };
        }
        const refused: Omit<DeadLetter, 'at'>[] = [];
        for (const item of result.results) {
          if (item.status === 'rejected') refused.push({ outcome: batch[item.index]!, error: { status: 400, ...item.error } });
        }
        if (refused.length > 0) await this.deadLetter(refused);
        this.delivered.accepted += result.accepted;
        this.delivered.duplicates += result.duplicates;
        this.delivered.rejected += result.rejected;
        this.lastDeliveryAt = new Date(this.now()).toISOString();
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

  private async deadLetter(items: Omit<DeadLetter, 'at'>[]): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const text = items.map((item) => JSON.stringify({ at, ...item })).join('\n') + '\n';
    const handle = await open(path.join(this.options.dir, DEAD_LETTERS), 'a');
    try {
      await handle.write(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.deadLetterCount += items.length;
    this.options.log('warn', 'outcomes refused by the server moved to the dead-letter file', { count: items.length, firstError: items[0]?.error.message });
  }

  private recordError(error: unknown): void {
    this.lastError = { at: new Date(this.now()).toISOString(), message: (error as Error).message, ...((error as { code?: string }).code ? { code: (error as { code: string }).code } : {}) };
    void this.saveState();
  }

  private async saveState(): Promise<void> {
    // Informational only (status from another process): written by rename, not fsynced.
    const file = path.join(this.options.dir, STATE);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify({ lastError: this.lastError, lastDeliveryAt: this.lastDeliveryAt }));
      await rename(tmp, file);
    } catch {
      // a status file is not worth failing a delivery for
    }
  }
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
  const oldest = segments.find((s) => s.count > 0)?.firstQueuedAt ?? null;
  return {
    dir,
    pending: segments.reduce((sum, s) => sum + s.count, 0),
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

async function loadDirectory(dir: string, repair: boolean) {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') names = [];
    else throw error;
  }
  const segments: Segment[] = [];
  for (const name of names.sort()) {
    const match = SEGMENT.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    const buffer = await readFile(file);
    const end = buffer.lastIndexOf(10) + 1;
    if (end < buffer.length && repair) {
      // A torn last line was never acknowledged (its fdatasync did not return): cut it.
      await truncate(file, end);
    }
    let count = 0;
    for (let i = buffer.indexOf(10); i >= 0 && i < end; i = buffer.indexOf(10, i + 1)) count++;
    const firstLine = count > 0 ? buffer.toString('utf8', 0, buffer.indexOf(10)) : '';
    let firstQueuedAt: number | null = null;
    try {
      firstQueuedAt = count > 0 ? (JSON.parse(firstLine) as Line).q : null;
    } catch {
      firstQueuedAt = null;
    }
    if (count === 0 && repair) {
      await unlink(file);
      continue;
    }
    segments.push({ seq: Number(match[1]), file, count, firstQueuedAt });
  }
  let deadLetters = 0;
  try {
    const buffer = await readFile(path.join(dir, DEAD_LETTERS));
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) deadLetters++;
  } catch {
    deadLetters = 0;
  }
  let state: { lastError?: OutboxStatus['lastError']; lastDeliveryAt?: string | null } = {};
  try {
    state = JSON.parse(await readFile(path.join(dir, STATE), 'utf8')) as typeof state;
  } catch {
    state = {};
  }
  return { segments, deadLetters, state };
}

async function readSegment(file: string): Promise<Line[]> {
  const text = await readFile(file, 'utf8');
  const lines: Line[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    lines.push(JSON.parse(line) as Line);
  }
  return lines;
}

export async function readDeadLetters(dir: string): Promise<DeadLetter[]> {
  try {
    const text = await readFile(path.join(dir, DEAD_LETTERS), 'utf8');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DeadLetter);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the data itself is synced
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process holds (two clients of one process must not share one either). */
const heldHere = new Set<string>();

/** One owner per directory: two processes appending and deleting segments would send batches twice. */
function acquireLock(dir: string): void {
  if (heldHere.has(dir)) throw new OutboxLockedError(`the outbox ${dir} is in use by process ${process.pid} (another client of this process); give each client its own outboxDir`);
  const file = path.join(dir, LOCK);
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldHere.add(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw new OutboxLockedError(`the outbox ${dir} is in use by process ${owner}; give each dialer process its own outboxDir`);
    }
    // The owner died (SIGKILL, crash): take over the stale lock.
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, String(process.pid));
    renameSync(tmp, file);
    heldHere.add(dir);
    return;
  }
}

function releaseLock(dir: string): void {
  heldHere.delete(dir);
  const file = path.join(dir, LOCK);
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}
