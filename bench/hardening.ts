/**
 * Issue 10's figure: /healthz latency and server RSS while 4 clients post unauthenticated 16 MiB bodies in a loop
 * to /v1/auth/login and /v1/outcomes. Timing belongs here, not in the tests (a noisy shared machine); the figures go
 * to docs/security.md. Run: `npm run bench:hardening` (embedded database in a temporary DATA_DIR, no services).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const MiB = 1024 * 1024;
const PROBES = 400;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

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

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

async function probe(url: string): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    samples.push(await get(`${url}/healthz`));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hyg-hardening-'));
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js')], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let tries = 0; ; tries++) {
      try {
        await get(`${url}/readyz`);
        break;
      } catch {
        if (tries > 600) throw new Error('server not ready');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const quiet = await probe(url);
    const rssBefore = rssMiB(child.pid!);
    let peakRss = rssBefore;
    const body = Buffer.alloc(16 * MiB, '0');
    body[0] = '['.charCodeAt(0);
    let flooding = true;
    let posts = 0;
    const attacker = async (route: string) => {
      while (flooding) {
        await post(`${url}${route}`, body);
        posts++;
        peakRss = Math.max(peakRss, rssMiB(child.pid!));
      }
    };
    const attackers = [attacker('/v1/auth/login'), attacker('/v1/auth/login'), attacker('/v1/outcomes'), attacker('/v1/numbers/check')];
    const flooded = await probe(url);
    flooding = false;
    await Promise.all(attackers);
    console.log('| measure | quiet | under 4 parallel unauthenticated 16 MiB posts |');
    console.log('| --- | --- | --- |');
    console.log(`| /healthz p50 | ${quiet.p50.toFixed(1)} ms | ${flooded.p50.toFixed(1)} ms |`);
    console.log(`| /healthz p99 | ${quiet.p99.toFixed(1)} ms | ${flooded.p99.toFixed(1)} ms |`);
    console.log(`| server RSS | ${rssBefore.toFixed(0)} MiB | peak ${peakRss.toFixed(0)} MiB (+${(peakRss - rssBefore).toFixed(0)} MiB), ${posts} posts refused |`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
