import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from 'pg';
import { Pseudonymizer } from '../server/domain/pseudonym';
import { buildMailing, loadHistory, PhoneDraw, MAILING_MIX } from './data';
import { request } from './http';
import { floorPath, naivePath, storedKeys } from './paths';
import { profileMarkdown, readProfile, summarize } from './profile';
import { machine, millis, mib, printTable, rate, ratio, seconds, writeDoc, type Row } from './report';
import { liveOf, loopBetween, loopOf, memoryOf, releaseBench, startServer, type LoopReading, type ServerEnv, type ServerProcess } from './server';
import { createDatabase, createTenant, databaseUrl, freePort, REDIS_URL, type BenchTenant } from './setup';
import { checkBodies, dialers, filterMailing, ingest, isolation, smallMailings, streamLargeMailing, buildOutcomeBodies } from './workloads';
import { cliFilter } from './cli';
import { cpuBetween, cpuNow, cpuPerUnit, threadCpu, threadSplit } from './cpu';
import { multiInstance } from './instances';
import { ORACLE_FULL_SIZE, oracleProblems, oracleSummary, runPhoneOracle } from './phoneOracle';

const args = new Set(process.argv.slice(2));
if (args.has('--national')) {
  // `npm run bench -- --national`: the national-scale bench (bench/national.ts, its own database and clean-up) instead.
  process.exit(spawnSync(process.execPath, [path.join(__dirname, 'national.js'), ...process.argv.slice(2)], { stdio: 'inherit' }).status ?? 1);
}
const quick = args.has('--quick');
const profile = args.has('--profile');
/** `npm run bench -- --phone-oracle`: only the full libphonenumber comparison (no database, no server). */
const oracleOnly = args.has('--phone-oracle');
/**
 * `--only=isolation,ingest`: only those phases (filter, ingest, dialers, memory, isolation, instances, oracle), for
 * working on one figure; such a partial run prints its table and leaves docs/performance.md alone.
 */
const PHASES = ['filter', 'ingest', 'dialers', 'memory', 'isolation', 'instances', 'oracle'];
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const unknownPhases = only?.filter((phase) => !PHASES.includes(phase)) ?? [];
if (unknownPhases.length > 0) {
  process.stderr.write(`--only: no phase ${unknownPhases.map((phase) => `"${phase}"`).join(', ')}; the phases are ${PHASES.join(', ')}\n`);
  process.exit(2);
}
const runs = (phase: string) => !only || only.includes(phase);
const size = quick
  ? { history: 2_000_000, mailing: 100_000, ingest: 100_000, stream: 1_000_000, dialerMs: 5_000, filterReps: 3 }
  : { history: 20_000_000, mailing: 1_000_000, ingest: 1_000_000, stream: 10_000_000, dialerMs: 15_000, filterReps: 3 };
const ROOT = path.resolve(__dirname, '../..');
const KEYS = {
  jwtSecret: 'bench-jwt-secret-0123456789abcdef0123456789',
  pseudonymKeyHex: '000102030405060708090a0b0c0d0e0f',
  // Random per run: a production start refuses a guessable operator token (server/domain/tokenEntropy.ts).
  operatorToken: randomBytes(32).toString('hex'),
};
const DIALERS = 50;
const INGEST_CLIENTS = 4;

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const dbName = `hyg_bench_${stamp}_${process.pid}`;
const redisPrefix = `hygbench:${stamp}:${process.pid}:`;
let workDir = '';
let dbClient: Client | undefined;
let cleaned: Promise<void> | undefined;

