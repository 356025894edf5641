import { StringDecoder } from 'node:string_decoder';
import { Router, type Request, type Response } from 'express';
import type { MailingCounts, MailingView } from '../../../plugin/src/shared/protocol';
import type { Services } from '../../services/container';
import { AppError } from '../../errors';
import { authenticated } from '../../http/auth';
import { ctxOf, principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { filterCsv, filterJsonContacts, type MailingOutput } from '../../services/mailingFilter';
import { emptyCounts, type MailingRecord } from '../../services/mailings';
import { MultipartCsvOutput, NdjsonOutput } from './output';
import { filterQuery, mailingIdParams, mailingParams, statsQuery } from './schema';

type InputKind = MailingView['format'];

function inputKind(req: Request): InputKind {
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

async function* ndjsonContacts(input: AsyncIterable<Buffer>): AsyncGenerator<{ contact: unknown; line: number }> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  const parse = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AppError('INVALID_JSON', `line ${line}: ${(error as Error).message}`, 'body');
    }
  };
  for await (const chunk of input) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const text of lines) {
      line++;
      if (text.trim()) yield { contact: parse(text), line };
    }
  }
  rest += decoder.end();
  line++;
  if (rest.trim()) yield { contact: parse(rest), line };
}

async function* jsonArrayContacts(input: AsyncIterable<Buffer>): AsyncGenerator<{ contact: unknown; line: number }> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(chunk);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new AppError('INVALID_JSON', `the body is not valid JSON (${(error as Error).message})`, 'body');
  }
  const contacts = Array.isArray(parsed) ? parsed : (parsed as { contacts?: unknown } | null)?.contacts;
  if (!Array.isArray(contacts)) throw new AppError('VALIDATION_FAILED', 'must be an array of contacts or {"contacts": [...]}', 'body');
  let line = 0;
  for (const contact of contacts) yield { contact, line: ++line };
}

export function mailingRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);

  /**
   * Filters a mailing, streaming in and out. CSV → multipart/mixed (kept, malformed, summary);
   * JSON array / NDJSON → NDJSON. The server keeps the mailing's counts, never its phones.
   */
  router.post('/v1/campaigns/:campaignId/mailings', anyone, async (req: Request, res: Response) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    const query = parseInput(filterQuery, req.query, 'query');
    const tenantId = principalOf(res).tenantId;
    const kind = inputKind(req);
    const campaign = await services.campaigns.find(tenantId, campaignId);
    const maxBytes = kind === 'json' ? services.config.maxJsonBodyBytes : services.config.maxMailingBytes;
    const name = query.name ?? `mailing ${new Date().toISOString()}`;

    let mailing: MailingRecord | undefined;
    let latest: MailingCounts = emptyCounts();
    let lastProgressAt = Date.now();
    let output: MultipartCsvOutput | NdjsonOutput | undefined;
    const sink: MailingOutput = {
      async begin() {
        mailing = services.mailings.begin(tenantId, campaign, { name, format: kind, hygieneApplied: campaign.hygieneEnabled });
        const headers = { 'X-Mailing-Id': mailing.id, 'X-Hygiene-Applied': String(campaign.hygieneEnabled) };
        output = kind === 'csv' ? new MultipartCsvOutput(res, headers) : new NdjsonOutput(res, headers);
        await output.begin();
      },
      kept: (text) => output!.kept(text),
      malformed: (text) => output!.malformed(text),
    };
    const options = {
      hygiene: campaign.hygieneEnabled,
      ...(query.phoneColumns ? { phoneColumns: query.phoneColumns } : {}),
      onProgress: (counts: MailingCounts) => {
        latest = counts;
        if (mailing && Date.now() - lastProgressAt > 1000) {
          lastProgressAt = Date.now();
          mailing.save(counts, 'running').catch(() => undefined);
        }
      },
    };

    const input = readBody(req, res, maxBytes, services.config.http.idleTimeoutMs);
    let failure: AppError | undefined;
    try {
      latest =
        kind === 'csv'
          ? await filterCsv(input, sink, services.classifier, options)
          : await filterJsonContacts(kind === 'ndjson' ? ndjsonContacts(input) : jsonArrayContacts(input), sink, services.classifier, options);
    } catch (error) {
      if (!mailing) throw error; // nothing sent yet: a plain 4xx/5xx
      failure = error instanceof AppError ? error : new AppError('INTERNAL', 'the mailing could not be filtered completely');
      if (!(error instanceof AppError)) ctxOf(res).logger.error({ err: error }, 'mailing filter failed mid-stream');
    }
    try {
      const view = await mailing!.save(latest, failure ? 'failed' : 'completed');
      if (!res.destroyed) {
        await output!.finish(failure ? { ...view, error: { code: failure.code, message: failure.message, field: failure.field } } : view);
      }
    } finally {
      await output?.dispose();
    }
  });

  router.get('/v1/campaigns/:campaignId/mailings', anyone, async (req, res) => {
    const { campaignId } = parseInput(mailingParams, req.params, 'params');
    res.json(await services.mailings.list(principalOf(res).tenantId, campaignId));
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
