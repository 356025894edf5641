/** The closed set of error codes clients can see, and their HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_CSV: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** More outcomes in one batch than MAX_BATCH_SIZE: the client should split it, not give up on its items. */
  BATCH_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A typed domain error. `field` names the offending input ("outcomes[3].phone") when there is one. */
export class AppError extends Error {
  /** Seconds a client should wait before trying again (429, 503): sent as Retry-After. */
  retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ErrorCode,
    /** The message as given, without the field in front (`message` has it): what rebuilds the same error elsewhere. */
    readonly detail: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
  withRetryAfter(seconds: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(seconds));
    return this;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const invalid = (field: string, message: string) => new AppError('VALIDATION_FAILED', message, field);
