import { existsSync } from 'node:fs';
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MailingCounts } from '../../../plugin/contract/protocol';
import type { Logger } from '../../logger';
import type { SharedTable } from '../statusIndex';
import type { FilterWorkerData } from './filterWorker';
import type { FilterOptions, MailingOutput } from './rowJudge';
import { type FromWorker, fromWire, type MailingKind, PIECES_AHEAD, type ToWorker, transferable, toWire, type WorkerFilterOptions } from './workerProtocol';

/**
 * The compiled worker script. The server runs from dist/, where it sits next to this file; the test suite runs the
 * TypeScript sources (ts-jest) and uses the build that `npm test` makes first.
 */
function workerScript(): string {
  const sibling = path.join(__dirname, 'filterWorker.js');
  if (existsSync(sibling)) return sibling;
  return path.resolve(__dirname, '../../../dist/server/services/mailingFilter/filterWorker.js');
}

/** The tables a worker reads (StatusIndex.shareTables): registered once per worker, for its life. */
export interface TableSource {
  /** Returns what stops the sharing (a worker that exited). */
  shareTables(listener: (table: SharedTable) => void): () => void;
}

type Running = {
  output: MailingOutput;
  onProgress: FilterOptions['onProgress'];
  /** Output messages are written in order, one after the other. */
  chain: Promise<void>;
  outputError: unknown;
  inputError: unknown;
  credit: number;
  wakePump: (() => void) | undefined;
  finished: boolean;
  resolve(counts: MailingCounts): void;
  reject(error: unknown): void;
};

/** One worker thread and the jobs it runs. */
class FilterThread {
  readonly worker: Worker;
  readonly jobs = new Map<number, Running>();

  constructor(pseudonymKey: Buffer, nice: number, tables: TableSource, onExit: (thread: FilterThread, error: unknown) => void) {
    const channel = new MessageChannel();
    const data: FilterWorkerData = { pseudonymKey: new Uint8Array(pseudonymKey), tables: channel.port2, nice };
    this.worker = new Worker(workerScript(), { workerData: data, transferList: [channel.port2] });
    // A worker does not keep the process alive: the requests it serves do.
    this.worker.unref();
    const stopSharing = tables.shareTables((table) => channel.port1.postMessage(table));
    this.worker.on('message', (message: FromWorker) => this.received(message));
    let failure: unknown;
    this.worker.on('error', (error) => {
      failure = error;
    });
    this.worker.on('exit', (code) => {
      stopSharing();
      channel.port1.close();
      onExit(this, failure ?? new Error(`filter worker exited with code ${code}`));
    });
  }

  post(message: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  private received(message: FromWorker): void {
    const job = this.jobs.get(message.job);
    if (!job) return;
    switch (message.type) {
      case 'consumed':
        job.credit += message.pieces;
        job.wakePump?.();
        return;
      case 'progress':
        job.onProgress?.(message.counts);
        return;
      case 'begin':
        this.write(message.job, job, () => job.output.begin());
        return;
      case 'out':
        this.write(message.job, job, async () => {
          for (const { part, data } of message.parts) {
            const bytes = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
            await (part === 'kept' ? job.output.kept(bytes) : job.output.malformed(bytes));
          }
        });
        return;
      case 'done':
        this.finish(message.job, job, () => job.resolve(message.counts));
        return;
      case 'error': {
        // The main thread's own error when it caused the failure (the answer could not be written, the body could
        // not be read): the route then answers as it would have without a worker.
        const error = job.outputError ?? (message.error.app ? fromWire(message.error) : (job.inputError ?? fromWire(message.error)));
        this.finish(message.job, job, () => job.reject(error));
        return;
      }
    }
  }

  /** Writes one output message after the ones before it, then tells the worker (flow control). */
  private write(id: number, job: Running, write: () => Promise<void>): void {
    job.chain = job.chain.then(async () => {
      let failed = job.outputError !== undefined;
      if (!failed) {
        try {
          await write();
        } catch (error) {
          job.outputError = error;
          failed = true;
        }
      }
      if (this.jobs.has(id)) this.post({ type: 'ack', job: id, failed });
    });
  }

  private finish(id: number, job: Running, settle: () => void): void {
    void job.chain.then(() => {
      this.jobs.delete(id);
      job.finished = true;
      job.wakePump?.();
      settle();
    });
  }
}

/**
 * Filter workers (FILTER_WORKERS, docs/performance.md "Isolation"): a mailing's parsing, lookups and answer text are
 * made in a worker thread; the main thread only moves its bytes (body in, answer out) and keeps the record. Each
 * worker reads the status tables from shared memory (StatusIndex.shareTables), so a mailing sees every status the
 * main thread wrote before each of its batches, as on the main thread. A worker that dies fails the mailings it was
 * filtering (their summary says so) and is replaced.
 */
export class FilterPool {
  private readonly threads: FilterThread[] = [];
  private nextJob = 1;
  private closing = false;

