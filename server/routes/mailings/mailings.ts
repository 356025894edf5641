import { Router, type Request, type Response } from 'express';
import type { Services } from '../../services/container';
import type { MailingFormat } from '../../services/mailings';
import { AppError, invalid } from '../../errors';
import { authenticated } from '../../http/auth';
import { ctxOf, principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageRequest } from '../../http/page';
import { giveUp } from '../../services/mailingFilter/workerProtocol';
import { filterQuery, mailingIdParams, mailingListQuery, mailingParams, statsQuery } from './schema';

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
      // Read here only: a filter worker may take its ArrayBuffer rather than a copy.
      giveUp(chunk);
      yield chunk;
    }
  } finally {
    req.off('timeout', cut);
  }
}

/** A parser's message may quote the body ("… "11987654321x" is not valid JSON"): digit runs are cut before it is stored. */
const withoutPhones = (message: string) => message.replace(/\+?\d[\d\s().-]{6,}\d/g, '[…]');

export function mailingRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);

  /** Filters a mailing, streaming in and out (see MailingService.filter). The server keeps its counts, never its phones. */
  router.post('/v1/campaigns/:campaignId/mailings', anyone, async (req: Request, res: Response) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    const query = parseInput(filterQuery, req.query, 'query');
    const principal = principalOf(res);
    const trace = async (action: 'mailing.refused' | 'mailing.failed', target: string, error: { code: string; message: string }) => {
      const entry = { tenantId: principal.tenantId, actor: principal.actor, action, target, reason: withoutPhones(error.message), details: { code: error.code, campaign: campaignId, name: query.name ?? null } };
      try {
        if (action === 'mailing.failed') return await services.audit.record(entry);
        // A refusal costs the client nothing and has no record to bound it: one row per code and minute, with a
        // count, per campaign of the tenant (the console lists them per campaign); a campaign id that is not one
        // of the tenant's is any text, so those share one row per code.
        const known = await services.campaigns.find(principal.tenantId, campaignId).then(() => true, () => false);
        await services.audit.recordCoalesced(entry, known ? `${error.code}|${target}` : error.code);
      } catch (auditError) {
        ctxOf(res).logger.warn({ err: auditError }, 'mailing trace not recorded');
      }
    };
    let view: Awaited<ReturnType<typeof services.mailings.filter>>;
    try {
      const format = inputFormat(req);
      const maxBytes = format === 'json' ? services.config.maxJsonBodyBytes : services.config.maxMailingBytes;
      view = await services.mailings.filter({
        tenantId: principal.tenantId,
        campaignId,
        format,
        ...(query.name ? { name: query.name } : {}),
        ...(query.phoneColumns ? { phoneColumns: query.phoneColumns } : {}),
        ...(query.ninthDigitColumn ? { ninthDigitColumn: query.ninthDigitColumn } : {}),
        ...(query.order === 'best'
          ? { order: { ...(query.contactColumn ? { contactColumn: query.contactColumn } : {}), ...(query.reasonColumn ? { reasonColumn: query.reasonColumn } : {}) } }
          : {}),
        body: readBody(req, res, maxBytes, services.config.http.idleTimeoutMs),
        answer: { start: (headers) => res.writeHead(200, headers), body: res },
        logger: ctxOf(res).logger,
      });
    } catch (error) {
      // Refused before its answer began, a mailing has no record: the audit log keeps why, for the console.
      if (error instanceof AppError && error.status < 500) await trace('mailing.refused', `campaign:${campaignId}`, error);
      throw error;
    }
    if (view.error) await trace('mailing.failed', `mailing:${view.id}`, view.error);
  });

  router.get('/v1/campaigns/:campaignId/mailings', anyone, async (req, res) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    const { q, status, days, sort, order, offset, ...page } = parseInput(mailingListQuery, req.query, 'query');
    const tenantId = principalOf(res).tenantId;
    // Without search parameters the answer stays the keyset list the dialer library pages through (plugin/src).
    if (q === undefined && status === undefined && days === undefined && sort === undefined && order === undefined && offset === undefined) {
      res.json(await services.mailings.list(tenantId, campaignId, pageRequest(page)));
      return;
    }
    if (page.cursor !== undefined) throw invalid('cursor', 'cannot be combined with q, status, days, sort, order or offset (use offset)');
    const search = { sort: sort ?? 'createdAt', order: order ?? 'desc', limit: Math.min(page.limit, 200), offset: offset ?? 0 } as const;
    res.json(await services.mailingSearch.search(tenantId, campaignId, { ...search, ...(q ? { q } : {}), ...(status ? { status } : {}), ...(days ? { days } : {}) }));
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
