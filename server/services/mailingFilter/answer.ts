import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { closingBoundary, newBoundary, partHeader } from '../../../plugin/contract/multipart';
import { drained } from '../../../plugin/contract/streams';
import type { MailingOutput } from './rowJudge';

/**
 * Where the filter's answer goes: in production the HTTP response (the route adapts it), so this module knows
 * nothing of express. `start` sends the status and headers, once, before any byte of `body`.
 */
export interface MailingAnswer {
  start(headers: Record<string, string>): void;
  readonly body: Writable;
}

/** An answer being written: the filter's output plus the summary at the end and the clean-up. */
export interface AnswerOutput extends MailingOutput {
  finish(summary: unknown): Promise<void>;
  dispose(): Promise<void>;
}

/** Writes to the answer, waiting for 'drain' so a slow client slows the reader instead of filling memory. */
async function write(body: Writable, data: string | Buffer): Promise<void> {
  if (!body.write(data)) await drained(body);
}

/** Malformed rows are held in memory up to this many bytes before they move to a temporary file. */
const SPILL_AFTER_BYTES = 1 << 20;

/**
 * CSV answer: multipart/mixed with parts "kept" (the filtered mailing), "malformed" (rows set apart, with the
 * reason in a last column) and "summary" (JSON counts). Malformed rows wait until the kept part is complete: in
 * memory while they are few (up to 1 MiB), then in a temporary file, so memory stays bounded whatever the mailing's
 * size. Small mailings (a dialer's 1k-row batches, each with a few malformed rows) then cost no mkdtemp, file
 * creation, read back and rm per request (measured ~10% of the server's CPU with 50 dialers).
 */
export class MultipartCsvOutput implements AnswerOutput {
  private readonly boundary = newBoundary();
  private spill: { dir: string; file: string; stream: WriteStream } | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;

  private readonly body: Writable;

  constructor(private readonly answer: MailingAnswer, private readonly headers: Record<string, string>) {
    this.body = answer.body;
  }

  async begin(): Promise<void> {
    this.answer.start({ ...this.headers, 'Content-Type': `multipart/mixed; boundary=${this.boundary}` });
    await write(this.body, partHeader(this.boundary, 'kept', 'text/csv', true));
  }

  async kept(text: string): Promise<void> {
    await write(this.body, Buffer.from(text, 'latin1'));
  }

  async malformed(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'latin1');
    if (!this.spill && this.heldBytes + bytes.length <= SPILL_AFTER_BYTES) {
      this.held.push(bytes);
      this.heldBytes += bytes.length;
      return;
    }
    if (!this.spill) {
      const dir = await mkdtemp(path.join(tmpdir(), 'hyg-malformed-'));
      const file = path.join(dir, 'rows.csv');
      this.spill = { dir, file, stream: createWriteStream(file) };
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      for (const chunk of held) if (!this.spill.stream.write(chunk)) await once(this.spill.stream, 'drain');
    }
    if (!this.spill.stream.write(bytes)) await once(this.spill.stream, 'drain');
  }

  /** Closes the kept part, sends the malformed rows and the summary. */
  async finish(summary: unknown): Promise<void> {
    await write(this.body, partHeader(this.boundary, 'malformed', 'text/csv', false));
    if (this.spill) {
      this.spill.stream.end();
      await once(this.spill.stream, 'close');
      for await (const chunk of createReadStream(this.spill.file)) await write(this.body, chunk as Buffer);
    } else {
      for (const chunk of this.held) await write(this.body, chunk);
      this.held = [];
    }
    await write(this.body, partHeader(this.boundary, 'summary', 'application/json', false));
    await write(this.body, JSON.stringify(summary));
    this.body.end(closingBoundary(this.boundary));
  }

  async dispose(): Promise<void> {
    if (!this.spill) return;
    this.spill.stream.destroy();
    await rm(this.spill.dir, { recursive: true, force: true });
  }
}

/** JSON/NDJSON answer: NDJSON lines {"kept":…} / {"malformed":…,"reasons":[…]}, then {"summary":…}. */
export class NdjsonOutput implements AnswerOutput {
  private readonly body: Writable;
  constructor(private readonly answer: MailingAnswer, private readonly headers: Record<string, string>) {
    this.body = answer.body;
  }
  async begin(): Promise<void> {
    this.answer.start({ ...this.headers, 'Content-Type': 'application/x-ndjson; charset=utf-8' });
  }
  async kept(text: string): Promise<void> {
    await write(this.body, text);
  }
  async malformed(text: string): Promise<void> {
    await write(this.body, text);
  }
  async finish(summary: unknown): Promise<void> {
    this.body.end(JSON.stringify({ summary }) + '\n');
  }
  async dispose(): Promise<void> {}
}
