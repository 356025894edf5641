import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from 'pg';
import { agent, request } from './http';
import { dropDatabase, dropRedisPrefix } from './setup';

/** A hygiene server started as a child process (`node dist/server/main.js`), exactly as in production. */
export type ServerProcess = {
  name: string;
  url: string;
  /** The operator listener (tenants, keys, metrics): loopback, its own port. */
  operatorUrl: string;
  pid: number;
  /** CLOCK_MONOTONIC µs at spawn, comparable with the timestamps of a --cpu-prof profile. */
  spawnedAtUs: number;
  readyMs: number;
  logFile: string;
  profileDir: string | undefined;
  stop(): Promise<void>;
};

export type ServerEnv = {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  pseudonymKeyHex: string;
  operatorToken: string;
};

const live = new Set<ChildProcess>();

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startServer(options: { name: string; port: number; operatorPort: number; env: ServerEnv; workDir: string; profile: boolean; root: string }): Promise<ServerProcess> {
  const logFile = path.join(options.workDir, `${options.name}.log`);
  const profileDir = options.profile ? path.join(options.workDir, `${options.name}-profile`) : undefined;
  const args = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), path.join(options.root, 'dist/server/main.js')];
  const spawnedAtUs = monotonicUs();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(options.port),
      DATABASE_URL: options.env.databaseUrl,
      REDIS_URL: options.env.redisUrl,
      REDIS_PREFIX: options.env.redisPrefix,
      JWT_SECRET: options.env.jwtSecret,
      PSEUDONYM_KEY: options.env.pseudonymKeyHex,
      OPERATOR_TOKEN: options.env.operatorToken,
      OPERATOR_PORT: String(options.operatorPort),
      LOG_LEVEL: 'warn',
      // The bench measures speed, not the trust rules or the per-tenant bounds: no waiting a day between two
      // tenants' marks, a read budget that its million-phone checks cannot exhaust.
      TRUST_MIN_SPAN_HOURS: '0',
      // Earned weight (docs/rules.md) off: the bench's tenants mark numbers nobody else corroborates, and after their
      // first 20 units of weight the cross-instance check's invalidation would never come.
      TRUST_REPUTATION_MIN_MARKS: '1000000',
      READ_BUDGET_BASE: '1000000000',
      // 50 dialers of 5 tenants filter at once: the per-tenant bound (4 by default) would turn the load into 429s.
      MAX_CONCURRENT_MAILINGS_PER_TENANT: '1000',
      // To compare V8's own heap growth with the server's default bound (server/infra/heap.ts): HEAP_GROWING_PERCENT=0.
      // The same for the filter workers: FILTER_WORKERS=0 filters on the event loop, as before issue 15.
      ...Object.fromEntries(['HEAP_GROWING_PERCENT', 'FILTER_WORKERS', 'FILTER_WORKER_NICE'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
    },
  });
  live.add(child);
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      live.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.name} exited with ${exited} during start; see ${logFile}:\n${await tail(logFile)}`);
    if (performance.now() - started > 300_000) throw new Error(`${options.name} not ready after 300 s; see ${logFile}`);
    try {
      const res = await request(url, { method: 'GET', path: '/readyz' });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const readyMs = performance.now() - started;
  return {
    name: options.name,
    url,
    operatorUrl: `http://127.0.0.1:${options.operatorPort}`,
    pid: child.pid!,
    spawnedAtUs,
    readyMs,
    logFile,
    profileDir,
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

/** Kills every server still running (the bench's own children only, by pid). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-30).join('\n');
}

/** VmRSS / VmHWM of a process, in bytes. */
export async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Resets the peak RSS (VmHWM) of a process we started (Linux clear_refs 5). */
export async function resetPeak(pid: number): Promise<boolean> {
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}

/** Samples VmRSS every `everyMs` until stopped; returns the max seen (a fallback when clear_refs is refused). */
export function sampleRss(pid: number, everyMs = 50): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rss } = await memoryOf(pid).catch(() => ({ rss: 0 }));
      max = Math.max(max, rss);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** Everything a bench run made, gone: its servers, its database and Redis keys, its work folder. Never throws. */
export async function releaseBench(run: { dbName: string; redisPrefix: string; workDir: string; dbClient?: Client | undefined }, log: (line: string) => void): Promise<void> {
  agent.destroy();
  await killAll().catch((error: Error) => log(`cleanup: ${error.message}`));
  await run.dbClient?.end().catch(() => undefined);
  await dropDatabase(run.dbName).catch((error: Error) => log(`cleanup: dropping ${run.dbName}: ${error.message}`));
  await dropRedisPrefix(run.redisPrefix).catch((error: Error) => log(`cleanup: redis: ${error.message}`));
  if (run.workDir) await rm(run.workDir, { recursive: true, force: true });
  log(`cleaned up: servers stopped, database ${run.dbName} dropped, Redis prefix ${run.redisPrefix} deleted`);
}

