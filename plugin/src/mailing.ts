import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { MailingCounts, MailingView, MalformedReason } from '../contract/protocol';
import { MultipartReader, boundaryFromContentType } from '../contract/multipart';
import { HygieneApiError, HygieneFilterError } from './errors';
import { apiError, readAll, type HttpTransport } from './http';
import { HeaderCapture, openSink, type Sink } from './outputFile';

/** A CSV (or NDJSON) file path, a byte stream, or contacts as objects. */
export type MailingInput = string | Readable | AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

/** Where rows go: a file path (created), or a Writable (bytes for CSV; objects when the input is objects). */
export type MailingTarget = string | Writable;

export type FilterProgress = { bytesSent: number; rowsSent: number; keptBytes: number };

export type FilterMailingOptions = {
  campaignId: string;
  /** Name shown in the console; default "mailing <ISO date>". */
  name?: string;
  /** Phone columns (CSV header names or object keys); detected from their names by the server when absent. */
  phoneColumns?: readonly string[];
  /**
   * 'best': the server moves each kept contact's phones across its phone columns, the one most likely to reach the
   * right person first, and adds the reason of each (CSV column `motivo_ordem`). Default 'file': rows come back byte
   * for byte (only invalid phones blanked). Applies to hygiene-enabled campaigns.
   */
  order?: 'file' | 'best';
  /** With order 'best': the CPF or contact-id column; default detected by the server (cpf, lead_id, contato…). */
  contactColumn?: string;
  /** With order 'best', CSV: the reason column's name; default `motivo_ordem`. */
  reasonColumn?: string;
  /** Rows to dial: CSV header + kept rows (CSV), or kept contacts (objects). */
  kept: MailingTarget;
  /** Rows set apart: CSV with a last `hygiene_error` column, or `{contact, reasons}` objects. */
  malformed?: MailingTarget;
  /** Byte inputs only: 'ndjson' for NDJSON bytes; default from the file extension, else CSV. */
  format?: 'csv' | 'ndjson';
  onProgress?: (progress: FilterProgress) => void;
  /** Overrides the client's filterFailurePolicy for this call. */
  failurePolicy?: FilterFailurePolicy;
};

export type FilterFailurePolicy = 'fail-closed' | 'fail-open';

export type FilterResult = {
  /** The server's mailing record (counts, hygieneApplied); null when the mailing went out unfiltered. */
  mailing: MailingView | null;
  counts: MailingCounts;
  hygieneApplied: boolean;
  /** Set only under fail-open when the server could not be reached: the output is the input, untouched. */
  unfiltered: { reason: string } | null;
  bytesSent: number;
  rowsSent: number;
};

/** Output files are removed when incomplete; a caller's Writable keeps what it received. */
const INCOMPLETE = 'the output is incomplete and no output file was kept; do not dial this mailing yet';

const emptyCounts = (): MailingCounts => ({
  totalRows: 0, keptRows: 0, droppedRows: 0, malformedRows: 0, phonesTotal: 0, hygienized: 0, invalidPhones: 0, unconfirmedPhones: 0, malformedPhones: 0, ninthDigitAdded: 0,
  rightPartyQualified: 0, rightPartyNotQualified: 0, rightPartyInactive: 0, suppressedPhones: 0,
});

function isByteInput(input: MailingInput): input is string | Readable {
  return typeof input === 'string' || (input instanceof Readable && !input.readableObjectMode);
}


/** Counts bytes and line feeds on their way to the server. */
function counter(onChunk: (chunk: Buffer, bytes: number, lines: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let lines = 0;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      onChunk(chunk, chunk.length, lines);
      callback(null, chunk);
    },
  });
}

