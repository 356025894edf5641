import type { Logger } from '../logger';
import { DependencyHealth } from '../infra/health';

/**
 * Which errors mean "PostgreSQL cannot be reached right now" rather than "this query is wrong". Checked against
 * what @prisma/adapter-pg 7 and pg 8 throw here (test/faults/postgres-outage.test.ts stops a real server):
 * - PrismaClientKnownRequestError P1001 "Can't reach database server" (ORM calls while the server is down);
 * - P2010 (raw queries) carrying meta.driverAdapterError.cause: { kind: 'DatabaseNotReachable' } (refused),
 *   'ConnectionClosed' (reset), 'SocketTimeout', 'TooManyConnections', or { kind: 'postgres', code } with a
 *   SQLSTATE of class 08 (connection exception) or 57P01-57P03 (admin/crash shutdown, cannot connect now);
 * - plain pg Errors the adapter passes through: "Connection terminated unexpectedly" (a session killed by an
 *   immediate stop), "timeout exceeded when trying to connect" (pool), and Node socket errors.
 * Prisma's other connectivity codes (P1002, P1008, P1017, P2024) are listed for the engines that raise them.
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const SQLSTATE = /^(08...|57P0[123]|53300)$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Can't reach database server/i;

type ErrorLike = { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: unknown } }; cause?: unknown };

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const candidate = error as ErrorLike;
  const code = typeof candidate.code === 'string' ? candidate.code : undefined;
  if (code && (PRISMA_CODES.has(code) || SQLSTATE.test(code) || SOCKET_CODES.has(code))) return true;
  if (typeof candidate.kind === 'string' && ADAPTER_KINDS.has(candidate.kind)) return true;
  if (typeof candidate.originalCode === 'string' && SQLSTATE.test(candidate.originalCode)) return true;
  if (typeof candidate.message === 'string' && MESSAGES.test(candidate.message)) return true;
  return isDatabaseUnavailable(candidate.meta?.driverAdapterError, depth + 1) || isDatabaseUnavailable(candidate.cause, depth + 1);
}

/** Seconds a client should wait before retrying a request refused because the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * PostgreSQL's availability as this instance sees it. A request that meets a connectivity error reports it
 * here: the first of an outage logs one warning and starts a probe (SELECT 1 every probeMs), whose first
 * success logs "database back"; requests in between are answered 503 without a line of their own. The pool
 * needs no help to recover: pg drops broken clients and opens new ones on demand.
 */
export class DatabaseAvailability {
  readonly health: DependencyHealth;
  private probing: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly probe: () => Promise<unknown>,
    logger: Logger,
    private readonly probeMs = 500,
  ) {
    this.health = new DependencyHealth('database', logger, 'answering 503 UNAVAILABLE with Retry-After');
  }

  /** True when `error` is a connectivity error (then recorded as part of the outage). */
  noteFailure(error: unknown): boolean {
    if (!isDatabaseUnavailable(error)) return false;
    if (this.health.markDown(describe(error))) this.probeUntilBack();
    return true;
  }

  /** A live check for /readyz: up or down now, and why. Errors that are not about connectivity are thrown. */
  async check(timeoutMs = 2000): Promise<{ up: true } | { up: false; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.probe(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
        }),
      ]);
      this.health.markUp();
      return { up: true };
    } catch (error) {
      if (!this.noteFailure(error)) throw error;
      return { up: false, reason: describe(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.probing);
  }

  private probeUntilBack(): void {
    if (this.stopped || this.probing) return;
    this.probing = setTimeout(async () => {
      this.probing = undefined;
      try {
        await this.probe();
        this.health.markUp();
      } catch (error) {
        // An error of another kind is still an answer: the database is reachable.
        if (this.noteFailure(error)) this.probeUntilBack();
        else this.health.markUp();
      }
    }, this.probeMs);
    this.probing.unref();
  }
}

/** A one-line reason without the stack or Prisma's multi-line invocation text. */
function describe(error: unknown): string {
  const candidate = error as ErrorLike;
  const cause = candidate.meta?.driverAdapterError?.cause as ErrorLike | undefined;
  const kind = typeof cause?.kind === 'string' ? cause.kind : undefined;
  const code = [candidate.code, cause?.originalCode ?? cause?.code].filter((part) => typeof part === 'string' && part !== 'N/A').join('/');
  const message = String(candidate.message ?? error).trim().split('\n').filter(Boolean).at(-1) ?? '';
  return [kind, code, message].filter(Boolean).join(': ').slice(0, 300);
}
