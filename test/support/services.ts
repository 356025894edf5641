import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './processes';

/**
 * Private Redis and PostgreSQL servers a fault test may stop, kill and start again without touching the shared
 * ones (5432, 6379) other tests use. Each runs from the machine's binaries on a free port of 127.0.0.1 and
 * comes back on the same port, as a real outage ends. Every one started is tracked: stopAllPrivateServices()
 * in an afterAll stops whatever a failing test left running.
 */

const REDIS_SERVER = 'redis-server';
const PG_BIN = '/usr/lib/postgresql/15/bin';
/** initdb and postgres refuse to run as root: the cluster runs as this user, in a directory it owns. */
const PG_USER = 'postgres';

const running = new Set<{ stop(): Promise<void> }>();

/** Resolves once something accepts TCP connections on the port, or rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export type PrivateRedis = {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: no goodbye to clients, as a crash or a network cut); resolves once it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  readonly running: boolean;
};

/** A redis-server of the test's own, without persistence. `initiallyRunning: false` gives the port only. */
export async function startPrivateRedis(options: { initiallyRunning?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      const process = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      child = process;
      exited = new Promise((resolve) => process.once('exit', () => resolve()));
      await waitForPort(port);
    },
    async stop() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited;
      child = undefined;
    },
  };
  running.add(redis);
  if (options.initiallyRunning !== false) await redis.start();
  return redis;
}

export type PrivatePostgres = {
  port: number;
  /** Connection URL of the cluster's `postgres` database (trust authentication on 127.0.0.1). */
  url: string;
  /** pg_ctl stop: 'fast' ends sessions (57P01) and checkpoints; 'immediate' is a crash that recovers at next start. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and deletes its directory. */
  destroy(): Promise<void>;
  readonly running: boolean;
};

/** Runs a PostgreSQL tool as PG_USER without blocking the event loop (an in-process server keeps serving). */
function runAsPostgres(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('runuser', ['-u', PG_USER, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    // 'exit', not 'close': a postmaster started by pg_ctl may keep inherited pipes open.
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} failed (${code}):\n${output}`))));
  });
}

/** A throwaway PostgreSQL 15 cluster in a temporary directory, listening on 127.0.0.1 only. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const root = mkdtempSync(path.join(tmpdir(), 'hyg-pg-'));
  const dataDir = path.join(root, 'data');
  const { uid, gid } = userIds(PG_USER);
  chownSync(root, uid, gid);
  chmodSync(root, 0o700);
  await runAsPostgres([`${PG_BIN}/initdb`, '-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  let isRunning = false;
  const pgCtl = (...args: string[]) => runAsPostgres([`${PG_BIN}/pg_ctl`, '-D', dataDir, ...args]);
  const postgres: PrivatePostgres = {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    get running() {
      return isRunning;
    },
    async start() {
      if (isRunning) return;
      // -w waits until the server accepts connections (including crash recovery after an immediate stop).
      await pgCtl('start', '-w', '-t', '60', '-l', path.join(root, 'server.log'), '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`);
      isRunning = true;
    },
    async stop(mode = 'fast') {
      if (!isRunning) return;
      await pgCtl('stop', '-w', '-m', mode);
      isRunning = false;
    },
    async destroy() {
      await postgres.stop('immediate').catch(() => undefined);
      running.delete(postgres);
      rmSync(root, { recursive: true, force: true });
    },
  };
  running.add({ stop: () => postgres.destroy() });
  await postgres.start();
  return postgres;
}

function userIds(user: string): { uid: number; gid: number } {
  const result = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const groups = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (result.status !== 0 || groups.status !== 0) throw new Error(`no user ${user} on this machine`);
  return { uid: Number(result.stdout.trim()), gid: Number(groups.stdout.trim()) };
}

/** Stops every private Redis and PostgreSQL this test file started (afterAll safety net). */
export async function stopAllPrivateServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop().catch(() => undefined)));
  running.clear();
}
