import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MailingCounts } from '../../../plugin/contract/protocol';
import type { PseudonymBatch } from '../../domain/pseudonym';
import { Pseudonymizer } from '../../domain/pseudonym';
import { PhoneClassifier } from '../phoneClassifier';
import type { SharedTable, StatusReader } from '../statusIndex';
import { TableView } from '../statusTable';
import { filterCsv } from './csv';
import { filterJsonContacts, jsonArrayContacts, ndjsonContacts } from './json';
import type { MailingOutput } from './rowJudge';
import { type FromWorker, fromWire, giveUp, type OutPart, PIECES_PER_ACK, PROGRESS_POST_MS, type ToWorker, transferable, toWire, type WireError } from './workerProtocol';

/**
 * A filter worker (filterPool.ts starts them): runs filterCsv / filterJsonContacts, the CPU of a mailing, off the
 * main thread, so the main thread's event loop stays free for other tenants' lookups, ingest and /healthz while a
 * 10M-row mailing streams. It reads the status tables the main thread writes, through shared memory.
 */
export type FilterWorkerData = { pseudonymKey: Uint8Array; tables: MessagePort; nice: number };

/**
 * Lowers this thread's scheduling priority (Linux: a thread's nice value is its own, set through its thread id).
 * On cores shared with the main thread, PostgreSQL and the clients, the main thread's short requests (lookups,
 * ingest, /healthz) then get a core as soon as they are ready, ahead of a long mailing's filtering; on idle cores
 * the mailing runs as fast as before. Where the thread id cannot be read (not Linux), nothing changes.
 */
function lowerPriority(nice: number): void {
  if (nice === 0) return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, nice);
  } catch {
    // Not Linux, or no /proc: the worker runs at the process's priority.
  }
}

/** Output messages a job may have in flight before it waits for the main thread to have written them. */
const OUTPUT_WINDOW = 4;

/**
 * The main thread's status tables, as this worker sees them. The main thread posts a table's arrays when it is
 * created or has grown (StatusIndex.shareTables), before it writes anything into the new arrays; taking every posted
 * table before each batch of lookups therefore shows each batch every status written before the batch began.
 */
class SharedStatusReader implements StatusReader {
  private pool = new TableView({ his: new Int32Array(2), los: new Int32Array(2), statuses: new Uint8Array(2), shift: 31 });
  private readonly overrides = new Map<bigint, TableView>();

  constructor(private readonly port: MessagePort) {
    this.beginBatch();
  }

  beginBatch(): void {
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const table = message.message as SharedTable;
      if (table.viewer === undefined) this.pool = new TableView(table.arrays);
      else this.overrides.set(table.viewer, new TableView(table.arrays));
    }
  }

  statusAt(batch: PseudonymBatch, i: number): number {
    return this.pool.get(batch.hi(i), batch.lo(i));
  }

  overrideAt(viewer: bigint, batch: PseudonymBatch, i: number): number {
    const table = this.overrides.get(viewer);
    return table ? table.get(batch.hi(i), batch.lo(i)) - 1 : -1;
  }

  hasOverrides(viewer: bigint): boolean {
    return this.overrides.has(viewer);
  }
}

