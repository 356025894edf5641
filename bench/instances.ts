import { freePort } from './setup';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../plugin/contract/protocol';
import { numberAt, spell } from './data';
import { percentile, request } from './http';
import { ensureNginx, startBalancer, upstreamSplit, type Balancer } from './nginx';
import { millis, rate, ratio, type Row } from './report';
import { startServer, type ServerEnv, type ServerProcess } from './server';
import type { BenchTenant } from './setup';
import { buildOutcomeBodies, checkBodies, dialers, ingest, type IngestRun } from './workloads';

/**
 * Issue 15's multi-instance goal: two instances behind the balancer of docs/deployment.md (deploy/nginx/hygiene.conf
 * rendered to loopback by bench/nginx.ts), side by side with one instance behind the same nginx; then how long a
 * number invalidated through one instance takes to be filtered by the other.
 */

export type MultiInstanceOptions = {
  env: ServerEnv;
  /** At least 3: two mark the numbers, a third (which marked nothing) watches them. */
  tenants: readonly BenchTenant[];
  historySize: number;
  workDir: string;
  root: string;
  one: ServerProcess;
  /** Started here (and stopped at the end) when not given. */
  two?: ServerProcess;
  /** Measured window of each closed-loop run (after 1 s of warm-up). */
  dialerMs: number;
  /** Tabulations per ingest pass (capped at INGEST_CAP: three passes run). */
  ingestTabulations: number;
  log: (line: string) => void;
};

