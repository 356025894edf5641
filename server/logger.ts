import pino from 'pino';

export type Logger = pino.Logger;

/** JSON logs. Phone numbers never reach a log line: only counts, pseudonymous ids and error codes do. */
export function createLogger(level: string): Logger {
  return pino({ level, base: null, redact: ['req.headers.authorization', '*.password', '*.token', '*.key'] });
}