function cleanup(failed = false): Promise<void> {
  cleaned ??= (async () => {
    if (failed && workDir) {
      // The servers' logs go with the work folder: show their ends first.
      for (const file of (await readdir(workDir).catch(() => [] as string[])).filter((name) => name.endsWith('.log'))) {
        const text = await readFile(path.join(workDir, file), 'utf8').catch(() => '');
        process.stderr.write(`--- ${file} (last lines) ---\n${text.split('\n').slice(-40).join('\n')}\n`);
      }
    }
    await releaseBench({ dbName, redisPrefix, workDir, dbClient }, log);
  })();
  return cleaned;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const windows: { name: string; fromUs: number; toUs: number }[] = [];
  workDir = await mkdtemp(path.join(tmpdir(), 'hyg-bench-'));
  log(`bench ${quick ? '--quick ' : ''}${profile ? '--profile ' : ''}: database ${dbName}, Redis prefix ${redisPrefix}`);

  // 1. the shared history, generated and COPYed before any server starts
  const client: Client = await createDatabase(dbName);
  dbClient = client;
  const postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  log(`generating ${size.history.toLocaleString('en-US')} numbers of history…`);
  const history = await loadHistory(client, Buffer.from(KEYS.pseudonymKeyHex, 'hex'), size.history, log);
  const historyMs = history.generateMs + history.indexMs + history.analyzeMs;
  log(`history: generate+COPY ${seconds(history.generateMs)}, indexes ${seconds(history.indexMs)}, ANALYZE ${seconds(history.analyzeMs)}`);
  rows.push({
    metric: `history generated (${(size.history / 1e6).toFixed(0)}M numbers, ${(history.nonClean / 1e6).toFixed(1)}M not clean)`,
    value: seconds(historyMs),
    detail: `pseudonymize + COPY binary ${seconds(history.generateMs)}; indexes ${seconds(history.indexMs)}; ANALYZE ${seconds(history.analyzeMs)}`,
  });

  // 2. the server, as in production
  const env: ServerEnv = { databaseUrl: databaseUrl(dbName), redisUrl: REDIS_URL, redisPrefix, ...KEYS };
  const one = await startServer({ name: 'instance-1', port: await freePort(), operatorPort: await freePort(), env, workDir, profile, root: ROOT });
  const loaded = await memoryOf(one.pid);
  log(`instance 1 ready in ${seconds(one.readyMs)}, RSS ${mib(loaded.rss)}`);
  rows.push({ metric: 'server start (loads the non-clean history into its index)', value: seconds(one.readyMs), detail: `RSS after start ${mib(loaded.rss)}` });

  const tenants: BenchTenant[] = [];
  for (let t = 0; t < 5; t++) tenants.push(await createTenant(one.url, one.operatorUrl, KEYS.operatorToken, `bench-${stamp}-${t}`, 'bench-campaign'));
  const [first, second] = tenants as [BenchTenant, BenchTenant];

  // 3. the 1M-row mailing: ours (HTTP, end to end) beside the floor and the naive path
  if (runs('filter')) {
    const mailing = buildMailing(size.mailing, new PhoneDraw(42, size.history, 0), true);
    const pseudonymizer = new Pseudonymizer(Buffer.from(KEYS.pseudonymKeyHex, 'hex'));
    const keys = storedKeys(mailing.phones, pseudonymizer);
    await filterMailing(one.url, first, buildMailing(20_000, new PhoneDraw(1, size.history, 90_000_000)).csv, 'warm-up');
    const ours: number[] = [];
    let oursCounts: Awaited<ReturnType<typeof filterMailing>>['counts'] | undefined;
    const filterFrom = monotonicUs();
    const threadsFrom = await threadCpu(one.pid);
    const clientFrom = process.cpuUsage();
    for (let rep = 0; rep < size.filterReps; rep++) {
      const run = await filterMailing(one.url, first, mailing.csv, `bench-${size.mailing}-${rep}`);
      ours.push(run.ms);
      oursCounts = run.counts;
      log(`filter ${size.mailing.toLocaleString('en-US')} rows over HTTP: ${seconds(run.ms)} (${mib(run.bytesIn)} in, ${mib(run.bytesOut)} out)`);
    }
    windows.push({ name: `filter ${size.mailing.toLocaleString('en-US')}-row mailing ×${size.filterReps}`, fromUs: filterFrom, toUs: monotonicUs() });
    const clientSpent = process.cpuUsage(clientFrom);
    const threads = threadSplit(one.pid, threadsFrom, await threadCpu(one.pid), (clientSpent.user + clientSpent.system) / 1e6, size.filterReps, 'mailing');
    log(threads);
    const floors: number[] = [];
    let floorCounts: ReturnType<typeof floorPath> | undefined;
    for (let rep = 0; rep < size.filterReps; rep++) {
      const started = performance.now();
      floorCounts = floorPath(mailing.phones, pseudonymizer, history.table);
      floors.push(performance.now() - started);
    }
    log(`floor: ${seconds(median(floors))}`);
    const naiveStarted = performance.now();
    const naive = await naivePath(mailing.phones, keys, Buffer.from(KEYS.pseudonymKeyHex, 'hex'), client);
    const naiveMs = performance.now() - naiveStarted;
    log(`naive: ${seconds(naiveMs)} (HMAC ${seconds(naive.hmacMs)}, SQL ${seconds(naive.sqlMs)})`);
    const oursMs = median(ours);
    const label = `${(size.mailing / 1e6).toLocaleString('en-US')}M-row mailing`;
    rows.push({
      metric: `${label}, HTTP end to end (median of ${size.filterReps})`,
      value: seconds(oursMs),
      detail: `${rate((size.mailing / oursMs) * 1000)} rows; runs ${ours.map((ms) => seconds(ms)).join(', ')}; ${threads}`,
      target: quick ? '≤ 2 s for 1M (quick: 100k)' : '≤ 2 s',
      met: quick ? undefined : oursMs <= 2000,
    });
    rows.push({
      metric: `floor (parse + pseudonymize + StatusTable), same numbers`,
      value: seconds(median(floors)),
      detail: `ours / floor = ${ratio(oursMs / median(floors))}`,
      target: 'ours ≤ 2× floor',
      met: oursMs <= 2 * median(floors),
    });
    rows.push({
      metric: `naive (createHmac per number + = ANY on 20M-row PK, ${10_000} per query)`,
      value: seconds(naiveMs),
      detail: `naive / ours = ${ratio(naiveMs / oursMs)} (HMAC+parse ${seconds(naive.hmacMs)}, SQL ${seconds(naive.sqlMs)})`,
      target: 'ours ≥ 15× faster',
      met: naiveMs >= 15 * oursMs,
    });
    if (oursCounts && floorCounts) {
      const agree = oursCounts.invalidPhones === floorCounts.invalid && oursCounts.unconfirmedPhones === floorCounts.unconfirmed;
      notes.push(
        `Check: the server and the floor agree on the 1M-row mailing's verdicts: ${agree ? 'yes' : 'NO'} (server ${oursCounts.invalidPhones} invalid / ` +
          `${oursCounts.unconfirmedPhones} unconfirmed / ${oursCounts.malformedRows} malformed rows; floor ${floorCounts.invalid} / ${floorCounts.unconfirmed} / ${floorCounts.malformed}; naive ${naive.invalid} / ${naive.unconfirmed} / ${naive.malformed}). ` +
          `Mailing mix: ${MAILING_MIX.fromHistory * 100}% numbers of the history, ${MAILING_MIX.fresh * 100}% fresh, ${MAILING_MIX.malformed * 100}% malformed; four spellings.`,
      );
    }
    const cli = await cliFilter(ROOT, one.url, first, mailing.csv, workDir);
    rows.push(
      cli.ms === undefined
        ? { metric: `${label}, through the plugin CLI`, value: 'pending', detail: cli.note, target: '≤ 2 s' }
        : { metric: `${label}, through the plugin CLI`, value: seconds(cli.ms), detail: `${cli.note}; CLI / HTTP = ${ratio(cli.ms / oursMs)}`, target: '≤ 2 s', met: quick ? undefined : cli.ms <= 2000 },
    );
  }

  // 4. ingest
  if (runs('ingest')) {
    const bodies = buildOutcomeBodies(size.ingest, 10_000, size.history, `ingest-${stamp}`, 'bench-campaign');
    const ingestFrom = monotonicUs();
    const cpuFrom = await cpuNow([one.pid]);
    const loopFrom = await loopOf(one.operatorUrl, KEYS.operatorToken);
    const checkpointsFrom = await checkpointsOf(client);
    const ingested = await ingest(one.url, [first, second], bodies, INGEST_CLIENTS);
    const cpu = cpuPerUnit(cpuBetween(cpuFrom, await cpuNow([one.pid])), ingested.accepted, 'tabulation', availableParallelism());
    const loop = loopText(loopBetween(loopFrom, await loopOf(one.operatorUrl, KEYS.operatorToken)));
    const checkpoints = await checkpointsOf(client);
    const walBytes = checkpoints.walBytes - checkpointsFrom.walBytes;
    const walText =
      `PostgreSQL checkpoints meanwhile: ${checkpoints.requested - checkpointsFrom.requested} requested (WAL past max_wal_size ${checkpoints.maxWalSize}), ` +
      `${checkpoints.timed - checkpointsFrom.timed} timed; WAL ${(walBytes / Math.max(1, ingested.accepted)).toFixed(0)} bytes per tabulation, ` +
      `${(checkpoints.walFpi - checkpointsFrom.walFpi).toLocaleString('en-US')} full-page images (wal_compression ${checkpoints.walCompression})`;
    windows.push({ name: `ingest ${size.ingest.toLocaleString('en-US')} tabulations`, fromUs: ingestFrom, toUs: monotonicUs() });
    log(`ingest: ${rate(ingested.perSecond)} (${ingested.accepted} accepted in ${seconds(ingested.ms)}); ${cpu}; server ${loop}; ${walText}`);
    rows.push({
      metric: `ingest ${(size.ingest / 1e6).toLocaleString('en-US')}M tabulations, POST /v1/outcomes ×10k, ${INGEST_CLIENTS} clients`,
      value: rate(ingested.perSecond),
      detail: `${ingested.accepted.toLocaleString('en-US')} accepted in ${seconds(ingested.ms)}; batch p50 ${millis(ingested.batchP50)}, p99 ${millis(ingested.batchP99)}; ${cpu}; server ${loop}; ${walText}`,
      target: '≥ 100,000/s',
      met: ingested.perSecond >= 100_000 && ingested.accepted === size.ingest,
    });
  }

  // 5. 50 dialers at once: closed loop (saturation) and paced (each dialer one batch every second)
  if (runs('dialers')) {
    const small = smallMailings(50, 1000, size.history);
    const checks = checkBodies(50, 1000, size.history);
    const sendMailing = (dialer: number, round: number) => {
      const tenant = tenants[dialer % tenants.length]!;
      return request(one.url, {
        method: 'POST',
        path: `/v1/campaigns/${tenant.campaign}/mailings?name=dialer-${dialer}-${round}`,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${tenant.dialerKey}` },
        body: small[(dialer + round) % small.length]!,
      });
    };
    const sendCheck = (dialer: number, round: number) =>
      request(one.url, {
        method: 'POST',
        path: '/v1/numbers/check',
        keepBody: true,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenants[dialer % tenants.length]!.dialerKey}` },
        body: checks[(dialer + round) % checks.length]!,
      });
    for (const [name, send] of [
      ['POST /v1/campaigns/:id/mailings (1k-row CSV)', sendMailing],
      ['POST /v1/numbers/check (1k phones)', sendCheck],
    ] as const) {
      const pacedFrom = monotonicUs();
      const pacedRun = await dialers(DIALERS, size.dialerMs, 1000, send, 1000);
      windows.push({ name: `${DIALERS} dialers paced, ${name}`, fromUs: pacedFrom, toUs: monotonicUs() });
      const closedFrom = monotonicUs();
      const cpuFrom = await cpuNow([one.pid]);
      const closedRun = await dialers(DIALERS, size.dialerMs, 1000, send);
      const cpu = cpuPerUnit(cpuBetween(cpuFrom, await cpuNow([one.pid])), closedRun.sent, 'request', availableParallelism());
      windows.push({ name: `${DIALERS} dialers closed loop, ${name}`, fromUs: closedFrom, toUs: monotonicUs() });
      log(`dialers ${name}: paced p99 ${millis(pacedRun.p99)}; closed loop p50 ${millis(closedRun.p50)} p99 ${millis(closedRun.p99)}, ${rate(closedRun.perSecond)}; ${cpu}`);
      rows.push({
        metric: `${DIALERS} dialers, each 1 batch/s (50 req/s), ${name}`,
        value: `p99 ${millis(pacedRun.p99)}`,
        detail: `p50 ${millis(pacedRun.p50)}, max ${millis(pacedRun.max)}; ${pacedRun.requests} requests, ${pacedRun.errors} errors`,
        target: 'p99 ≤ 30 ms',
        met: pacedRun.p99 <= 30 && pacedRun.errors === 0,
      });
      rows.push({
        metric: `${DIALERS} dialers, closed loop (no think time), ${name}`,
        value: `p99 ${millis(closedRun.p99)}`,
        detail: `p50 ${millis(closedRun.p50)}, max ${millis(closedRun.max)}; saturation ${rate(closedRun.perSecond)} requests = ${rate(closedRun.numbersPerSecond)} numbers; ${closedRun.requests} requests, ${closedRun.errors} errors; ${cpu}`,
        target: 'p99 ≤ 30 ms',
        met: closedRun.p99 <= 30 && closedRun.errors === 0,
      });
    }
  }

  // 6. memory
  if (runs('memory')) {
    const peakSoFar = await memoryOf(one.pid);
    rows.push({
      metric: `server memory with the ${(size.history / 1e6).toFixed(0)}M history`,
      value: mib(peakSoFar.hwm),
      detail: `peak RSS (VmHWM) over start, filters, ingest and dialers; RSS after start ${mib(loaded.rss)}; ${history.nonClean.toLocaleString('en-US')} numbers indexed`,
      target: '≤ 1 GB',
      met: peakSoFar.hwm <= 1024 ** 3,
    });
    // What the server keeps from the stream, told apart from garbage V8 has not collected: full collections around it.
    const liveBefore = await liveOf(one.pid, one.operatorUrl, KEYS.operatorToken);
    const streamed = await streamLargeMailing(one.url, one.pid, first, size.stream, size.history);
    const liveAfter = await liveOf(one.pid, one.operatorUrl, KEYS.operatorToken);
    const kept = `kept after a full GC: V8 heap ${(liveAfter.heap - liveBefore.heap).toFixed(1)} MiB, Buffers ${(liveAfter.external - liveBefore.external).toFixed(1)} MiB`;
    log(`streamed ${size.stream} rows in ${seconds(streamed.ms)}; RSS ${mib(streamed.rssBefore)} → ${mib(streamed.rssAfter)}, peak ${mib(streamed.peak)}`);
    rows.push({
      metric: `${(size.stream / 1e6).toFixed(0)}M-row mailing streamed (generated on the fly)`,
      value: `peak ${mib(streamed.peak)}`,
      detail: `RSS before ${mib(streamed.rssBefore)}, after ${mib(streamed.rssAfter)} (${streamed.peakMethod}); ${seconds(streamed.ms)}, ${rate((size.stream / streamed.ms) * 1000)} rows, ${mib(streamed.bytesOut)} answered; ${streamed.counts.totalRows.toLocaleString('en-US')} rows counted; ${kept}`,
      target: 'bounded (peak − before ≤ 256 MiB)',
      met: streamed.peak - streamed.rssBefore <= 256 * 1048576 && streamed.counts.totalRows === size.stream,
    });
  }

  // 6b. isolation: a third tenant's lookups and /healthz while one tenant streams the big mailing and another ingests.
  // Twice when the bench may raise its priority back (root): the second time the load's clients (this process, which
  // generates the 10M rows and the ingest) run at nice 19, as clients on other machines would not take the server's
  // cores; the probe, the server and PostgreSQL keep theirs. The first run is the target's; the second tells what
  // of the first is the server's and what is this machine's two cores shared with the clients.
  if (runs('isolation')) {
    const variants = [{ clientsNice: 0, label: '' }, ...(process.getuid?.() === 0 ? [{ clientsNice: 19, label: ', the load clients at nice 19' }] : [])];
    for (const { clientsNice, label } of variants) {
      const isolationBodies = buildOutcomeBodies(300_000, 1000, size.history, `iso-${clientsNice}-${stamp}`, 'bench-campaign');
      const isolated = await isolation(one.url, { stream: tenants[2]!, ingest: tenants[3]!, probe: tenants[4]! }, size.stream, size.history, isolationBodies, 5000, clientsNice, {
        url: one.operatorUrl,
        token: KEYS.operatorToken,
      });
      log(
        `isolation${label}: lookups p99 ${millis(isolated.quiet.checkP99)} quiet → ${millis(isolated.loaded.checkP99)} loaded; /healthz p99 ${millis(isolated.quiet.healthP99)} → ` +
          `${millis(isolated.loaded.healthP99)}; stream ${seconds(isolated.stream.ms)}, ingest ${rate(isolated.ingestPerSecond)} beside it`,
      );
      const isolationDetail = (which: 'check' | 'health') =>
        `quiet p99 ${millis(which === 'check' ? isolated.quiet.checkP99 : isolated.quiet.healthP99)} (p50 ${millis(which === 'check' ? isolated.quiet.checkP50 : isolated.quiet.healthP50)}); ` +
        `loaded p50 ${millis(which === 'check' ? isolated.loaded.checkP50 : isolated.loaded.healthP50)}; while a ${(size.stream / 1e6).toFixed(0)}M-row mailing streamed ` +
        `(${seconds(isolated.stream.ms)}) and another tenant ingested ${isolated.ingested.toLocaleString('en-US')} tabulations (${rate(isolated.ingestPerSecond)}, 1k batches, closed loop); ` +
        `probe: 20/s from its own process, ${isolated.loaded.samples} samples, ${isolated.loaded.errors} errors` +
        (isolated.loop ? `; the server's event loop: ${loopText(isolated.loop.quiet)} quiet, ${loopText(isolated.loop.loaded)} loaded` : '');
      // The target is judged on the first run only; the second is there to be read beside it.
      const judged = clientsNice === 0;
      rows.push({
        metric: `isolation${label}: a third tenant's 1k-number lookups (POST /v1/numbers/check)`,
        value: `p99 ${millis(isolated.loaded.checkP99)}`,
        detail: isolationDetail('check'),
        target: judged ? 'p99 ≤ 15 ms' : 'measured (no target)',
        ...(judged ? { met: isolated.loaded.checkP99 <= 15 && isolated.loaded.errors === 0 } : {}),
      });
      rows.push({
        metric: `isolation${label}: GET /healthz meanwhile`,
        value: `p99 ${millis(isolated.loaded.healthP99)}`,
        detail: isolationDetail('health'),
        target: judged ? 'p99 ≤ 15 ms' : 'measured (no target)',
        ...(judged ? { met: isolated.loaded.healthP99 <= 15 && isolated.loaded.errors === 0 } : {}),
      });
    }
  }

  // 7. a second instance on the same PostgreSQL and Redis
  if (runs('instances')) {
    rows.push(
      ...(await multiInstance({ env, tenants, historySize: size.history, workDir, root: ROOT, one, dialerMs: size.dialerMs, ingestTabulations: size.ingest, log })),
    );
  }
  await one.stop();
  await client.end();
  dbClient = undefined;

  // 8. the full libphonenumber comparison (`npm test` runs its first 25k)
  if (runs('oracle')) rows.push(phoneOracleRow());
  const profileText = profile ? await profileSections(one, windows) : '';
  notes.push(
    'The machine is shared with other agents running test suites, so absolute timings are noisy (a rerun can differ by 20-30%); ' +
      'the ratios (ours / floor, naive / ours) are measured side by side in the same run and are the steadier figures.',
    'Client, server and PostgreSQL share the same 2 cores: the bench client (building and reading bodies) takes CPU from the server during every HTTP figure.',
    ...(profile ? ['This run had `--profile`: the server ran under `--cpu-prof`, which costs a few percent.'] : []),
  );
  printTable(rows);
  if (profileText) process.stdout.write(`${profileText}\n`);
  const command = `npm run bench${quick || profile ? ` -- ${[quick && '--quick', profile && '--profile'].filter(Boolean).join(' ')}` : ''}`;
  if (only) {
    log(`--only=${only.join(',')}: a partial run, docs/performance.md left as it was`);
    return;
  }
  writeDoc(path.join(ROOT, 'docs/performance.md'), machine(command, `PostgreSQL ${postgres}`), rows, notes, profileText);
  log('docs/performance.md written');
}

