import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../server/logger';

/**
 * A pino logger at the most verbose level writing into memory, with the server's own redaction, so a test can
 * read every line the server would have logged. No timestamps: digit runs in them could look like phone digits.
 */
export function memoryLogger(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const logger = pino(
    { level: 'trace', base: null, timestamp: false, redact: ['req.headers.authorization', '*.password', '*.token', '*.key'] },
    stream,
  );
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