export class MailingFilter {
  constructor(
    private readonly transport: HttpTransport,
    private readonly reachable: () => Promise<void>,
    private readonly defaultPolicy: FilterFailurePolicy,
    private readonly log: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  async filter(input: MailingInput, options: FilterMailingOptions): Promise<FilterResult> {
    const policy = options.failurePolicy ?? this.defaultPolicy;
    // Reachability first, while nothing of the input is consumed: that is when fail-open can still hand the
    // mailing over untouched, whatever kind of input it is.
    try {
      await this.reachable();
    } catch (error) {
      if (error instanceof HygieneApiError && !error.retryable) throw error;
      return this.unreachable(input, options, policy, error);
    }
    const bytes = isByteInput(input);
    const format = bytes ? options.format ?? (typeof input === 'string' && /\.(nd)?jsonl?$/i.test(input) ? 'ndjson' : 'csv') : 'ndjson';
    const query = new URLSearchParams();
    if (options.name) query.set('name', options.name);
    if (options.phoneColumns?.length) query.set('phoneColumns', options.phoneColumns.join(','));
    if (options.order === 'best') {
      query.set('order', 'best');
      if (options.contactColumn) query.set('contactColumn', options.contactColumn);
      if (options.reasonColumn) query.set('reasonColumn', options.reasonColumn);
    }
    const path = `/v1/campaigns/${encodeURIComponent(options.campaignId)}/mailings${query.size ? `?${query}` : ''}`;

    const progress: FilterProgress = { bytesSent: 0, rowsSent: 0, keptBytes: 0 };
    const report = () => options.onProgress?.({ ...progress });
    const header = new HeaderCapture();
    let body: Readable;
    if (bytes) {
      const source = typeof input === 'string' ? createReadStream(input, { highWaterMark: 256 * 1024 }) : input;
      let headerSeen = format === 'ndjson';
      body = source.pipe(
        counter((chunk, n, lines) => {
          header.push(chunk);
          progress.bytesSent += n;
          progress.rowsSent += lines;
          if (!headerSeen && lines > 0) {
            headerSeen = true;
            progress.rowsSent--; // the header line is not a row
          }
          report();
        }),
      );
      source.on('error', (error: Error) => body.destroy(error));
    } else {
      body = Readable.from(ndjsonLines(input as AsyncIterable<Record<string, unknown>>, (n) => {
        progress.bytesSent += n;
        progress.rowsSent++;
        report();
      }));
    }

    let response: IncomingMessage;
    try {
      ({ response } = await this.transport.stream(path, format === 'csv' ? 'text/csv' : 'application/x-ndjson', body));
    } catch (error) {
      body.destroy();
      // Some of the input is gone into the socket: only a file can be re-read from its start.
      if (typeof input === 'string') return this.unreachable(input, options, policy, error);
      throw new HygieneFilterError(`the mailing could not be sent (${(error as Error).message}); nothing was written, do not dial it`, { cause: error });
    }
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      body.destroy();
      const failure = apiError(status, await readAll(response, 30_000).catch(() => ''), response.headers);
      if (failure.retryable && typeof input === 'string') return this.unreachable(input, options, policy, failure);
      throw failure;
    }

    const kept = openSink(options.kept, !bytes);
    const malformed = openSink(options.malformed, !bytes);
    try {
      const summary = format === 'csv'
        ? await readMultipart(response, kept, malformed, (n) => { progress.keptBytes += n; })
        : await readNdjson(response, kept, malformed, !bytes, (n) => { progress.keptBytes += n; });
      if (!summary) throw new HygieneFilterError(`the answer ended before its summary (connection cut?): ${INCOMPLETE}`);
      if (summary.error) throw new HygieneFilterError(`the server could not finish the mailing (${summary.error.code}: ${summary.error.message}): ${INCOMPLETE}`);
      await commitOutputs(kept, malformed, format === 'csv' ? header : undefined);
      report();
      return { mailing: summary, counts: summary.counts, hygieneApplied: summary.hygieneApplied, unfiltered: null, bytesSent: progress.bytesSent, rowsSent: progress.rowsSent };
    } catch (error) {
      body.destroy();
      response.destroy();
      // Output files appear only complete: a partial one is removed, nothing is left at the final names.
      await kept.abort();
      await malformed.abort();
      if (error instanceof HygieneFilterError) throw error;
      throw new HygieneFilterError(`filtering failed mid-stream (${(error as Error).message}): ${INCOMPLETE}`, { cause: error });
    }
  }

  /** The server is out of reach: refuse (fail-closed) or hand the mailing over untouched and say so (fail-open). */
  private async unreachable(input: MailingInput, options: FilterMailingOptions, policy: FilterFailurePolicy, cause: unknown): Promise<FilterResult> {
    const reason = (cause as Error).message;
    if (policy === 'fail-closed') {
      throw new HygieneFilterError(`the hygiene server is unreachable (${reason}); policy fail-closed: the mailing was not filtered and must not be dialed yet`, { cause, unreachable: true });
    }
    this.log('the hygiene server is unreachable; policy fail-open: the mailing goes out UNFILTERED', { reason, campaignId: options.campaignId });
    const kept = openSink(options.kept, !isByteInput(input));
    const malformed = openSink(options.malformed, !isByteInput(input));
    const header = new HeaderCapture();
    let bytesSent = 0;
    let rows = 0;
    try {
      if (isByteInput(input)) {
        const source = typeof input === 'string' ? createReadStream(input) : input;
        for await (const chunk of source) {
          const buffer = chunk as Buffer;
          header.push(buffer);
          bytesSent += buffer.length;
          for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) rows++;
          await kept.write(buffer);
        }
        rows = Math.max(0, rows - 1);
      } else {
        for await (const contact of input as AsyncIterable<Record<string, unknown>>) {
          rows++;
          await kept.write(contact);
        }
      }
      const csv = isByteInput(input) && (options.format ?? (typeof input === 'string' && /\.(nd)?jsonl?$/i.test(input) ? 'ndjson' : 'csv')) === 'csv';
      await commitOutputs(kept, malformed, csv ? header : undefined);
    } catch (error) {
      await kept.abort();
      await malformed.abort();
      throw error;
    }
    const counts = { ...emptyCounts(), totalRows: rows, keptRows: rows };
    return { mailing: null, counts, hygieneApplied: false, unfiltered: { reason }, bytesSent, rowsSent: rows };
  }
}

