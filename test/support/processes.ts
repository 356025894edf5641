import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { testDatabaseUrl, testRedisUrl } from './harness';

/** Child processes of the fault tests: every one is tracked so a test can always kill what it started. */

const ROOT = path.resolve(__dirname, '..', '..');
export const TS_REGISTER = path.join(ROOT, 'scripts', 'ts-register.js');

const children = new Set<ChildProcess>();

export type Child = {
  process: ChildProcess;
  /** Everything the child wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with a stdout line matching `pattern` (or rejects when the child exits first / after timeoutMs). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

export function spawnChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const waiter of [...waiters]) waiter();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': 'exit' can come before the last of stdout is read, and a short-lived child (the CLI's
  // --help) then looked silent to the test under load.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
      for (const waiter of [...waiters]) waiter();
    }),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const check = () => {
          const match = out.split('\n').map((line) => pattern.exec(line)).find(Boolean);
          if (match) finish(undefined, match);
          else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`child exited (${child.exitCode ?? child.signalCode}) before ${pattern}; stderr:\n${err}`));
        };
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          const index = waiters.indexOf(check);
          if (index >= 0) waiters.splice(index, 1);
          if (error) reject(error);
          else resolve(match!);
        }
        waiters.push(check);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Kills every child still running (afterAll / afterEach safety net). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** A port free right now on 127.0.0.1 (a restarted server process must come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export type ServerProcessOptions = { schema: string; port: number; env?: Record<string, string> };

/** Keys shared with test/support/harness.ts, so an in-process server and a process server agree. */
const TEST_ENV = {
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  // Any free port: several processes run side by side (a fixed one would collide).
  OPERATOR_PORT: '0',
  DATABASE_URL: testDatabaseUrl,
  REDIS_URL: testRedisUrl,
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  STATUS_POLL_MS: '200',
  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789',
  PSEUDONYM_KEY: '000102030405060708090a0b0c0d0e0f',
  OPERATOR_TOKEN: 'test-operator-token-0123456789abcdef',
};

/** A hygiene server in its own process on a fixed port and schema; resolves once it listens. */
export async function startServerProcess(options: ServerProcessOptions): Promise<Child & { url: string; operatorUrl: string }> {
  const child = spawnChild([path.join(ROOT, 'test', 'support', 'server-process.js')], {
    ...TEST_ENV,
    REDIS_PREFIX: `${options.schema}:`,
    PORT: String(options.port),
    TEST_SCHEMA: options.schema,
    ...options.env,
  });
  const match = await child.waitForLine(/^READY (\S+) (\S+)/, 60_000);
  return { ...child, url: match[1]!, operatorUrl: match[2]! };
}
