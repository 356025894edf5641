import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../infra/metrics';
import { ctxOf } from './context';

/** The label of a request no route matched (404s, the operator guard's 401s, static assets): one value, not its path. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route template ("/v1/campaigns/:campaignId"), never the raw path: paths carry campaign ids, codes and
 * tenant slugs, and a log line or a metric label per distinct value would leak them and explode cardinality.
 * Express keeps req.route set after the handler, so it is still there when the response closes.
 */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}

/**
 * One access-log line and one latency observation per request, when its response closes (sent, or its connection
 * cut: `aborted` says which). Fields: method, route template, status, duration in ms, tenant id (once
 * authenticated) and the request id bound to the request's logger. Never a body, a query string or a header:
 * bodies and queries of this API carry phone numbers.
 */
export function accessLog(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      const ctx = ctxOf(res);
      const tenantId = ctx.principal?.tenantId;
      metrics.observeRequest(req.method, route, res.statusCode, seconds);
      ctx.logger.info(
        {
          method: req.method,
          route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          ...(tenantId ? { tenantId } : {}),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    next();
  };
}
