/** The client's logger hook: one function, so any logger (pino, winston, console) fits in one line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export const silentLog: LogFn = () => undefined;
