import { getPriority, setPriority } from 'node:os';
import { multipartSummary, percentile, request, type Response } from './http';
import { loopBetween, loopOf, memoryOf, resetPeak, sampleRss, type LoopReading } from './server';
import { numberAt, prng, spell, streamMailing, PhoneDraw } from './data';
import type { BenchTenant } from './setup';
import { startProbe, type ProbeSummary } from './probe';

/** The HTTP workloads, each against a running server. Every answer is read to its end. */

type Counts = { totalRows: number; keptRows: number; malformedRows: number; invalidPhones: number; unconfirmedPhones: number };

export type FilterRun = { ms: number; bytesIn: number; bytesOut: number; counts: Counts };

export async function filterMailing(url: string, tenant: BenchTenant, body: Buffer | ReturnType<typeof streamMailing>, name: string): Promise<FilterRun> {
  const res = await request(url, {
    method: 'POST',
    path: `/v1/campaigns/${tenant.campaign}/mailings?name=${encodeURIComponent(name)}`,
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${tenant.dialerKey}` },
    body,
  });
  if (res.status !== 200) throw new Error(`mailing ${name} → ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  const summary = multipartSummary<{ status: string; counts: Counts; error?: unknown }>(res.body);
  if (summary.status !== 'completed') throw new Error(`mailing ${name} ended ${summary.status}: ${JSON.stringify(summary.error)}`);
  return { ms: res.ms, bytesIn: Buffer.isBuffer(body) ? body.length : 0, bytesOut: res.bytes, counts: summary.counts };
}

// ---- ingest ----

const CODES: [string, number][] = [
  ['sip:486', 0.3],
  ['q850:18', 0.2],
  ['NA', 0.1],
  ['sip:200', 0.25],
  ['sip:404', 0.1],
  ['q850:1', 0.05],
];

/** Tabulation batches as JSON bodies (built before the clock starts): phones 70% of the history, 30% fresh. */
export function buildOutcomeBodies(total: number, batchSize: number, historySize: number, runTag: string, campaign: string): Buffer[] {
  const random = prng(7);
  let fresh = historySize + 50_000_000;
  const bodies: Buffer[] = [];
  for (let start = 0; start < total; start += batchSize) {
    const outcomes: unknown[] = [];
    for (let i = start; i < Math.min(total, start + batchSize); i++) {
      const index = random() < 0.7 ? Math.floor(random() * historySize) : fresh++;
      let pick = random();
      let code = 'sip:486';
      for (const [candidate, share] of CODES) {
        if (pick < share) {
          code = candidate;
          break;
        }
        pick -= share;
      }
      outcomes.push({ callId: `${runTag}-${i}`, campaignId: campaign, phone: spell(numberAt(index), i), code });
    }
    bodies.push(Buffer.from(JSON.stringify({ outcomes })));
  }
  return bodies;
}

export type IngestRun = { ms: number; accepted: number; perSecond: number; batchP50: number; batchP99: number };

/** `clients` concurrent clients post the batches (round robin over tenants); acknowledged = committed. */
export async function ingest(url: string, tenants: readonly BenchTenant[], bodies: readonly Buffer[], clients: number): Promise<IngestRun> {
  let next = 0;
  let accepted = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_unused, client) => {
      const tenant = tenants[client % tenants.length]!;
      for (;;) {
        const body = bodies[next++];
        if (!body) return;
        const res = await request(url, {
          method: 'POST',
          path: '/v1/outcomes',
          keepBody: true,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.dialerKey}` },
          body,
        });
        if (res.status !== 200) throw new Error(`outcomes → ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
        accepted += (JSON.parse(res.body.toString('utf8')) as { accepted: number }).accepted;
        latencies.push(res.ms);
      }
    }),
  );
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { ms, accepted, perSecond: (accepted / ms) * 1000, batchP50: percentile(latencies, 50), batchP99: percentile(latencies, 99) };
}

// ---- concurrent dialers ----

/** `requests`: those counted (after the warm-up); `sent`: all, for the CPU they cost. */
export type DialerRun = { requests: number; sent: number; errors: number; perSecond: number; numbersPerSecond: number; p50: number; p99: number; max: number };

/**
 * `dialers` loops, each sending its next request as soon as the previous answer is read, for `durationMs`
 * (requests started in the first second are warm-up and not counted).
 */
