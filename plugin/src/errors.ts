/** Errors the plugin throws. Every one says what to do next; none carries a raw phone number from a server log. */

export class HygieneError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad option passed to the client: a programming or configuration mistake, thrown by the constructor. */
export class HygieneConfigError extends HygieneError {}

/** The server answered with an error body ({error:{code,message,field?,requestId}}). */
export class HygieneApiError extends HygieneError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(`${status} ${code}: ${message}${requestId ? ` (requestId ${requestId})` : ''}`);
  }

  /**
   * 5xx is the server's trouble and may pass, and so do 408 (timeout) and 429 (slow down): they say "not now",
   * not "never". Any other 4xx means this request will never succeed as it is.
   */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }

  /** The credential itself was refused (revoked or wrong key): nothing but a new key helps. */
  get credentialRefused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The request never got an HTTP answer: refused, reset, DNS, timeout, proxy cut. Always worth retrying. */
export class HygieneNetworkError extends HygieneError {
  constructor(
    message: string,
    readonly causeCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  readonly retryable = true;
}

/**
 * The mailing could not be filtered and the policy is fail-closed (or the failure happened after rows had
 * already been written, where no policy can make the output whole): nothing should be dialed from it.
 */
export class HygieneFilterError extends HygieneError {
  /** True when the server could not be reached at all (a retry later may work); false when it failed mid-way. */
  readonly unreachable: boolean;
  constructor(message: string, options?: { cause?: unknown; unreachable?: boolean }) {
    super(message, options);
    this.unreachable = options?.unreachable ?? false;
  }
}

/** Another live process holds the outbox directory. */
export class OutboxLockedError extends HygieneError {}

/**
 * The outbox could not make outcomes durable (disk full, read-only, I/O error): the append was undone and those
 * outcomes were NOT recorded; report them again once the disk is fixed. Outcomes acknowledged before stay safe.
 */
export class OutboxWriteError extends HygieneError {
  constructor(
    message: string,
    /** The system error code: ENOSPC, EROFS, EIO, EDQUOT… */
    readonly causeCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRetryable(error: unknown): boolean {
  return (error instanceof HygieneApiError || error instanceof HygieneNetworkError) && error.retryable;
}
