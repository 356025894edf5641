import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import { ctxOf } from './context';
import { DATABASE_RETRY_AFTER_SECONDS, type DatabaseAvailability } from '../db/availability';
import { isUndecodableParam, undecodableParamError } from './params';

type BodyParserError = Error & { type?: string; status?: number; limit?: number };

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new AppError('INVALID_JSON', `the body is not valid JSON (${parserError.message})`, 'body');
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', `the body is larger than the limit of ${parserError.limit} bytes`, 'body');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', parserError.message, 'body');
    default:
      return undefined;
  }
}

/**
 * The one error middleware: {error: {code, message, field?, requestId}}; only 5xx are logged as errors. A
 * database connectivity error is a 503 UNAVAILABLE with Retry-After, not a bug: `database` logs the outage once
 * (see db/availability.ts), so such a request gets a debug line, not a stack each.
 */
export function errorHandler(database?: DatabaseAvailability) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ctx = ctxOf(res);
    if (database?.noteFailure(error)) {
      ctx.logger.debug({ code: 'UNAVAILABLE' }, 'request refused: database unavailable');
      if (res.headersSent) return void res.destroy();
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      const unavailable = new AppError('UNAVAILABLE', `the database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} s or more`);
      res.status(unavailable.status).json({ error: { code: unavailable.code, message: unavailable.message, requestId: ctx.requestId } });
      return;
    }
    const known = isUndecodableParam(error) ? undecodableParamError(req, error) : toAppError(error);
    if (known) {
      ctx.logger.info({ code: known.code, field: known.field }, 'request rejected');
    } else {
      ctx.logger.error({ err: error }, 'request failed');
    }
    const appError = known ?? new AppError('INTERNAL', 'internal error; quote the request id when reporting it');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (appError.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, ...(appError.field ? { field: appError.field } : {}), requestId: ctx.requestId },
    });
  };
}

export function notFoundHandler() {
  return (req: Request, _res: Response, next: NextFunction) => next(new AppError('NOT_FOUND', `no route ${req.method} ${req.path}`));
}
