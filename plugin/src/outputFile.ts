import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { detectDelimiter } from '../contract/csv';
import { drained } from '../contract/streams';

/**
 * Where filtered rows go. A file path is written under a hidden temporary name in the same folder
 * (`.<name>.partial-<random>`), fsynced and renamed to its final name only when the whole mailing came through:
 * a dialer that loads `mailing-filtrado.csv` can never load half of one (a server killed mid-stream used to leave
 * 180k rows and a torn last row at the final path). On failure the temporary file is removed. The same folder
 * keeps the rename atomic; the leading dot keeps dialers that watch the folder for `*.csv` from picking it up.
 */
export type Sink = {
  write(data: Buffer | string | object): Promise<void>;
  /** Bytes (or objects) written so far. */
  readonly written: number;
  /** Completes the output: for a path, fsync and rename to the final name. */
  commit(): Promise<void>;
  /** Gives up: for a path, nothing appears at the final name and the temporary file is removed. */
  abort(): Promise<void>;
};

export type SinkTarget = string | Writable | undefined;

/** Opens a target: paths are created atomically (see above); a caller's Writable is written but not ended. */
export function openSink(target: SinkTarget, objects: boolean): Sink {
  if (target === undefined) return { write: async () => undefined, written: 0, commit: async () => undefined, abort: async () => undefined };
  const owned = typeof target === 'string';
  const partial = owned ? path.join(path.dirname(target), `.${path.basename(target)}.partial-${randomBytes(6).toString('hex')}`) : '';
  // 0600: until the rename nobody else needs it, and a mailing holds personal data (LGPD).
  const stream = owned ? createWriteStream(partial, { flags: 'wx', mode: 0o600 }) : target;
  const encode = objects && (owned || !stream.writableObjectMode) ? (value: unknown) => JSON.stringify(value) + '\n' : (value: unknown) => value;
  let failure: Error | undefined;
  let settled = false;
  stream.on('error', (error: Error) => (failure = error));
  const sink = {
    written: 0,
    async write(data: Buffer | string | object) {
      if (failure) throw failure;
      sink.written += typeof data === 'string' || Buffer.isBuffer(data) ? Buffer.byteLength(data as string) : 1;
      if (!stream.write(encode(data))) await drained(stream);
      if (failure) throw failure;
    },
    async commit() {
      if (failure) throw failure;
      if (!owned || settled) return;
      settled = true;
      try {
        stream.end();
        await once(stream, 'close');
        if (failure) throw failure;
        const handle = await open(partial, 'r');
        try {
          await handle.sync(); // the rename must not reach the disk before the rows do
        } finally {
          await handle.close();
        }
        await rename(partial, target);
      } catch (error) {
        await unlink(partial).catch(() => undefined);
        throw error;
      }
    },
    async abort() {
      if (!owned || settled) return;
      settled = true;
      if (!stream.closed) {
        stream.destroy();
        await once(stream, 'close').catch(() => undefined);
      }
      await unlink(partial).catch(() => undefined);
    },
  };
  return sink;
}

/** The first line of a CSV input, captured as it streams by (for the rejects file's header). */
export class HeaderCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  private line: Buffer | undefined;

  push(chunk: Buffer): void {
    if (this.line) return;
    const end = chunk.indexOf(10);
    if (end >= 0 || this.size + chunk.length > 1024 * 1024) {
      this.chunks.push(end >= 0 ? chunk.subarray(0, end + 1) : chunk);
      this.line = Buffer.concat(this.chunks);
      this.chunks = [];
    } else {
      this.chunks.push(Buffer.from(chunk));
      this.size += chunk.length;
    }
  }

  /**
   * The rejects file's header when the server sent no rejected row (it writes its header with the first one):
   * the input's header plus the `hygiene_error` column, with the input's delimiter and line ending, so an empty
   * rejects file reads like the kept one.
   */
  rejectsHeader(): Buffer | undefined {
    const line = this.line ?? (this.chunks.length > 0 ? Buffer.concat(this.chunks) : undefined);
    if (!line || line.length === 0) return undefined;
    let text = line.toString('latin1'); // bytes pass through untouched whatever the encoding
    const eol = text.endsWith('\r\n') ? '\r\n' : '\n';
    text = text.replace(/\r?\n$/, '');
    const delimiter = detectDelimiter(text);
    return Buffer.from(`${text}${delimiter}hygiene_error${eol}`, 'latin1');
  }
}
