import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from './http';

/**
 * deploy/nginx/hygiene.conf run by the bench on loopback, rendered the way test/deploy/smoke.test.ts renders it
 * (instances' addresses, plain HTTP on 127.0.0.1, no TLS lines), each nginx under its own prefix folder so a system
 * nginx is neither used nor touched. With one instance port the second `server` line of each upstream goes: the
 * same file, a one-instance layout.
 */

export type Balancer = { name: string; url: string; accessLog: string; stop(): Promise<void> };

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((candidate) => existsSync(candidate)) ?? 'nginx';
/** The longest a bench nginx may live even if the bench itself is killed (it runs under `timeout`). */
const LIFETIME_SECONDS = 3600;
const live = new Set<ChildProcess>();

// A bench killed between start and stop still takes its nginx with it (run.ts's cleanup exits the process).
process.once('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});

export function renderSite(site: string, listenPort: number, instancePorts: readonly number[]): string {
  let rendered = site;
  const replaceAll = (pattern: RegExp, replacement: string, what: string) => {
    if (!pattern.test(rendered)) throw new Error(`deploy/nginx/hygiene.conf: ${what} not found`);
    rendered = rendered.replace(pattern, replacement);
  };
  const addresses = [...new Set([...site.matchAll(/^\s*server\s+([\d.]+:\d+)/gm)].map((match) => match[1]!))];
  if (addresses.length !== 2) throw new Error(`deploy/nginx/hygiene.conf: expected 2 instance addresses, found ${addresses.join(', ')}`);
  addresses.forEach((address, index) => {
    const escaped = address.replace(/\./g, '\\.');
    const port = instancePorts[index];
    if (port === undefined) replaceAll(new RegExp(`^\\s*server\\s+${escaped}\\b[^\\n]*\\n`, 'gm'), '', `the upstream line of ${address}`);
    else replaceAll(new RegExp(`\\b${escaped}\\b`, 'g'), `127.0.0.1:${port}`, address);
  });
  replaceAll(/server \{\s*listen 80;[\s\S]*?return 301[^}]*\}\n/, '', 'the redirect server');
  replaceAll(/^\s*listen \[::\]:443[^\n]*\n/gm, '', 'the IPv6 listen');
  replaceAll(/listen 443 ssl http2;/, `listen 127.0.0.1:${listenPort};`, 'listen 443');
  replaceAll(/^\s*ssl_[^\n]*\n/gm, '', 'the ssl_ lines');
  return rendered;
}

/** Installs Debian's nginx when missing (deploy/ensure-nginx.sh, as the smoke test does). */
export function ensureNginx(root: string): void {
  if (spawnSync(NGINX, ['-v']).status === 0) return;
  const install = spawnSync('bash', [path.join(root, 'deploy', 'ensure-nginx.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`nginx is missing and could not be installed:\n${install.stdout}${install.stderr}`);
}

/**
 * One nginx in front of `instancePorts`, listening on 127.0.0.1:`listenPort`. One worker: the bench's client,
 * the instances and PostgreSQL already share the machine's 2 cores (a production balancer has its own host).
 * The access log holds only `$upstream_addr`, to count how the balancer split the requests.
 */
export async function startBalancer(options: { name: string; root: string; dir: string; listenPort: number; instancePorts: readonly number[] }): Promise<Balancer> {
  const { dir } = options;
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const site = await readFile(path.join(options.root, 'deploy', 'nginx', 'hygiene.conf'), 'utf8');
  await writeFile(path.join(dir, 'hygiene.conf'), renderSite(site, options.listenPort, options.instancePorts));
  const accessLog = path.join(dir, 'logs', 'access.log');
  await writeFile(
    path.join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/logs/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  log_format bench_upstream $upstream_addr;',
      `  access_log ${accessLog} bench_upstream;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/${kind}_temp;`),
      `  include ${dir}/hygiene.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'logs', 'error.log')];
  const test = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the rendered config:\n${test.stderr}`);
  const child = spawn('timeout', ['--signal=TERM', '--kill-after=10', String(LIFETIME_SECONDS), NGINX, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.listenPort}`;
  const stop = async () => {
    if (live.has(child)) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const started = performance.now();
  for (;;) {
    if (!live.has(child)) throw new Error(`nginx ${options.name} exited during start:\n${output}`);
    const ok = await request(url, { method: 'GET', path: '/healthz' }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 20_000) {
      await stop();
      throw new Error(`nginx ${options.name} not answering /healthz after 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { name: options.name, url, accessLog, stop };
}

/** How the balancer split the requests logged so far: upstream address → count. */
export async function upstreamSplit(balancer: Balancer): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await readFile(balancer.accessLog, 'utf8').catch(() => '')).split('\n')) {
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}
