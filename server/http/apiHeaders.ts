import type { RequestHandler } from 'express';

/**
 * Headers of every answer: API answers carry tenants' data (campaigns, counts, tokens at sign-in), so no cache on
 * the way (a shared proxy, the browser's disk) keeps them; and no content sniffing turns a JSON or CSV answer into
 * a page. The console's own files set their Cache-Control afterwards (routes/console/console.ts), replacing this.
 */
export function apiHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}