const DIALERS = 50;
const INGEST_CLIENTS = 4;
/** The plugin's outbox posts 1k-outcome batches; with 1k batches a 100k pass is 100 requests to balance. */
const INGEST_BATCH = 1000;
const INGEST_CAP = 300_000;
/** Invalidations measured without load (half each way) and with load. */
const QUIET_CHANGES = 200;
const LOADED_CHANGES = 100;
const DEADLINE_MS = 10_000;
const POLL_MS = 2;
const PROPAGATION_P99_MS = 250;
/** Fresh numbers far from those of bench/workloads.ts (their fresh ranges start at history + 50M … 85M). */
const FIRST_CHANGE_INDEX = 96_000_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const p = (values: readonly number[], at: number) => percentile(sorted(values), at);
const share = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(0)}%`;

const portOf = (instance: ServerProcess) => Number(new URL(instance.url).port);

export async function multiInstance(options: MultiInstanceOptions): Promise<Row[]> {
  const { tenants, log } = options;
  if (tenants.length < 3) throw new Error('multiInstance: needs 3 tenants (two mark, one watches)');
  ensureNginx(options.root);
  const loadStart = loadavg()[0]!;
  const ownTwo = options.two === undefined;
  const balancers: Balancer[] = [];
  let two: ServerProcess | undefined = options.two;
  try {
    two ??= await startServer({ name: 'instance-2', port: await freePort(), operatorPort: await freePort(), env: options.env, workDir: options.workDir, profile: false, root: options.root });
    if (ownTwo) log(`instance 2 ready in ${(two.readyMs / 1000).toFixed(2)} s`);
    const instances = [options.one, two] as const;
    const single = await startBalancer({ name: 'nginx-1', root: options.root, dir: path.join(options.workDir, 'nginx-1'), listenPort: await freePort(), instancePorts: [portOf(options.one)] });
    balancers.push(single);
    const pair = await startBalancer({ name: 'nginx-2', root: options.root, dir: path.join(options.workDir, 'nginx-2'), listenPort: await freePort(), instancePorts: instances.map(portOf) });
    balancers.push(pair);

    const throughput = await measureThroughput(options, instances, single, pair);
    const split = await upstreamSplit(pair);
    const quiet = await propagation(instances, tenants, options.historySize, FIRST_CHANGE_INDEX, QUIET_CHANGES);
    log(`cross-instance, quiet: p50 ${millis(p(quiet.fromAck, 50))} p99 ${millis(p(quiet.fromAck, 99))}, seen ${quiet.fromAck.length}/${quiet.total}`);
    const load = backgroundLoad(pair.url, tenants, options.historySize);
    const loaded = await propagation(instances, tenants, options.historySize, FIRST_CHANGE_INDEX + QUIET_CHANGES, LOADED_CHANGES).finally(() => load.stop());
    const background = await load.stop();
    log(`cross-instance, loaded: p50 ${millis(p(loaded.fromAck, 50))} p99 ${millis(p(loaded.fromAck, 99))}, seen ${loaded.fromAck.length}/${loaded.total}`);

    const splitText = instances.map((instance, i) => `instance ${i + 1} ${share(split.get(`127.0.0.1:${portOf(instance)}`) ?? 0, [...split.values()].reduce((a, b) => a + b, 0))}`).join(', ');
    const context =
      `the client, both instances, nginx and PostgreSQL share ${cpus().length} cores, so two / one shows what a second instance and the balancer cost here, not scaling; ` +
      `1-minute load average ${loadStart.toFixed(1)} at the start of this phase, ${loadavg()[0]!.toFixed(1)} at its end (other work on the machine)`;
    const { checks, ingested } = throughput;
    return [
      {
        metric: `2 instances behind nginx (deploy/nginx/hygiene.conf): ${DIALERS} dialers closed loop, POST /v1/numbers/check (1k phones)`,
        value: rate(checks.two.perSecond),
        detail:
          `p50 ${millis(checks.two.p50)}, p99 ${millis(checks.two.p99)}; 1 instance behind the same nginx ${rate(checks.one.perSecond)} (p50 ${millis(checks.one.p50)}, p99 ${millis(checks.one.p99)}); ` +
          `two / one = ${ratio(checks.two.perSecond / checks.one.perSecond)} (slices one, two, two, one: ${[checks.one.slices[0], ...checks.two.slices, checks.one.slices[1]].map((value) => rate(value ?? Number.NaN)).join(', ')}); ` +
          `instance 1 without nginx ${rate(checks.direct.perSecond)} (p99 ${millis(checks.direct.p99)}); nginx sent ${splitText}; errors ${checks.two.errors + checks.one.errors + checks.direct.errors}; ${context}`,
        target: 'measured (no target)',
      },
      {
        metric: `2 instances behind nginx: ingest POST /v1/outcomes ×${INGEST_BATCH / 1000}k, ${INGEST_CLIENTS} clients, ${ingested.tabulations.toLocaleString('en-US')} tabulations per layout`,
        value: rate(ingested.two.perSecond),
        detail:
          `batch p99 ${millis(ingested.two.batchP99)} (worse slice); 1 instance behind the same nginx ${rate(ingested.one.perSecond)} (batch p99 ${millis(ingested.one.batchP99)}); ` +
          `two / one = ${ratio(ingested.two.perSecond / ingested.one.perSecond)} (slices one, two, two, one: ${[ingested.one.slices[0], ...ingested.two.slices, ingested.one.slices[1]].map((value) => rate(value ?? Number.NaN)).join(', ')}); ` +
          `the same numbers in every slice (a first pass, not counted, made their rows); both instances write to one PostgreSQL; ${context}`,
        target: 'measured (no target)',
      },
      propagationRow(quiet, 'quiet'),
      propagationRow(loaded, `while ${DIALERS} dialers (1k checks, closed loop) and an ingest client load both through nginx (${background.requests} requests, ${background.errors} errors)`),
      pushRow(quiet, loaded),
    ];
  } finally {
    await Promise.all(balancers.map((balancer) => balancer.stop()));
    if (ownTwo) await two?.stop();
  }
}

// ---- aggregate throughput: the same closed loops through nginx to one instance and to two, interleaved ----

/** One layout's closed-loop runs put together: every latency, the measured time and the units served. */
type Throughput = { perSecond: number; p50: number; p99: number; errors: number; slices: number[] };

function combine(runs: readonly { latencies: readonly number[]; units: number; ms: number; errors: number }[]): Throughput {
  const latencies = runs.flatMap((run) => run.latencies);
  const units = runs.reduce((sum, run) => sum + run.units, 0);
  const ms = runs.reduce((sum, run) => sum + run.ms, 0);
  return {
    perSecond: (units / ms) * 1000,
    p50: p(latencies, 50),
    p99: p(latencies, 99),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    slices: runs.map((run) => (run.units / run.ms) * 1000),
  };
}

/**
 * Checks, then ingest, each in the order one, two, two, one (half the time or half the tabulations per slice): the
 * machine is shared, and a burst of someone else's load then weighs on both layouts alike instead of on one.
 */
async function measureThroughput(options: MultiInstanceOptions, instances: readonly [ServerProcess, ServerProcess], single: Balancer, pair: Balancer) {
  const { tenants, historySize, log } = options;
  const bodies = checkBodies(DIALERS, 1000, historySize);
  const checksThrough = async (base: string, ms: number) => {
    const latencies: number[] = [];
    const started = performance.now();
    // dialers() does not count the requests sent in its first second (warm-up); neither do these latencies.
    const send = async (dialer: number, round: number) => {
      const sentAt = performance.now();
      const res = await request(base, {
        method: 'POST',
        path: '/v1/numbers/check',
        keepBody: true,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenants[dialer % tenants.length]!.dialerKey}` },
        body: bodies[(dialer + round) % bodies.length]!,
      });
      if (res.status === 200 && sentAt >= started + 1000) latencies.push(res.ms);
      return res;
    };
    const run = await dialers(DIALERS, ms, 1000, send);
    return { latencies, units: run.requests, ms: performance.now() - started - 1000, errors: run.errors };
  };
  // Ingest passes over the same numbers (buildOutcomeBodies draws them from one seed): a first pass, not counted,
  // creates their rows, so no measured slice does more work than another.
  const tabulations = Math.min(options.ingestTabulations, INGEST_CAP);
  const half = Math.floor(tabulations / 2);
  const tag = Date.now().toString(36);
  const markers = [tenants[0]!, tenants[1]!];
  const ingestThrough = async (base: string, pass: string) => {
    const run: IngestRun = await ingest(base, markers, buildOutcomeBodies(half, INGEST_BATCH, historySize, `inst-${tag}-${pass}`, tenants[0]!.campaign), INGEST_CLIENTS);
    if (run.accepted !== half) throw new Error(`ingest through ${base}: ${run.accepted} of ${half} accepted`);
    return { latencies: [] as number[], units: run.accepted, ms: run.ms, errors: 0, batchP99: run.batchP99 };
  };
  // Warm-up, not counted: instance 2's JIT, and the ingest numbers' rows.
  await checksThrough(pair.url, 1000);
  await ingestThrough(instances[0].url, 'warm');

  const slice = Math.max(2000, Math.round(options.dialerMs / 2));
  const direct = combine([await checksThrough(instances[0].url, options.dialerMs)]);
  const checkRuns = { one: [await checksThrough(single.url, slice)], two: [await checksThrough(pair.url, slice)] };
  checkRuns.two.push(await checksThrough(pair.url, slice));
  checkRuns.one.push(await checksThrough(single.url, slice));
  const checks = { direct, one: combine(checkRuns.one), two: combine(checkRuns.two) };
  const show = (run: Throughput) => `${rate(run.perSecond)} p50 ${millis(run.p50)} p99 ${millis(run.p99)}`;
  log(`checks, ${DIALERS} dialers: instance 1 direct ${show(direct)}; nginx → 1 instance ${show(checks.one)}; nginx → 2 instances ${show(checks.two)}`);

  const ingestRuns = { one: [await ingestThrough(single.url, 'one-a')], two: [await ingestThrough(pair.url, 'two-a')] };
  ingestRuns.two.push(await ingestThrough(pair.url, 'two-b'));
  ingestRuns.one.push(await ingestThrough(single.url, 'one-b'));
  const ingested = {
    tabulations: 2 * half,
    one: { ...combine(ingestRuns.one), batchP99: Math.max(...ingestRuns.one.map((run) => run.batchP99)) },
    two: { ...combine(ingestRuns.two), batchP99: Math.max(...ingestRuns.two.map((run) => run.batchP99)) },
  };
  log(`ingest ${(2 * half).toLocaleString('en-US')} per layout: nginx → 1 instance ${rate(ingested.one.perSecond)}; nginx → 2 instances ${rate(ingested.two.perSecond)}`);
  return { checks, ingested };
}