/** One mailing being filtered here: its body as it arrives, its answer as it leaves, with flow control both ways. */
class Job {
  private readonly pieces: Uint8Array[] = [];
  private ended = false;
  private inputFailure: Error | undefined;
  private wake: (() => void) | undefined;
  private inFlight = 0;
  private outputFailed = false;
  private acked: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly post: (message: FromWorker, transfer?: ArrayBuffer[]) => void,
  ) {}

  received(message: ToWorker): void {
    if (message.type === 'chunk') this.pieces.push(message.data);
    else if (message.type === 'end') this.ended = true;
    else if (message.type === 'fail') this.inputFailure = fromWire(message.error);
    else if (message.type === 'ack') {
      this.inFlight--;
      if (message.failed) this.outputFailed = true;
      this.acked?.();
      return;
    }
    this.wake?.();
  }

  /** Pieces taken and not yet acknowledged to the main thread. */
  private taken = 0;

  async *input(): AsyncGenerator<Buffer> {
    for (;;) {
      const piece = this.pieces.shift();
      if (piece) {
        if (++this.taken === PIECES_PER_ACK) this.acknowledge();
        yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      } else if (this.inputFailure) {
        throw this.inputFailure;
      } else if (this.ended) {
        return;
      } else {
        // Every piece taken is acknowledged before waiting, so the main thread always has credit to send the next,
        // and the answer's parts held go out: a mailing that pauses has its rows so far written meanwhile.
        this.acknowledge();
        this.postPending();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    }
  }

  private acknowledge(): void {
    if (this.taken === 0) return;
    this.post({ type: 'consumed', job: this.id, pieces: this.taken });
    this.taken = 0;
  }

  /** The last counts the filter reported, until posted. */
  private unposted: MailingCounts | undefined;
  private progressPostedAt = 0;

  progress(counts: MailingCounts): void {
    // A copy: the filter goes on counting into the same object, and a failure must report the last whole batch.
    this.unposted = { ...counts };
    const now = performance.now();
    if (now - this.progressPostedAt >= PROGRESS_POST_MS) {
      this.progressPostedAt = now;
      this.flushProgress();
    }
  }

  /** Posts the counts not yet posted (before an 'error': the failure summary shows the rows filtered until then). */
  flushProgress(): void {
    if (this.unposted === undefined) return;
    this.post({ type: 'progress', job: this.id, counts: this.unposted });
    this.unposted = undefined;
  }

  readonly output: MailingOutput = {
    begin: () => this.send({ type: 'begin', job: this.id }),
    kept: (data) => this.sendPart('kept', data),
    malformed: (data) => this.sendPart('malformed', data),
  };

  /**
   * A batch's parts go out in one message: a kept part waits for the malformed part after it (or for the next kept
   * part, the end, or the input running dry), so the main thread is woken once per batch, not once per part.
   */
  private pending: OutPart[] = [];
  private pendingTransfer: ArrayBuffer[] = [];

  private async sendPart(part: 'kept' | 'malformed', data: string | Buffer): Promise<void> {
    if (this.outputFailed) throw new Error('the answer could not be written');
    if (part === 'kept' && this.pending.length > 0) await this.flush();
    if (typeof data === 'string') this.pending.push({ part, data });
    else {
      // The filter's parts are fresh encodings it never reads again (MailingOutput hands them over).
      giveUp(data);
      const bytes = transferable(data);
      this.pending.push({ part, data: bytes });
      this.pendingTransfer.push(bytes.buffer as ArrayBuffer);
    }
    if (part === 'malformed') await this.flush();
  }

  /** Posts the parts held, without waiting for the window (the input ran dry, or the job failed). */
  postPending(): void {
    if (this.pending.length === 0) return;
    this.post({ type: 'out', job: this.id, parts: this.pending }, this.pendingTransfer);
    this.inFlight++;
    this.pending = [];
    this.pendingTransfer = [];
  }

  private async flush(): Promise<void> {
    this.postPending();
    await this.window();
  }

  private async send(message: FromWorker, transfer?: ArrayBuffer[]): Promise<void> {
    if (this.outputFailed) throw new Error('the answer could not be written');
    this.post(message, transfer);
    this.inFlight++;
    await this.window();
  }

  /** Waits while OUTPUT_WINDOW output messages are in flight. */
  private async window(): Promise<void> {
    while (this.inFlight >= OUTPUT_WINDOW) await this.ackArrived();
    if (this.outputFailed) throw new Error('the answer could not be written');
  }

  /** Every output written by the main thread: the job's answer is complete before it says done. */
  async settled(): Promise<void> {
    this.postPending();
    while (this.inFlight > 0) await this.ackArrived();
    if (this.outputFailed) throw new Error('the answer could not be written');
  }

  private ackArrived(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.acked = resolve;
    });
  }
}

function serve(port: MessagePort, data: FilterWorkerData): void {
  lowerPriority(data.nice);
  const pseudonymizer = new Pseudonymizer(Buffer.from(data.pseudonymKey));
  const reader = new SharedStatusReader(data.tables);
  const jobs = new Map<number, Job>();
  const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

  const run = async (job: Job, start: Extract<ToWorker, { type: 'start' }>): Promise<MailingCounts> => {
    const classifier = new PhoneClassifier(pseudonymizer, reader, () => new Date(start.nowMs)).forTenant(start.tenantId);
    const options = { ...start.options, onProgress: (counts: MailingCounts) => job.progress(counts) };
    const counts =
      start.kind === 'csv'
        ? await filterCsv(job.input(), job.output, classifier, options)
        : await filterJsonContacts(start.kind === 'ndjson' ? ndjsonContacts(job.input(), options.maxRecordBytes) : jsonArrayContacts(job.input()), job.output, classifier, options);
    await job.settled();
    return counts;
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'start') {
      const job = new Job(message.job, post);
      jobs.set(message.job, job);
      run(job, message).then(
        (counts) => post({ type: 'done', job: job.id, counts }),
        (error: unknown) => {
          job.postPending();
          job.flushProgress();
          const wire: WireError = toWire(error);
          post({ type: 'error', job: job.id, error: wire });
        },
      ).finally(() => jobs.delete(job.id));
      return;
    }
    jobs.get(message.job)?.received(message);
  });
}

if (parentPort) serve(parentPort, workerData as FilterWorkerData);