/**
 * A full garbage collection in the server, through its inspector (SIGUSR1 opens it on 127.0.0.1:9229; the bench's
 * server only), so that the heap read next holds live objects only: RSS alone cannot tell what the server keeps from
 * garbage that V8 simply has not collected yet. Run in a child with Node 20's WebSocket client.
 */
export async function collectGarbage(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR1');
  let target: string | undefined;
  for (let tries = 0; !target && tries < 50; tries++) {
    const list = await request('http://127.0.0.1:9229', { method: 'GET', path: '/json/list', keepBody: true }).catch(() => undefined);
    target = list ? (JSON.parse(list.body.toString('utf8')) as { webSocketDebuggerUrl: string }[])[0]?.webSocketDebuggerUrl : undefined;
    if (!target) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!target) throw new Error('the server inspector did not open (is 127.0.0.1:9229 taken?)');
  const script = `const ws = new WebSocket(${JSON.stringify(target)});
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.onmessage = (event) => { if (JSON.parse(event.data).id === 1) { ws.close(); process.exit(0); } };
    ws.onerror = () => process.exit(1);`;
  const code = await new Promise<number | null>((resolve) => spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script], { stdio: 'ignore' }).once('exit', resolve));
  if (code !== 0) throw new Error('the server inspector refused the garbage collection');
}

/** Live V8 heap and Buffers of the server after a full collection, in MiB (from the operator's /metrics). */
export async function liveOf(pid: number, operatorUrl: string, operatorToken: string): Promise<{ heap: number; external: number }> {
  await collectGarbage(pid);
  const res = await request(operatorUrl, { method: 'GET', path: '/metrics', keepBody: true, headers: { authorization: `Bearer ${operatorToken}` } });
  const text = res.body.toString('utf8');
  const value = (name: string) => Number(new RegExp(`^hygiene_${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 1048576;
  return { heap: value('nodejs_heap_size_used_bytes'), external: value('nodejs_external_memory_bytes') };
}

/** The event loop and garbage collector as the server saw them (prom-client's default metrics). */
export type LoopReading = { lagP99Ms: number; lagMaxMs: number; gc: Record<'minor' | 'major' | 'incremental', { count: number; ms: number }> };

const LAG_MONITOR_INTERVAL_MS = 10;

/**
 * Reads the server's event-loop lag (p99 and max since the previous scrape: prom-client resets its histogram at each
 * one) and its GC pauses by kind, counted since the server started (loopBetween makes them a phase's own).
 */
export async function loopOf(operatorUrl: string, operatorToken: string): Promise<LoopReading> {
  const res = await request(operatorUrl, { method: 'GET', path: '/metrics', keepBody: true, headers: { authorization: `Bearer ${operatorToken}` } });
  const text = res.body.toString('utf8');
  const value = (pattern: string) => Number(new RegExp(`^hygiene_${pattern} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const kind = (name: 'minor' | 'major' | 'incremental') => ({
    count: value(`nodejs_gc_duration_seconds_count\\{kind="${name}"\\}`) || 0,
    ms: (value(`nodejs_gc_duration_seconds_sum\\{kind="${name}"\\}`) || 0) * 1000,
  });
  // prom-client's monitor (monitorEventLoopDelay) times a 10 ms interval and records the whole of it: the lag is the rest.
  const lag = (name: string) => Math.max(0, value(name) * 1000 - LAG_MONITOR_INTERVAL_MS);
  return {
    lagP99Ms: lag('nodejs_eventloop_lag_p99_seconds'),
    lagMaxMs: lag('nodejs_eventloop_lag_max_seconds'),
    gc: { minor: kind('minor'), major: kind('major'), incremental: kind('incremental') },
  };
}

/** A phase between two readings: the later one's lag (the scrape before it reset the histogram), the GC pauses in between. */
export function loopBetween(before: LoopReading, after: LoopReading): LoopReading {
  const gc = (name: 'minor' | 'major' | 'incremental') => ({ count: after.gc[name].count - before.gc[name].count, ms: after.gc[name].ms - before.gc[name].ms });
  return { lagP99Ms: after.lagP99Ms, lagMaxMs: after.lagMaxMs, gc: { minor: gc('minor'), major: gc('major'), incremental: gc('incremental') } };
}