export async function dialers(
  count: number,
  durationMs: number,
  perRequestNumbers: number,
  send: (dialer: number, round: number) => Promise<Response>,
  /** Open loop: each dialer starts a request every `everyMs` (random phase) whether or not the last one ended. */
  everyMs?: number,
): Promise<DialerRun> {
  if (everyMs !== undefined) return paced(count, durationMs, perRequestNumbers, send, everyMs);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const warmUntil = started + 1000;
  const endAt = warmUntil + durationMs;
  await Promise.all(
    Array.from({ length: count }, async (_unused, dialer) => {
      for (let round = 0; performance.now() < endAt; round++) {
        const sentAt = performance.now();
        sent++;
        const res = await send(dialer, round).catch((error: Error) => {
          if (errors < 3) printFailure(dialer, error);
          return undefined;
        });
        if (res && res.status !== 200 && errors < 3) printFailure(dialer, res);
        if (res?.status !== 200) errors++;
        else if (sentAt >= warmUntil) latencies.push(res.ms);
      }
    }),
  );
  return { ...summarize(latencies, errors, performance.now() - warmUntil, perRequestNumbers), sent };
}

/** Latency percentiles and throughput of one dialer run over its measured window. */
function summarize(latencies: number[], errors: number, measuredMs: number, perRequestNumbers: number): Omit<DialerRun, 'sent'> {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    perSecond: (latencies.length / measuredMs) * 1000,
    numbersPerSecond: ((latencies.length * perRequestNumbers) / measuredMs) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}

/** A dialer's failed request, on stderr (the first few of a run): the table counts them, this tells what they were. */
function printFailure(dialer: number, failure: Error | Response): void {
  const what = failure instanceof Error ? failure.message : `HTTP ${failure.status} ${failure.body.toString('utf8').slice(0, 200)}`;
  process.stderr.write(`dialer ${dialer}: ${what}\n`);
}

async function paced(count: number, durationMs: number, perRequestNumbers: number, send: (dialer: number, round: number) => Promise<Response>, everyMs: number): Promise<DialerRun> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const warmUntil = started + 1000;
  const endAt = warmUntil + durationMs;
  const inFlight: Promise<void>[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_unused, dialer) => {
      let due = started + Math.random() * everyMs;
      for (let round = 0; due < endAt; round++, due += everyMs) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        const sentAt = performance.now();
        inFlight.push(
          send(dialer, round).then(
            (res) => {
              if (res.status !== 200) {
                if (errors < 3) printFailure(dialer, res);
                errors++;
              } else if (sentAt >= warmUntil) latencies.push(performance.now() - sentAt);
            },
            (error: Error) => {
              if (errors < 3) printFailure(dialer, error);
              errors++;
            },
          ),
        );
      }
    }),
  );
  await Promise.all(inFlight);
  return { ...summarize(latencies, errors, durationMs, perRequestNumbers), sent: inFlight.length };
}

export function smallMailings(count: number, rows: number, historySize: number): Buffer[] {
  return Array.from({ length: count }, (_unused, k) => {
    const draw = new PhoneDraw(1000 + k, historySize, 60_000_000 + k * rows);
    let csv = 'id;nome;telefone\n';
    for (let r = 1; r <= rows; r++) csv += `${r};Cliente ${r};${draw.next()}\n`;
    return Buffer.from(csv, 'latin1');
  });
}

export function checkBodies(count: number, size: number, historySize: number): Buffer[] {
  return Array.from({ length: count }, (_unused, k) => {
    const draw = new PhoneDraw(2000 + k, historySize, 70_000_000 + k * size);
    return Buffer.from(JSON.stringify({ phones: Array.from({ length: size }, () => draw.next() || '11') }));
  });
}

// ---- bounded memory ----

export type StreamRun = FilterRun & { rssBefore: number; rssAfter: number; peak: number; peakMethod: string };

/** A mailing generated on the fly streams through; the server's RSS before, after and at its peak. */
export async function streamLargeMailing(url: string, pid: number, tenant: BenchTenant, rows: number, historySize: number): Promise<StreamRun> {
  const before = await memoryOf(pid);
  const reset = await resetPeak(pid);
  const sampler = sampleRss(pid, 100);
  const run = await filterMailing(url, tenant, streamMailing(rows, new PhoneDraw(99, historySize, 80_000_000)), `bench-${rows}-streamed`);
  const sampled = await sampler.stop();
  const after = await memoryOf(pid);
  return {
    ...run,
    rssBefore: before.rss,
    rssAfter: after.rss,
    peak: reset ? Math.max(after.hwm, sampled) : sampled,
    peakMethod: reset ? 'VmHWM reset before the stream (clear_refs 5)' : 'VmRSS sampled every 100 ms',
  };
}

// ---- consistency between instances ----

/**
 * Makes a fresh number invalid through instance 1 (5 invalid tabulations from each of 2 tenants: one tenant counts
 * at most 5 and the threshold is 10; the bench server waives the day-long span, see server.ts) and measures how long after the commit acknowledgement instance 2's
 * POST /v1/numbers/check (polled every 10 ms) says "invalid".
 */
