/**
 * Issue 10's figures, written to docs/security.md. Timing belongs here, not in the tests (a noisy shared machine).
 * 1. /healthz latency and server RSS while 4 clients post unauthenticated 16 MiB bodies in a loop.
 * 2. One tenant's 1,000-phone lookups (POST /v1/numbers/check) while another tenant's dialer streams hostile
 *    mailings in a loop: an NDJSON line without end, a CSV header of 100k columns, a CSV record without end.
 * Run: `npm run bench:hardening` (embedded database in a temporary DATA_DIR, no services), or
 * `npm run bench:hardening -- --postgres` (a database of its own on the local PostgreSQL, dropped at the end): the
 * embedded database runs its queries on the server's own thread, PostgreSQL in processes of its own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { json, request } from './http';
import { liveOf } from './server';
import { createDatabase, databaseUrl, dropDatabase, freePort } from './setup';

const ROOT = path.resolve(__dirname, '..', '..');
const MiB = 1024 * 1024;
const PROBES = 400;
const LOOKUPS = 300;
const OPERATOR_TOKEN = randomBytes(24).toString('hex');

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    httpRequest(url, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    })
      .on('error', reject)
      .end();
  });
}

function post(url: string, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

/** The server's V8 heap (total) and external memory (Buffers), in MiB, from the operator's /metrics. */
async function heapOf(operatorUrl: string): Promise<{ heap: number; external: number }> {
  const res = await request(operatorUrl, { method: 'GET', path: '/metrics', keepBody: true, headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
  const text = res.body.toString('utf8');
  const value = (name: string) => Number(new RegExp(`^hygiene_${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / MiB;
  return { heap: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

async function probe(url: string, count = PROBES): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(await get(`${url}/healthz`));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** A tenant with a dialer key and a campaign (hygiene on), made through the operator listener. */
async function benchTenant(url: string, operatorUrl: string, slug: string): Promise<string> {
  await json(operatorUrl, 'POST', '/v1/operator/tenants', OPERATOR_TOKEN, { slug, name: slug });
  const email = `admin@${slug}.bench`;
  const password = 'bench-password-0123456789';
  await json(operatorUrl, 'POST', `/v1/operator/tenants/${slug}/admins`, OPERATOR_TOKEN, { email, name: 'Bench admin', password });
  const { key } = await json<{ key: string }>(operatorUrl, 'POST', `/v1/operator/tenants/${slug}/dialer-keys`, OPERATOR_TOKEN, { name: 'bench dialer' });
  const { token } = await json<{ token: string }>(url, 'POST', '/v1/auth/login', undefined, { email, password });
  await json(url, 'POST', '/v1/campaigns', key, { id: 'c', name: 'c' });
  await json(url, 'PUT', '/v1/campaigns/c/hygiene', token, { enabled: true });
  return key;
}

/** Sequential 1,000-phone lookups of one tenant; the latency of each. */
async function lookups(url: string, dialerKey: string, count: number): Promise<{ p50: number; p99: number }> {
  const phones = Array.from({ length: 1000 }, (_v, i) => `(11) 9${String(8000_0000 + i * 7919).slice(0, 8)}`);
  const body = JSON.stringify({ phones });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(url, { method: 'POST', path: '/v1/numbers/check', headers: { authorization: `Bearer ${dialerKey}`, 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(`lookup → ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
    samples.push(res.ms);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The three hostile mailings of issue 10, each refused by a bound (413 or 400), sent again and again. */
function hostileMailings(): { contentType: string; body: Buffer; name: string }[] {
  const header100k = Array.from({ length: 100_000 }, (_v, i) => `tel${i}`).join(';');
  return [
    { name: 'NDJSON line without end (16 MiB)', contentType: 'application/x-ndjson', body: Buffer.concat([Buffer.from('{"telefone":"(11) 2345-6789","obs":"'), Buffer.alloc(16 * MiB, 'y')]) },
    { name: 'CSV header of 100k columns', contentType: 'text/csv', body: Buffer.from(`${header100k}\n(11) 2345-6789\n`) },
    { name: 'CSV record without end (16 MiB)', contentType: 'text/csv', body: Buffer.concat([Buffer.from('nome;telefone\n"'), Buffer.alloc(16 * MiB, 'q')]) },
  ];
}

/**
 * The attacking dialer, in a process of its own (`--attacker <url> <key>`): pushing 16 MiB bodies from the
 * process that times the lookups delayed the timer's own event loop, so the victim's latency measured the bench as
 * much as the server. It attacks until stdin closes, then prints its refusal counts as JSON.
 */
async function attackerProcess(url: string, attackerKey: string): Promise<void> {
  let attacking = true;
  process.stdin.on('close', () => {
    attacking = false;
  });
  process.stdin.resume();
  const refusals: Record<string, number> = {};
  const attacker = async (mailing: { contentType: string; body: Buffer; name: string }) => {
    while (attacking) {
      const res = await request(url, {
        method: 'POST',
        path: '/v1/campaigns/c/mailings',
        headers: { authorization: `Bearer ${attackerKey}`, 'content-type': mailing.contentType, 'content-length': String(mailing.body.length) },
        body: mailing.body,
      }).catch(() => ({ status: 0 }));
      const key = `${mailing.name}: ${res.status || 'cut'}`;
      refusals[key] = (refusals[key] ?? 0) + 1;
    }
  };
  await Promise.all(hostileMailings().map(attacker));
  process.stdout.write(JSON.stringify(refusals));
}

async function hostilePhase(url: string, operatorUrl: string): Promise<void> {
  const stamp = Date.now().toString(36);
  const attackerKey = await benchTenant(url, operatorUrl, `hostile-${stamp}`);
  const victimKey = await benchTenant(url, operatorUrl, `victim-${stamp}`);
  await lookups(url, victimKey, 20); // warm-up
  const quiet = await lookups(url, victimKey, LOOKUPS);
  const child = spawn(process.execPath, [__filename, '--attacker', url, attackerKey], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the attack under way before the timing starts
  const attacked = await lookups(url, victimKey, LOOKUPS);
  child.stdin.end();
  await new Promise((resolve) => child.once('close', resolve));
  const refusals = new Map(Object.entries(JSON.parse(output || '{}') as Record<string, number>));
  console.log('');
  console.log(`| measure | quiet | under one tenant's hostile mailings (3 in a loop) |`);
  console.log('| --- | --- | --- |');
  console.log(`| another tenant's 1k-number lookup p50 | ${quiet.p50.toFixed(1)} ms | ${attacked.p50.toFixed(1)} ms |`);
  console.log(`| another tenant's 1k-number lookup p99 | ${quiet.p99.toFixed(1)} ms | ${attacked.p99.toFixed(1)} ms |`);
  console.log('');
  for (const [key, count] of refusals) console.log(`- ${key} × ${count}`);
}

type Flood = {
  probe: { p50: number; p99: number };
  ms: number;
  posts: number;
  rssBefore: number;
  peakRss: number;
  rssSettled: number;
  /** Growth over the flood's start, in MiB. */
  heapAtPeak: number;
  externalAtPeak: number;
  heapSettled: number;
  /** What the server still holds after the flood, a full collection before and after (collectGarbage). */
  liveHeap: number;
  liveExternal: number;
};

/** 4 parallel unauthenticated 16 MiB posts while `probes` /healthz probes run; the server's memory sampled every 50 ms. */
async function flood(url: string, operatorUrl: string, pid: number, probes: number): Promise<Flood> {
  const liveBefore = await liveOf(pid, operatorUrl, OPERATOR_TOKEN);
  const rssBefore = rssMiB(pid);
  const heapBefore = await heapOf(operatorUrl);
  let peakRss = rssBefore;
  // What the RSS is made of at its peak: the V8 heap (garbage included, until a collection) and Buffers.
  let atPeak = heapBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = rssMiB(pid);
      const heap = await heapOf(operatorUrl);
      if (rss >= peakRss) {
        peakRss = rss;
        atPeak = heap;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const body = Buffer.alloc(16 * MiB, '0');
  body[0] = '['.charCodeAt(0);
  let flooding = true;
  let posts = 0;
  const attacker = async (route: string) => {
    while (flooding) {
      await post(`${url}${route}`, body);
      posts++;
    }
  };
  const started = performance.now();
  const attackers = [attacker('/v1/auth/login'), attacker('/v1/auth/login'), attacker('/v1/outcomes'), attacker('/v1/numbers/check')];
  const probed = await probe(url, probes);
  flooding = false;
  await Promise.all(attackers);
  const ms = performance.now() - started;
  sampling = false;
  await sampler;
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const heapSettled = await heapOf(operatorUrl);
  const rssSettled = rssMiB(pid);
  const liveAfter = await liveOf(pid, operatorUrl, OPERATOR_TOKEN);
  return {
    liveHeap: liveAfter.heap - liveBefore.heap,
    liveExternal: liveAfter.external - liveBefore.external,
    probe: probed,
    ms,
    posts,
    rssBefore,
    peakRss,
    rssSettled,
    heapAtPeak: atPeak.heap - heapBefore.heap,
    externalAtPeak: atPeak.external - heapBefore.external,
    heapSettled: heapSettled.heap - heapBefore.heap,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hyg-hardening-'));
  const port = await freePort();
  const operatorPort = await freePort();
  const postgres = process.argv.includes('--postgres') ? `hardening_${Date.now().toString(36)}` : undefined;
  if (postgres) await (await createDatabase(postgres)).end();
  console.log(`database: ${postgres ? 'PostgreSQL (local)' : 'embedded (PGlite)'}`);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js')], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      OPERATOR_PORT: String(operatorPort),
      OPERATOR_TOKEN,
      // The lookups of phase 2 must not meet the victim's daily read budget.
      READ_BUDGET_BASE: '1000000000',
      DATA_DIR: dataDir,
      // Outside the embedded default the server generates no development keys: the bench makes its own.
      ...(postgres ? { DATABASE_URL: databaseUrl(postgres), JWT_SECRET: randomBytes(32).toString('hex'), PSEUDONYM_KEY: randomBytes(16).toString('hex') } : {}),
      LOG_LEVEL: 'warn',
      // HEAP_GROWING_PERCENT=0 measures V8's own heap growth against the server's default bound (server/infra/heap.ts).
      ...(process.env.HEAP_GROWING_PERCENT ? { HEAP_GROWING_PERCENT: process.env.HEAP_GROWING_PERCENT } : {}),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const operatorUrl = `http://127.0.0.1:${operatorPort}`;
  try {
    for (let tries = 0; ; tries++) {
      try {
        await get(`${url}/readyz`);
        break;
      } catch {
        if (tries > 600 || child.exitCode !== null) throw new Error(`server not ready (exit code ${child.exitCode})`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const quiet = await probe(url);
    // Two floods, the second four times as long: memory that grew with the flood's length would be a leak, memory
    // that stays put is the heap's and the allocator's working size under that load.
    const short = await flood(url, operatorUrl, child.pid!, PROBES);
    const long = await flood(url, operatorUrl, child.pid!, 4 * PROBES);
    const mb = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} MiB`;
    const cells = (round: Flood) => [
      `${round.probe.p50.toFixed(1)} ms`,
      `${round.probe.p99.toFixed(1)} ms`,
      `${round.rssBefore.toFixed(0)} → peak ${round.peakRss.toFixed(0)} MiB (${mb(round.peakRss - round.rssBefore)}), ${round.posts} posts refused in ${(round.ms / 1000).toFixed(1)} s`,
      `V8 heap ${mb(round.heapAtPeak)}, Buffers ${mb(round.externalAtPeak)}, the rest (allocator, stacks) ${mb(round.peakRss - round.rssBefore - round.heapAtPeak - round.externalAtPeak)}`,
      `${mb(round.rssSettled - round.rssBefore)} (V8 heap ${mb(round.heapSettled)})`,
      `V8 heap ${mb(round.liveHeap)}, Buffers ${mb(round.liveExternal)}`,
    ];
    const [shortCells, longCells] = [cells(short), cells(long)];
    console.log('| measure | quiet | under 4 parallel unauthenticated 16 MiB posts | the same flood, 4× as long |');
    console.log('| --- | --- | --- | --- |');
    const labels = ['/healthz p50', '/healthz p99', 'server RSS', 'of which, at the peak', 'server RSS 3 s after the flood', 'kept after the flood (live, after a full GC)'];
    const quietCells = [`${quiet.p50.toFixed(1)} ms`, `${quiet.p99.toFixed(1)} ms`, '', '', '', ''];
    labels.forEach((label, i) => {
      console.log(`| ${label} | ${quietCells[i]} | ${shortCells[i]} | ${longCells[i]} |`);
    });
    await hostilePhase(url, operatorUrl);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
    if (postgres) await dropDatabase(postgres);
  }
}

const attackerArgs = process.argv.indexOf('--attacker');
(attackerArgs >= 0 ? attackerProcess(process.argv[attackerArgs + 1]!, process.argv[attackerArgs + 2]!) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