/** The 250k-spelling oracle of bench/phoneOracle.ts; its problems fail the bench like a failed phase. */
function phoneOracleRow(): Row {
  const report = runPhoneOracle(ORACLE_FULL_SIZE);
  log(oracleSummary(report));
  const problems = oracleProblems(report);
  if (problems.length) throw new Error(`phone oracle over ${report.inputs} spellings:\n  ${problems.join('\n  ')}`);
  return {
    metric: `phone oracle: ${report.inputs.toLocaleString('en-US')} spellings against libphonenumber-js`,
    value: seconds(report.seconds * 1000),
    detail: `${report.agreements.toLocaleString('en-US')} agreements, ${report.disagreements.toLocaleString('en-US')} disagreements, each explained by a named rule`,
    target: 'no unexplained disagreement',
    met: true,
  };
}

/**
 * PostgreSQL's checkpoints and WAL written so far (machine-wide). A checkpoint requested because the WAL outgrew max_wal_size makes
 * every page written next log a full-page image: on the 20M history's random updates that cut ingest by ~1/4
 * (docs/performance.md, "Ingest: CPU per tabulation and PostgreSQL's checkpoints").
 */
async function checkpointsOf(
  client: Client,
): Promise<{ requested: number; timed: number; maxWalSize: string; walBytes: number; walFpi: number; walCompression: string }> {
  const { rows } = await client.query<{ requested: string; timed: string; max_wal_size: string; wal_bytes: string; wal_fpi: string; wal_compression: string }>(
    `SELECT checkpoints_req AS requested, checkpoints_timed AS timed, current_setting('max_wal_size') AS max_wal_size,
            wal.wal_bytes::text AS wal_bytes, wal.wal_fpi::text AS wal_fpi, current_setting('wal_compression') AS wal_compression
     FROM pg_stat_bgwriter, pg_stat_wal wal`,
  );
  const row = rows[0];
  return {
    requested: Number(row?.requested),
    timed: Number(row?.timed),
    maxWalSize: row?.max_wal_size ?? '?',
    walBytes: Number(row?.wal_bytes),
    walFpi: Number(row?.wal_fpi),
    walCompression: row?.wal_compression ?? '?',
  };
}

/** What the server's event loop went through in a phase: its lag (prom-client's 10 ms-resolution monitor) and GC pauses. */
function loopText(loop: LoopReading): string {
  const gc = (name: 'minor' | 'major' | 'incremental', label: string) => `${loop.gc[name].count} ${label} (${millis(loop.gc[name].ms)})`;
  return `lag p99 ${millis(loop.lagP99Ms)}, max ${millis(loop.lagMaxMs)}, GC ${gc('major', 'full')}, ${gc('minor', 'young')}, ${gc('incremental', 'marking steps')}`;
}

async function profileSections(server: ServerProcess, windows: { name: string; fromUs: number; toUs: number }[]): Promise<string> {
  const cpu = await readProfile(server.profileDir!);
  return windows.map((window) => profileMarkdown(summarize(cpu, window, ROOT))).join('\n');
}

process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
process.once('SIGTERM', () => void cleanup().then(() => process.exit(143)));
// The oracle alone touches neither the database nor Redis, so it has nothing to clean up.
(oracleOnly ? Promise.resolve().then(() => printTable([phoneOracleRow()])) : main().then(() => cleanup()))
  .then(undefined, async (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    if (!oracleOnly) await cleanup(true);
    process.exitCode = 1;
  })
  .then(() => process.exit());
