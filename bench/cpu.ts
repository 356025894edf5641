import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time spent by the parts of a bench phase, read from /proc: the server process (every thread: the event loop,
 * V8's GC helpers, the filter workers), every PostgreSQL process of this machine (backends, WAL writer,
 * checkpointer) and the bench client itself. On a shared 2-core machine the throughput figures move with the hour;
 * CPU per unit of work is the steadier figure, and it says which side a change must shrink.
 */
export type CpuSample = { server: number; postgres: number; client: number };
/** A reading: seconds so far per server and client, and per PostgreSQL process (backends come and go). */
export type CpuReading = { server: number; postgres: Map<string, number>; client: number };

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * utime + stime of a process (all its threads), in clock ticks, and its command name; undefined once it is gone.
 * `pid` may also name one thread, as `PID/task/TID` (its stat line has the same fields).
 */
async function ticksOf(pid: string): Promise<{ comm: string; ticks: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
  return { comm: stat.slice(stat.indexOf('(') + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU seconds so far. */
export async function cpuNow(serverPids: readonly number[]): Promise<CpuReading> {
  const hz = clockTicks();
  let server = 0;
  for (const pid of serverPids) server += (await ticksOf(String(pid)))?.ticks ?? 0;
  const postgres = new Map<string, number>();
  for (const entry of await readdir('/proc')) {
    if (entry.charCodeAt(0) > 57) continue;
    const other = await ticksOf(entry);
    if (other?.comm === 'postgres') postgres.set(entry, other.ticks / hz);
  }
  const own = process.cpuUsage();
  return { server: server / hz, postgres, client: (own.user + own.system) / 1e6 };
}

/**
 * What each part spent between two readings. A PostgreSQL process started meanwhile counts whole; one that exited
 * meanwhile (an idle pool connection closed) is missing from the second reading and its last share is not counted.
 */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuSample {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) {
    const was = before.postgres.get(pid) ?? 0;
    // Less than before: the pid was reused by a process started meanwhile.
    postgres += seconds >= was ? seconds - was : seconds;
  }
  return { server: after.server - before.server, postgres, client: after.client - before.client };
}

/**
 * "CPU per tabulation: server 27 µs + PostgreSQL 25 µs (bench client 1.3 µs): 2 cores serve at most 38,462/s". The
 * ceiling counts the server and PostgreSQL only: in production the dialers run elsewhere.
 */
export function cpuPerUnit(spent: CpuSample, units: number, unit: string, cores: number): string {
  const us = (seconds: number) => (seconds / units) * 1e6;
  const serverSide = us(spent.server) + us(spent.postgres);
  const ceiling = serverSide > 0 ? (cores * 1e6) / serverSide : Number.POSITIVE_INFINITY;
  const digits = (value: number) => (value < 10 ? value.toFixed(1) : value.toFixed(0));
  return (
    `CPU per ${unit}: server ${digits(us(spent.server))} µs + PostgreSQL ${digits(us(spent.postgres))} µs ` +
    `(bench client ${digits(us(spent.client))} µs): ${cores} cores serve at most ${Math.round(ceiling).toLocaleString('en-US')}/s`
  );
}

/** CPU seconds so far of each thread of a process (by thread id); its main thread's id is the pid. */
export async function threadCpu(pid: number): Promise<Map<number, number>> {
  const hz = clockTicks();
  const threads = new Map<number, number>();
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tids) {
    const thread = await ticksOf(`${pid}/task/${tid}`);
    if (thread !== undefined) threads.set(Number(tid), thread.ticks / hz);
  }
  return threads;
}

/**
 * "server CPU per mailing: event loop 0.31 s, busiest other thread 0.62 s, the rest 0.08 s; bench client 0.2 s": where
 * a big mailing's CPU went. The busiest thread other than the event loop is the filter worker (threads are not
 * named; the others are V8's GC helpers and libuv's pool).
 */
export function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>, clientSeconds: number, units: number, unit: string): string {
  let loop = 0;
  let busiest = 0;
  let others = 0;
  for (const [tid, seconds] of after) {
    const spent = seconds - (before.get(tid) ?? 0);
    if (tid === pid) loop = spent;
    else {
      others += spent;
      busiest = Math.max(spent, busiest);
    }
  }
  const rest = others - busiest;
  const per = (seconds: number) => `${(seconds / units).toFixed(2)} s`;
  return `server CPU per ${unit}: event loop ${per(loop)}, busiest other thread (the filter worker) ${per(busiest)}, its other threads ${per(rest)}; bench client ${per(clientSeconds)}`;
}