  constructor(
    size: number,
    private readonly pseudonymKey: Buffer,
    private readonly tables: TableSource,
    private readonly clock: () => Date,
    private readonly logger: Logger,
    /** The workers' nice value (FILTER_WORKER_NICE): above 0, the main thread's requests go first on busy cores. */
    private readonly nice = 0,
  ) {
    for (let i = 0; i < size; i++) this.threads.push(this.spawn());
  }

  get size(): number {
    return this.threads.length;
  }

  private spawn(): FilterThread {
    return new FilterThread(this.pseudonymKey, this.nice, this.tables, (thread, error) => this.exited(thread, error));
  }

  private exited(thread: FilterThread, error: unknown): void {
    for (const job of thread.jobs.values()) {
      job.finished = true;
      job.wakePump?.();
      job.reject(error);
    }
    thread.jobs.clear();
    const index = this.threads.indexOf(thread);
    if (index < 0 || this.closing) return;
    this.logger.error({ err: error }, 'filter worker stopped; starting another');
    this.threads[index] = this.spawn();
  }

  /** Filters one mailing in the least busy worker; resolves with its counts once its whole answer is written. */
  run(kind: MailingKind, request: { tenantId: string; input: AsyncIterable<Buffer>; output: MailingOutput; options: FilterOptions }): Promise<MailingCounts> {
    const thread = this.threads.reduce((least, candidate) => (candidate.jobs.size < least.jobs.size ? candidate : least));
    const id = this.nextJob++;
    const { onProgress, order: _order, ...rest } = request.options;
    const options: WorkerFilterOptions = rest;
    return new Promise<MailingCounts>((resolve, reject) => {
      const job: Running = {
        output: request.output,
        onProgress,
        chain: Promise.resolve(),
        outputError: undefined,
        inputError: undefined,
        credit: PIECES_AHEAD,
        wakePump: undefined,
        finished: false,
        resolve,
        reject,
      };
      thread.jobs.set(id, job);
      thread.post({ type: 'start', job: id, kind, tenantId: request.tenantId, nowMs: this.clock().getTime(), options });
      void this.pump(thread, id, job, request.input);
    });
  }

  /** Sends the body to the worker as it arrives, at most PIECES_AHEAD pieces ahead of the worker's reading. */
  private async pump(thread: FilterThread, id: number, job: Running, input: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const piece of input) {
        while (job.credit === 0 && !job.finished) {
          await new Promise<void>((resolve) => {
            job.wakePump = resolve;
          });
          job.wakePump = undefined;
        }
        if (job.finished) return;
        job.credit--;
        const bytes = transferable(piece);
        thread.post({ type: 'chunk', job: id, data: bytes }, [bytes.buffer as ArrayBuffer]);
      }
      if (!job.finished) thread.post({ type: 'end', job: id });
    } catch (error) {
      job.inputError = error;
      if (!job.finished) thread.post({ type: 'fail', job: id, error: toWire(error) });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }
}