/** Closed-loop 1k checks and one ingest client through `base` until stopped (the "loaded" propagation pass). */
function backgroundLoad(base: string, tenants: readonly BenchTenant[], historySize: number): { stop(): Promise<{ requests: number; errors: number }> } {
  const bodies = checkBodies(DIALERS, 1000, historySize);
  let running = true;
  let requests = 0;
  let errors = 0;
  const count = (status: number) => {
    requests++;
    if (status !== 200) errors++;
  };
  const post = (tenant: BenchTenant, route: string, body: Buffer) =>
    request(base, { method: 'POST', path: route, keepBody: true, headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.dialerKey}` }, body }).then(
      (res) => count(res.status),
      () => count(0),
    );
  const loops = Array.from({ length: DIALERS }, async (_unused, dialer) => {
    for (let round = 0; running; round++) await post(tenants[dialer % tenants.length]!, '/v1/numbers/check', bodies[(dialer + round) % bodies.length]!);
  });
  loops.push(
    (async () => {
      for (let cycle = 0; running; cycle++) {
        for (const body of buildOutcomeBodies(10_000, INGEST_BATCH, historySize, `inst-load-${Date.now().toString(36)}-${cycle}`, tenants[1]!.campaign)) {
          if (!running) break;
          await post(tenants[1]!, '/v1/outcomes', body);
        }
      }
    })(),
  );
  let stopped: Promise<{ requests: number; errors: number }> | undefined;
  return {
    stop() {
      running = false;
      stopped ??= Promise.all(loops).then(() => ({ requests, errors }));
      return stopped;
    },
  };
}

// ---- cross-instance propagation ----

type Propagation = {
  total: number;
  /** Per change seen within the deadline: ms from the commit ack to the first "invalid" answer of the other instance. */
  fromAck: number[];
  fromSend: number[];
  /** The round trip of the check that answered "invalid": under load, much of fromAck is that request's own queueing. */
  answerMs: number[];
  byDirection: [number[], number[]];
  /** The 'numbers:invalidated' push on a dialer socket of the other instance, ms from the ack. */
  pushFromAck: number[];
  /** Pushes that arrived before the other instance answered "invalid". */
  pushBeforeSeen: number;
  /** An immediate re-check on the push's arrival (plugin/src/watch.ts re-checks once) still answered the old status. */
  staleRecheck: number;
};

type Watched = { instance: number; token: number; phone: string; pushAt?: number; recheck?: Promise<string | undefined>; arrived: () => void };

/**
 * `changes` fresh numbers, each made invalid through one instance (5 invalid tabulations from each of 2 tenants, as
 * workloads.ts crossInstance: one tenant counts at most 5, the threshold is 10; the bench server waives the span),
 * alternately through instance 1 and 2, while a third tenant polls the other instance's POST /v1/numbers/check
 * every POLL_MS. A dialer socket of the third tenant on each instance times the 'numbers:invalidated' push.
 */
async function propagation(instances: readonly [ServerProcess, ServerProcess], tenants: readonly BenchTenant[], historySize: number, firstIndex: number, changes: number): Promise<Propagation> {
  const [markerA, markerB, watcher] = tenants as [BenchTenant, BenchTenant, BenchTenant];
  const check = async (base: string, phone: string) => {
    const res = await request(base, {
      method: 'POST',
      path: '/v1/numbers/check',
      keepBody: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${watcher.dialerKey}` },
      body: JSON.stringify({ phones: [phone] }),
    });
    return (JSON.parse(res.body.toString('utf8')) as { results: { status: string }[] }).results[0]?.status;
  };
  const report = (base: string, tenant: BenchTenant, phone: string, callTag: string) =>
    request(base, {
      method: 'POST',
      path: '/v1/outcomes',
      keepBody: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.dialerKey}` },
      body: JSON.stringify({ outcomes: Array.from({ length: 5 }, (_u, i) => ({ callId: `${callTag}-${i}`, campaignId: tenant.campaign, phone, code: 'sip:404' })) }),
    });
  let watched: Watched | undefined;
  const sockets = await Promise.all(instances.map((instance, index) => watchSocket(instance.url, watcher.dialerKey, (tokens) => {
    const current = watched;
    if (!current || current.instance !== index || current.pushAt !== undefined || !tokens.includes(current.token)) return;
    current.pushAt = performance.now();
    current.recheck = check(instance.url, current.phone).catch(() => undefined);
    current.arrived();
  })));
  const result: Propagation = { total: changes, fromAck: [], fromSend: [], answerMs: [], byDirection: [[], []], pushFromAck: [], pushBeforeSeen: 0, staleRecheck: 0 };
  const runTag = Date.now().toString(36);
  try {
    for (let k = 0; k < changes; k++) {
      const direction = k % 2;
      const writer = instances[direction]!;
      const other = instances[1 - direction]!;
      const phone = spell(numberAt(historySize + firstIndex + k), 0);
      const tokenAnswer = await request(other.url, {
        method: 'POST',
        path: '/v1/watch-tokens',
        keepBody: true,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${watcher.dialerKey}` },
        body: JSON.stringify({ phones: [phone] }),
      });
      const token = (JSON.parse(tokenAnswer.body.toString('utf8')) as { tokens: (number | null)[] }).tokens[0];
      if (typeof token !== 'number') throw new Error(`cross-instance: no watch token for ${phone}: ${tokenAnswer.status}`);
      if ((await report(writer.url, markerA, phone, `x-${runTag}-${k}-a`)).status !== 200) throw new Error('cross-instance: first report failed');
      if ((await check(writer.url, phone)) === 'invalid') throw new Error('cross-instance: 5 marks from one tenant must not invalidate a number');
      let arrived: () => void = () => undefined;
      const pushed = new Promise<void>((resolve) => (arrived = resolve));
      const current: Watched = { instance: 1 - direction, token, phone, arrived };
      watched = current;
      const sentAt = performance.now();
      const second = await report(writer.url, markerB, phone, `x-${runTag}-${k}-b`);
      const ackedAt = performance.now();
      if (second.status !== 200) throw new Error(`cross-instance: second report failed: ${second.status}`);
      let seenAt: number | undefined;
      while (performance.now() - ackedAt < DEADLINE_MS) {
        const checkedAt = performance.now();
        if ((await check(other.url, phone)) === 'invalid') {
          seenAt = performance.now();
          result.answerMs.push(seenAt - checkedAt);
          break;
        }
        await sleep(POLL_MS);
      }
      if (seenAt !== undefined) {
        result.fromAck.push(seenAt - ackedAt);
        result.fromSend.push(seenAt - sentAt);
        result.byDirection[direction]!.push(seenAt - ackedAt);
      }
      await Promise.race([pushed, sleep(1000)]);
      watched = undefined;
      if (current.pushAt !== undefined) {
        result.pushFromAck.push(current.pushAt - ackedAt);
        if (seenAt === undefined || current.pushAt < seenAt) result.pushBeforeSeen++;
        if ((await current.recheck) !== 'invalid') result.staleRecheck++;
      }
    }
  } finally {
    for (const socket of sockets) socket.close();
  }
  return result;
}

