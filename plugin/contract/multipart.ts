/**
 * multipart/mixed (RFC 2046) helpers for the CSV filter answer: a writer made of string helpers
 * (the caller streams each part's body between them) and a streaming reader.
 *
 * Layout written:
 *   --B\r\n<headers>\r\n\r\n<body>\r\n--B\r\n<headers>\r\n\r\n<body>\r\n--B--\r\n
 * The CRLF before each `--B` belongs to the delimiter, not to the preceding body.
 */
import { randomBytes } from 'node:crypto';

/** Random boundary: 'hyg-' + 24 hex chars (cannot plausibly occur in a mailing). */
export function newBoundary(): string {
  return 'hyg-' + randomBytes(12).toString('hex');
}

function checkBoundary(boundary: string): void {
  if (boundary.length === 0 || boundary.length > 70 || /[\r\n]/.test(boundary)) {
    throw new Error(`multipart: invalid boundary ${JSON.stringify(boundary)}`);
  }
}

/** Text to write before a part's body: delimiter line, Content-Type, Content-Disposition, blank line. */
export function partHeader(boundary: string, name: string, contentType: string, first: boolean): string {
  checkBoundary(boundary);
  if (/["\\\r\n]/.test(name)) throw new Error(`multipart: invalid part name ${JSON.stringify(name)}`);
  if (/[\r\n]/.test(contentType)) throw new Error(`multipart: invalid content type ${JSON.stringify(contentType)}`);
  return (
    (first ? '' : '\r\n') +
    `--${boundary}\r\n` +
    `Content-Type: ${contentType}\r\n` +
    `Content-Disposition: attachment; name="${name}"\r\n` +
    '\r\n'
  );
}

/** Text that ends the multipart body. */
export function closingBoundary(boundary: string): string {
  checkBoundary(boundary);
  return `\r\n--${boundary}--\r\n`;
}

/** The boundary parameter of a multipart/* Content-Type (quoted or not), else undefined. */
export function boundaryFromContentType(contentType: string): string | undefined {
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (!type.startsWith('multipart/') || semi < 0) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]+))/i.exec(contentType.slice(semi));
  if (!m) return undefined;
  const b = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  if (b === undefined || b.length === 0 || b.length > 70) return undefined;
  return b;
}

export interface MultipartPartStart {
  /** `name` parameter of Content-Disposition ('' when absent). */
  name: string;
  /** Content-Type header ('text/plain' when absent, the RFC 2046 default). */
  contentType: string;
  /** All part headers, keys lower-cased, values trimmed. */
  headers: Record<string, string>;
}

export interface MultipartHandlers {
  onPartStart(p: MultipartPartStart): void;
  /** A piece of the current part's body. The Buffer may be a view on the pushed chunk: copy it to keep it. */
  onData(chunk: Buffer): void;
  onPartEnd(): void;
}

const PREAMBLE = 0;
const HEADERS = 1;
const BODY = 2;
const DONE = 3;

const NEED_MORE = -1;
const NOT_DELIMITER = -2;
const CLOSE = -3;

const MAX_HEADER_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Streaming reader: feed Buffers, get callbacks. Searches `\r\n--boundary` with Buffer#indexOf and
 * carries at most (delimiter length - 1) bytes between chunks while in a body (plus, transiently,
 * a delimiter whose end is not yet known, or an incomplete header block of at most 16 KiB).
 * A `\r\n--boundary` not followed by `--` or by optional spaces/tabs and CRLF is body data.
 * The preamble and the epilogue are ignored.
 */
export class MultipartReader {
  private readonly boundary: string;
  private readonly delim: Buffer; // \r\n--boundary
  private readonly handlers: MultipartHandlers;
  /** Unprocessed bytes carried over from the previous chunk. Starts as CRLF so a boundary on the first line matches. */
  private tail: Buffer = Buffer.from('\r\n', 'latin1');
  private state = PREAMBLE;