/** Both outputs complete: an empty CSV rejects file still gets its header, then both take their final names. */
async function commitOutputs(kept: Sink, malformed: Sink, header: HeaderCapture | undefined): Promise<void> {
  const rejectsHeader = header?.rejectsHeader();
  if (malformed.written === 0 && rejectsHeader) await malformed.write(rejectsHeader);
  // Rejects first: if anything fails between the two renames, the file a dialer loads is the one missing.
  await malformed.commit();
  await kept.commit();
}

async function* ndjsonLines(contacts: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>, onLine: (bytes: number) => void): AsyncGenerator<Buffer> {
  let pending: string[] = [];
  let size = 0;
  for await (const contact of contacts) {
    const line = JSON.stringify(contact) + '\n';
    pending.push(line);
    size += line.length;
    onLine(Buffer.byteLength(line));
    if (size >= 64 * 1024) {
      yield Buffer.from(pending.join(''), 'utf8');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) yield Buffer.from(pending.join(''), 'utf8');
}

type Summary = MailingView & { error?: { code: string; message: string } };

/** multipart/mixed answer of a CSV mailing → kept bytes, malformed bytes, summary JSON. */
async function readMultipart(response: IncomingMessage, kept: Sink, malformed: Sink, onKept: (bytes: number) => void): Promise<Summary | undefined> {
  const boundary = boundaryFromContentType(String(response.headers['content-type'] ?? ''));
  if (!boundary) throw new HygieneFilterError(`unexpected answer type ${String(response.headers['content-type'])}`);
  let part = '';
  const summaryChunks: Buffer[] = [];
  let ops: { part: string; data: Buffer }[] = [];
  const reader = new MultipartReader(boundary, {
    onPartStart: (start) => (part = start.name),
    // The reader hands out views on its buffer: copy before the next push.
    onData: (chunk) => ops.push({ part, data: Buffer.from(chunk) }),
    onPartEnd: () => undefined,
  });
  for await (const chunk of response) {
    reader.push(chunk as Buffer);
    const batch = ops;
    ops = [];
    // Awaiting each write while the response is not read is the backpressure: a slow disk slows the server.
    for (const op of batch) {
      if (op.part === 'kept') {
        onKept(op.data.length);
        await kept.write(op.data);
      } else if (op.part === 'malformed') await malformed.write(op.data);
      else if (op.part === 'summary') summaryChunks.push(op.data);
    }
  }
  reader.end();
  if (summaryChunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(summaryChunks).toString('utf8')) as Summary;
  } catch {
    return undefined;
  }
}

/** NDJSON answer → kept contacts, malformed {contact, reasons}, summary. */
async function readNdjson(response: IncomingMessage, kept: Sink, malformed: Sink, objects: boolean, onKept: (bytes: number) => void): Promise<Summary | undefined> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let summary: Summary | undefined;
  const handle = async (line: string) => {
    if (line.trim().length === 0) return;
    const item = JSON.parse(line) as { kept?: Record<string, unknown>; malformed?: Record<string, unknown>; reasons?: MalformedReason[]; summary?: Summary };
    if (item.kept !== undefined) {
      onKept(line.length);
      await kept.write(objects ? item.kept : JSON.stringify(item.kept) + '\n');
    } else if (item.malformed !== undefined) {
      const value = { contact: item.malformed, reasons: item.reasons ?? [] };
      await malformed.write(objects ? value : JSON.stringify(value) + '\n');
    } else if (item.summary !== undefined) summary = item.summary;
  };
  for await (const chunk of response) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) await handle(line);
  }
  await handle(rest + decoder.end());
  return summary;
}
