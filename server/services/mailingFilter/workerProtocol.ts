import type { MailingCounts } from '../../../plugin/contract/protocol';
import { AppError, type ErrorCode } from '../../errors';
import type { FilterOptions } from './rowJudge';

/**
 * The messages between the main thread and a filter worker (filterPool.ts, filterWorker.ts). Each names its job: a
 * worker filters several mailings at once, interleaved like the event loop interleaves them.
 */
export type MailingKind = 'csv' | 'json' | 'ndjson';

/** What a worker needs of FilterOptions: everything but the callbacks and order=best (which stays on the main thread). */
export type WorkerFilterOptions = Pick<FilterOptions, 'hygiene' | 'ninthDigit' | 'ninthDigitColumn' | 'maxRecordBytes' | 'phoneColumns' | 'sliceMs'>;

/** An error as it crosses threads: an AppError keeps its code, field and Retry-After. */
export type WireError = { message: string; stack?: string; app?: { code: ErrorCode; message: string; field?: string; retryAfterSeconds?: number } };

export type ToWorker =
  | { type: 'start'; job: number; kind: MailingKind; tenantId: string; nowMs: number; options: WorkerFilterOptions }
  /** A piece of the body, its own ArrayBuffer (transferred). */
  | { type: 'chunk'; job: number; data: Uint8Array }
  | { type: 'end'; job: number }
  /** Reading the body failed (the client went away, a body limit): the filter sees the error where it reads. */
  | { type: 'fail'; job: number; error: WireError }
  /** An output message was written (`failed`: writing it failed, and so will every later one). */
  | { type: 'ack'; job: number; failed: boolean };

export type OutPart = { part: 'kept' | 'malformed'; data: string | Uint8Array };

export type FromWorker =
  /** `pieces` body pieces were taken: the main thread may send as many more. */
  | { type: 'consumed'; job: number; pieces: number }
  | { type: 'begin'; job: number }
  /** Parts of the answer, written in order (a batch's kept rows, then its malformed ones). */
  | { type: 'out'; job: number; parts: OutPart[] }
  /** The counts so far: at most every PROGRESS_POST_MS, and always before an 'error' (the failure summary's counts). */
  | { type: 'progress'; job: number; counts: MailingCounts }
  | { type: 'done'; job: number; counts: MailingCounts }
  | { type: 'error'; job: number; error: WireError };

/**
 * Body pieces the main thread sends ahead of the worker's reading, and how many the worker takes before it says so
 * (it also says so before it waits for more): every message wakes the other thread, which on busy cores may take
 * the core of the thread that posted it.
 */
export const PIECES_AHEAD = 8;
export const PIECES_PER_ACK = 4;

/** How often a worker posts a job's counts while it runs (the main thread saves them every few seconds). */
export const PROGRESS_POST_MS = 100;

export function toWire(error: unknown): WireError {
  if (error instanceof AppError) {
    const app = { code: error.code, message: error.detail, ...(error.field ? { field: error.field } : {}), ...(error.retryAfterSeconds ? { retryAfterSeconds: error.retryAfterSeconds } : {}) };
    return { message: error.message, ...(error.stack ? { stack: error.stack } : {}), app };
  }
  const plain = error instanceof Error ? error : new Error(String(error));
  return { message: plain.message, ...(plain.stack ? { stack: plain.stack } : {}) };
}

/** The error again, on the other side: an AppError as the same AppError (same status, code, field and message). */
export function fromWire(wire: WireError): Error {
  if (wire.app) {
    const error = new AppError(wire.app.code, wire.app.message, wire.app.field);
    if (wire.app.retryAfterSeconds) error.withRetryAfter(wire.app.retryAfterSeconds);
    return error;
  }
  const error = new Error(wire.message);
  if (wire.stack) error.stack = wire.stack;
  return error;
}

/** A Buffer's bytes in an ArrayBuffer of their own, to transfer (a Buffer may be a slice of a larger or pooled one). */
export function ownBytes(data: Uint8Array): Uint8Array {
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return copy;
}

/**
 * Pieces whose owner gave them up: nothing reads them after they are sent, so their ArrayBuffer may move to the
 * other thread as it is. Marked by who knows it (the mailing route's body reader: Node's HTTP parser copies each
 * body piece into a fresh ArrayBuffer of its own).
 */
const givenUp = new WeakSet<Uint8Array>();
export function giveUp(data: Uint8Array): void {
  givenUp.add(data);
}

/**
 * `data` ready to transfer: itself when it was given up and spans its whole ArrayBuffer (never a pooled slice), else
 * a copy. Each copy is an ArrayBuffer more for the thread's garbage collector: on the event loop, ~50 MB/s of them
 * while a big mailing streams brought a full collection every ~0.4 s (V8 counts ArrayBuffer bytes towards its
 * external-memory trigger).
 */
export function transferable(data: Uint8Array): Uint8Array {
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
  return whole && givenUp.has(data) ? data : ownBytes(data);
}
