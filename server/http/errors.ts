import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors';
import { ctxOf } from './context';

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

/** The one error middleware: {error: {code, message, field?, requestId}}; only 5xx are logged as errors. */
export function errorHandler() {
  return (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const ctx = ctxOf(res);
    const known = toAppError(error);
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
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, ...(appError.field ? { field: appError.field } : {}), requestId: ctx.requestId },
    });
  };
}

export function notFoundHandler() {
  return (req: Request, _res: Response, next: NextFunction) => next(new AppError('NOT_FOUND', `no route ${req.method} ${req.path}`));
}