/** A dialer's socket (WebSocket only, as plugin/src/watch.ts) on one instance, connected. */
async function watchSocket(url: string, dialerKey: string, onInvalidated: (tokens: number[]) => void): Promise<Socket<ServerToClientEvents, ClientToServerEvents>> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token: dialerKey }, transports: ['websocket'], reconnection: false });
  socket.on('numbers:invalidated', (event) => onInvalidated(event.tokens));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new Error(`dialer socket on ${url}: ${error.message}`));
    });
  });
  return socket;
}

function propagationRow(run: Propagation, condition: string): Row {
  const seenAll = run.fromAck.length === run.total;
  const worst = seenAll ? p(run.fromAck, 99) : Number.POSITIVE_INFINITY;
  const direction = (values: readonly number[]) => `p50 ${millis(p(values, 50))}, p99 ${millis(p(values, 99))}`;
  return {
    metric: `cross-instance, ${condition === 'quiet' ? 'quiet' : 'loaded'}: ${run.total} numbers invalidated through one instance (1→2 and 2→1 alternately), filtered by the other`,
    value: `p99 ${millis(p(run.fromAck, 99))}`,
    detail:
      `from the commit ack to the other instance's first "invalid" answer (polled every ${POLL_MS} ms): p50 ${millis(p(run.fromAck, 50))}, max ${millis(p(run.fromAck, 100))}; ` +
      `1→2 ${direction(run.byDirection[0])}; 2→1 ${direction(run.byDirection[1])}; seen ${run.fromAck.length}/${run.total} within ${DEADLINE_MS / 1000} s; ` +
      `the answering check's own round trip p50 ${millis(p(run.answerMs, 50))}, p99 ${millis(p(run.answerMs, 99))}; ` +
      `from the report's send p50 ${millis(p(run.fromSend, 50))}, p99 ${millis(p(run.fromSend, 99))}${condition === 'quiet' ? '' : `; ${condition}`}`,
    target: `p99 ≤ ${PROPAGATION_P99_MS} ms, 100% seen`,
    met: seenAll && worst <= PROPAGATION_P99_MS,
  };
}

function pushRow(quiet: Propagation, loaded: Propagation): Row {
  const stale = (run: Propagation) => `${run.staleRecheck} of ${run.pushFromAck.length}`;
  return {
    metric: "cross-instance: the 'numbers:invalidated' push to a dialer socket on the other instance (quiet)",
    value: `p99 ${millis(p(quiet.pushFromAck, 99))}`,
    detail:
      `from the commit ack (negative: the push reached the socket before the HTTP ack reached the client): p50 ${millis(p(quiet.pushFromAck, 50))}, max ${millis(p(quiet.pushFromAck, 100))}; received ${quiet.pushFromAck.length}/${quiet.total} (loaded: ${loaded.pushFromAck.length}/${loaded.total}, p99 ${millis(p(loaded.pushFromAck, 99))}); ` +
      `it arrived before the 2 ms poller saw "invalid" there ${quiet.pushBeforeSeen} times (loaded ${loaded.pushBeforeSeen}); ` +
      `a re-check sent to that instance on arrival, as plugin/src/watch.ts does, still answered the old status ${stale(quiet)} times (loaded ${stale(loaded)})`,
  };
}