export async function crossInstance(one: string, two: string, tenants: readonly [BenchTenant, BenchTenant], numberIndex: number, runTag: string): Promise<{ fromAck: number; fromSend: number }> {
  const phone = spell(numberAt(numberIndex), 0);
  const report = (tenant: BenchTenant, part: string) =>
    request(one, {
      method: 'POST',
      path: '/v1/outcomes',
      keepBody: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.dialerKey}` },
      body: JSON.stringify({ outcomes: Array.from({ length: 5 }, (_u, i) => ({ callId: `${runTag}-${part}-${i}`, campaignId: tenant.campaign, phone, code: 'sip:404' })) }),
    });
  const check = async (base: string) => {
    const res = await request(base, {
      method: 'POST',
      path: '/v1/numbers/check',
      keepBody: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenants[0].dialerKey}` },
      body: JSON.stringify({ phones: [phone] }),
    });
    return (JSON.parse(res.body.toString('utf8')) as { results: { status: string }[] }).results[0]?.status;
  };
  if ((await report(tenants[0], 'a')).status !== 200) throw new Error('consistency: first report failed');
  // One tenant's 5 marks leave it dialable (a check answers clean for "não confirmado").
  if ((await check(one)) === 'invalid') throw new Error('consistency: 5 marks from one tenant must not invalidate a number');
  const sentAt = performance.now();
  const second = await report(tenants[1], 'b');
  const ackedAt = performance.now();
  if (second.status !== 200) throw new Error('consistency: second report failed');
  for (;;) {
    const status = await check(two);
    if (status === 'invalid') return { fromAck: Math.max(0, performance.now() - ackedAt), fromSend: performance.now() - sentAt };
    if (performance.now() - ackedAt > 10_000) throw new Error('consistency: instance 2 did not see the invalidation within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- isolation: one tenant's big mailing and another's ingest against a third tenant's lookups ----

export type IsolationRun = {
  quiet: ProbeSummary;
  loaded: ProbeSummary;
  stream: FilterRun;
  ingested: number;
  ingestPerSecond: number;
  /** The server's own event loop and GC during each phase (bench/server.ts, loopOf), when its operator API was given. */
  loop?: { quiet: LoopReading; loaded: LoopReading };
};

/**
 * The probe (bench/probe.ts, its own process) alone for `quietMs`, then again while tenant A streams a `rows`-row
 * mailing generated on the fly and tenant B posts tabulation batches in a closed loop (as the plugin's outbox does)
 * until the stream ends.
 */
export async function isolation(
  url: string,
  tenants: { stream: BenchTenant; ingest: BenchTenant; probe: BenchTenant },
  rows: number,
  historySize: number,
  ingestBodies: readonly Buffer[],
  quietMs: number,
  /** The load clients' nice value (this process's main thread) while they run; the probe, started before, keeps its own. */
  clientsNice = 0,
  operator?: { url: string; token: string },
): Promise<IsolationRun> {
  const lookup = checkBodies(1, 1000, historySize)[0]!;
  const readLoop = () => (operator ? loopOf(operator.url, operator.token) : Promise.resolve(undefined));
  const atStart = await readLoop();
  const quietProbe = startProbe(url, tenants.probe.dialerKey, lookup);
  await new Promise((resolve) => setTimeout(resolve, quietMs));
  const quiet = await quietProbe.stop();
  const quietEnd = await readLoop();
  const loadedProbe = startProbe(url, tenants.probe.dialerKey, lookup);
  const priorityBefore = getPriority();
  if (clientsNice !== priorityBefore) setPriority(clientsNice);
  let streaming = true;
  let ingested = 0;
  const ingestStarted = performance.now();
  let stream: Awaited<ReturnType<typeof filterMailing>>;
  let ingestMs: number;
  try {
    const ingesting = (async () => {
      for (let next = 0; streaming && next < ingestBodies.length; next++) {
        const res = await request(url, {
          method: 'POST',
          path: '/v1/outcomes',
          keepBody: true,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tenants.ingest.dialerKey}` },
          body: ingestBodies[next]!,
        });
        if (res.status !== 200) throw new Error(`outcomes → ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
        ingested += (JSON.parse(res.body.toString('utf8')) as { accepted: number }).accepted;
      }
    })();
    // Awaited only after the stream: until then a failed batch must not be an unhandled rejection (it ends the bench).
    ingesting.catch(() => undefined);
    stream = await filterMailing(url, tenants.stream, streamMailing(rows, new PhoneDraw(77, historySize, 85_000_000)), `bench-${rows}-isolation`).finally(() => {
      streaming = false;
    });
    await ingesting;
    ingestMs = performance.now() - ingestStarted;
  } finally {
    if (clientsNice !== priorityBefore) setPriority(priorityBefore);
  }
  const loaded = await loadedProbe.stop();
  const loadedEnd = await readLoop();
  const loop = atStart && quietEnd && loadedEnd ? { quiet: loopBetween(atStart, quietEnd), loaded: loopBetween(quietEnd, loadedEnd) } : undefined;
  return { quiet, loaded, stream, ingested, ingestPerSecond: (ingested / ingestMs) * 1000, ...(loop ? { loop } : {}) };
}
