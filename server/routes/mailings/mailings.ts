import { Router, type Request, type Response } from 'express';
import type { Services } from '../../services/container';
import type { MailingFormat } from '../../services/mailings';
import { AppError } from '../../errors';
import { authenticated } from '../../http/auth';
import { ctxOf, principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageQuery, pageRequest } from '../../http/page';
import { filterQuery, mailingIdParams, mailingParams, statsQuery } from './schema';

function inputFormat(req: Request): MailingFormat {
  const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv' || type === 'text/plain') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return 'ndjson';
  if (type === 'application/json') return 'json';
  throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be text/csv, application/x-ndjson or application/json (got "${type || 'none'}")`, 'content-type');
}

/**
 * The body, bounded in size. A client that sends nothing for HTTP_IDLE_TIMEOUT_MS (the server's socket timeout)
 * gets REQUEST_TIMEOUT on the body — the 408, or the summary's error once the answer has started — rather than a
 * dropped connection: a listener on the request's 'timeout' is what keeps Node from destroying the socket.
 */
async function* readBody(req: Request, res: Response, maxBytes: number, idleTimeoutMs: number): AsyncGenerator<Buffer> {
  let cut!: () => void;
  const stalled = new Promise<never>((_resolve, reject) => {
    cut = () => {
      if (!res.headersSent) res.setHeader('Connection', 'close'); // the rest of the body is not read
      reject(new AppError('REQUEST_TIMEOUT', `nothing received for ${idleTimeoutMs} ms (HTTP_IDLE_TIMEOUT_MS); the mailing was cut`, 'body'));
    };
  });
  stalled.catch(() => undefined);
  req.once('timeout', cut);
  // Read by hand, not with for-await: its cleanup would destroy the request, and the socket with the 408.
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let total = 0;
  try {
    for (;;) {
      const next = chunks.next();
      next.catch(() => undefined); // still pending when the stream is cut; it fails with the socket
      const { value: chunk, done } = await Promise.race([next, stalled]);
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `the mailing is larger than the limit of ${maxBytes} bytes`, 'body');
      yield chunk;
    }
  } finally {
    req.off('timeout', cut);
  }
}

export function mailingRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);

  /** Filters a mailing, streaming in and out (see MailingService.filter). The server keeps its counts, never its phones. */
  router.post('/v1/campaigns/:campaignId/mailings', anyone, async (req: Request, res: Response) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    const query = parseInput(filterQuery, req.query, 'query');
    const format = inputFormat(req);
    const maxBytes = format === 'json' ? services.config.maxJsonBodyBytes : services.config.maxMailingBytes;
    await services.mailings.filter({
      tenantId: principalOf(res).tenantId,
      campaignId,
      format,
      ...(query.name ? { name: query.name } : {}),
      ...(query.phoneColumns ? { phoneColumns: query.phoneColumns } : {}),
      body: readBody(req, res, maxBytes, services.config.http.idleTimeoutMs),
      answer: { start: (headers) => res.writeHead(200, headers), body: res },
      logger: ctxOf(res).logger,
    });
  });

  router.get('/v1/campaigns/:campaignId/mailings', anyone, async (req, res) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    const page = pageRequest(parseInput(pageQuery, req.query, 'query'));
    res.json(await services.mailings.list(principalOf(res).tenantId, campaignId, page));
  });

  router.get('/v1/mailings/:mailingId', anyone, async (req, res) => {
    const { mailingId } = parseInput(mailingIdParams, req.params, 'params');
    res.json(await services.mailings.get(principalOf(res).tenantId, mailingId));
  });

  router.get('/v1/stats/daily', anyone, async (req, res) => {
    const query = parseInput(statsQuery, req.query, 'query');
    res.json({ days: await services.mailings.dailyStatusMix(principalOf(res).tenantId, query.campaignId, query.days) });
  });

  return router;
}