  constructor(boundary: string, handlers: MultipartHandlers) {
    checkBoundary(boundary);
    this.boundary = boundary;
    this.delim = Buffer.from('\r\n--' + boundary, 'latin1');
    this.handlers = handlers;
  }

  push(chunk: Buffer): void {
    if (this.state === DONE || chunk.length === 0) return;
    const buf = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const n = buf.length;
    const delim = this.delim;
    let pos = 0; // first byte not yet consumed
    let from = 0; // where to search for the next delimiter (> pos after a false match)

    for (;;) {
      if (this.state === HEADERS) {
        let headerText: string;
        if (n - pos >= 2 && buf[pos] === 13 && buf[pos + 1] === 10) {
          headerText = '';
          pos += 2;
        } else {
          const he = buf.indexOf(CRLFCRLF, pos);
          if (he < 0) {
            if (n - pos > MAX_HEADER_BYTES) throw new Error('multipart: part headers too large');
            break;
          }
          if (he - pos > MAX_HEADER_BYTES) throw new Error('multipart: part headers too large');
          headerText = buf.toString('latin1', pos, he);
          pos = he + 4;
        }
        this.state = BODY;
        from = pos;
        this.handlers.onPartStart(parseHeaders(headerText));
        continue;
      }

      // PREAMBLE or BODY: look for the next delimiter.
      const idx = buf.indexOf(delim, from);
      if (idx < 0) {
        // Keep what could be the start of a delimiter; emit the rest.
        const keepFrom = Math.max(pos, n - (delim.length - 1));
        if (this.state === BODY && keepFrom > pos) this.handlers.onData(buf.subarray(pos, keepFrom));
        pos = keepFrom;
        break;
      }
      const r = afterDelimiter(buf, idx + delim.length);
      if (r === NOT_DELIMITER) {
        from = idx + 1;
        continue;
      }
      if (this.state === BODY && idx > pos) this.handlers.onData(buf.subarray(pos, idx));
      if (r === NEED_MORE) {
        pos = idx;
        break;
      }
      if (this.state === BODY) this.handlers.onPartEnd();
      if (r === CLOSE) {
        this.state = DONE;
        pos = n;
        break;
      }
      this.state = HEADERS;
      pos = r;
      from = r;
    }

    this.tail = pos >= n ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
  }

  /** Throws if the closing boundary was not seen. */
  end(): void {
    if (this.state !== DONE) {
      const where = this.state === PREAMBLE ? 'no boundary found' : this.state === HEADERS ? 'inside part headers' : 'inside a part';
      throw new Error(`multipart: truncated body (closing boundary --${this.boundary}-- not seen; ${where})`);
    }
  }
}

/**
 * What follows a `\r\n--boundary` found at q: `--` → CLOSE; optional spaces/tabs then CRLF → the
 * index after the CRLF; something else → NOT_DELIMITER; not enough bytes yet → NEED_MORE.
 */
function afterDelimiter(buf: Buffer, q: number): number {
  const n = buf.length;
  if (q >= n) return NEED_MORE;
  if (buf[q] === 45) {
    if (q + 1 >= n) return NEED_MORE;
    return buf[q + 1] === 45 ? CLOSE : NOT_DELIMITER;
  }
  let p = q;
  while (p < n && (buf[p] === 32 || buf[p] === 9)) p++;
  if (p >= n) return NEED_MORE;
  if (buf[p] !== 13) return NOT_DELIMITER;
  if (p + 1 >= n) return NEED_MORE;
  return buf[p + 1] === 10 ? p + 2 : NOT_DELIMITER;
}

function parseHeaders(text: string): MultipartPartStart {
  const headers: Record<string, string> = {};
  if (text.length > 0) {
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  let name = '';
  const disposition = headers['content-disposition'];
  if (disposition !== undefined) {
    const m = /(?:^|;)\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s"]*))/i.exec(disposition);
    if (m) name = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '');
  }
  return { name, contentType: headers['content-type'] ?? 'text/plain', headers };
}
