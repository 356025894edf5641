/**
 * The deployment of docs/deployment.md, brought up on this machine: Debian's nginx with deploy/nginx/hygiene.conf
 * (rendered to loopback ports, without TLS) in front of two instances of the built server (`node
 * dist/server/main.js`, as the systemd unit runs it) on one PostgreSQL database and one Redis prefix of their own.
 *
 * The instances run from a copy of the release (dist/, prisma/migrations, package.json, node_modules linked) under a
 * folder whose name starts with a dot, as CI caches and ~/.cache are: the console must answer there too.
 *
 * Needs the build (`npm test` runs scripts/build-if-stale.js first) and nginx (deploy/ensure-nginx.sh installs
 * Debian's when it is missing; .ci/run calls it). Everything it starts is stopped in afterAll, and each process
 * runs under `timeout`, so nothing outlives a killed test run by more than a few minutes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import { eventually } from '../support/eventually';
import { testDatabaseUrl, testRedisUrl, uniqueId } from '../support/harness';

const ROOT = path.resolve(__dirname, '../..');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((candidate) => existsSync(candidate)) ?? 'nginx';
/** The longest any process of this test may live, even if jest itself is killed. */
const LIFETIME_SECONDS = 300;
const KEYS = {
  JWT_SECRET: 'smoke-jwt-secret-0123456789abcdef0123456789',
  PSEUDONYM_KEY: '0f0e0d0c0b0a09080706050403020100',
  OPERATOR_TOKEN: 'smoke-operator-token-0123456789abcdef',
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Started = { name: string; child: ChildProcess; output: () => string };

/** A child under `timeout`, its output kept for the failure message. */
function startProcess(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Started {
  const child = spawn('timeout', ['--signal=TERM', '--kill-after=10', String(LIFETIME_SECONDS), command, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, child, output: () => output };
}

async function stopProcess(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => started.child.once('exit', () => resolve()));
  // timeout passes TERM on to its child: a graceful stop for the server, a fast one for nginx.
  started.child.kill('SIGTERM');
  const killer = setTimeout(() => started.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

async function waitForHttp(url: string, started: Started[]): Promise<void> {
  await eventually(async () => {
    const dead = started.find((process) => process.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode}:\n${dead.output()}`);
    try {
      return (await fetch(url)).ok;
    } catch {
      return false;
    }
  }, `${url} to answer`, 60_000);
}

/**
 * deploy/nginx/hygiene.conf as a user would install it, with only what a loopback test cannot have changed: the
 * instances' addresses, the listening address (plain HTTP on loopback) and the TLS lines. Each change must find
 * what it replaces, so the example cannot drift away from what this test runs.
 */
function renderNginxSite(site: string, listenPort: number, instancePorts: [number, number]): string {
  let rendered = site;
  const replaceAll = (pattern: RegExp, replacement: (match: string) => string, what: string) => {
    if (!pattern.test(rendered)) throw new Error(`deploy/nginx/hygiene.conf: ${what} not found`);
    rendered = rendered.replace(pattern, replacement);
  };
  const addresses = [...new Set([...site.matchAll(/^\s*server\s+([\d.]+:\d+)/gm)].map((match) => match[1]!))];
  if (addresses.length !== 2) throw new Error(`deploy/nginx/hygiene.conf: expected 2 instance addresses, found ${addresses.join(', ')}`);
  addresses.forEach((address, index) => {
    replaceAll(new RegExp(`\\b${address.replace(/\./g, '\\.')}\\b`, 'g'), () => `127.0.0.1:${instancePorts[index]}`, address);
  });
  // The plain-HTTP redirect server goes; the TLS server listens on loopback in plain HTTP.
  replaceAll(/server \{\s*listen 80;[\s\S]*?return 301[^}]*\}\n/, () => '', 'the redirect server');
  replaceAll(/^\s*listen \[::\]:443[^\n]*\n/gm, () => '', 'the IPv6 listen');
  replaceAll(/listen 443 ssl http2;/, () => `listen 127.0.0.1:${listenPort};`, 'listen 443');
  replaceAll(/^\s*ssl_[^\n]*\n/gm, () => '', 'the ssl_ lines');
  return rendered;
}

/** A copy of the release under a dot-folder: what systemd's WorkingDirectory holds (docs/deployment.md). */
function releaseUnderDotFolder(work: string): string {
  const release = path.join(work, '.cache-checkout', 'hygiene');
  mkdirSync(path.join(release, 'prisma'), { recursive: true });
  cpSync(path.join(ROOT, 'dist'), path.join(release, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'prisma', 'migrations'), path.join(release, 'prisma', 'migrations'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(release, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(release, 'node_modules'), 'dir');
  return release;
}

type Tenant = { slug: string; adminToken: string; dialerKey: string };

describe('the deployment of docs/deployment.md: nginx in front of two instances', () => {
  const id = uniqueId('smoke').toLowerCase();
  const database = `hyg_${id}`;
  const redisPrefix = `${id}:`;
  const started: Started[] = [];
  let work = '';
  let balancer = '';
  let instances: [string, string] = ['', ''];
  /** Each instance's operator listener (its own OPERATOR_PORT, loopback): the operator API is not behind nginx. */
  let operators: [string, string] = ['', ''];
  let socket: Socket | undefined;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'server', 'main.js'))) throw new Error('dist/server/main.js is missing: run `npm run build` (npm test builds when stale)');
    if (spawnSync(NGINX, ['-v']).status !== 0) {
      const install = spawnSync('bash', [path.join(ROOT, 'deploy', 'ensure-nginx.sh')], { encoding: 'utf8' });
      if (install.status !== 0) throw new Error(`nginx is missing and could not be installed:\n${install.stdout}${install.stderr}`);
    }
    work = mkdtempSync(path.join(tmpdir(), 'hyg-smoke-'));
    const admin = new Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();

    const release = releaseUnderDotFolder(work);
    const ports = [await freePort(), await freePort()] as [number, number];
    const operatorPorts = [await freePort(), await freePort()] as [number, number];
    const databaseUrl = new URL(testDatabaseUrl);
    databaseUrl.pathname = `/${database}`;
    for (const [index, port] of ports.entries()) {
      const env = {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        OPERATOR_PORT: String(operatorPorts[index]),
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: testRedisUrl,
        REDIS_PREFIX: redisPrefix,
        ...KEYS,
        LOG_LEVEL: 'warn',
        // Two tenants, one carrier answer each, make a number invalid here; no waiting for a span of hours.
        INVALID_THRESHOLD: '2',
        TRUST_MIN_SPAN_HOURS: '0',
        SHUTDOWN_DRAIN_MS: '2000',
      };
      started.push(startProcess(`instance ${index + 1}`, process.execPath, ['dist/server/main.js'], { cwd: release, env }));
    }
    instances = [`http://127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[1]}`];
    operators = [`http://127.0.0.1:${operatorPorts[0]}`, `http://127.0.0.1:${operatorPorts[1]}`];

    const listenPort = await freePort();
    const nginxDir = path.join(work, 'nginx');
    mkdirSync(path.join(nginxDir, 'logs'), { recursive: true });
    writeFileSync(path.join(nginxDir, 'hygiene.conf'), renderNginxSite(readFileSync(path.join(ROOT, 'deploy', 'nginx', 'hygiene.conf'), 'utf8'), listenPort, ports));
    // Its own pid, logs and temp paths: the system nginx (if any) is neither used nor touched.
    writeFileSync(
      path.join(nginxDir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        `pid ${nginxDir}/nginx.pid;`,
        `error_log ${nginxDir}/logs/error.log warn;`,
        'events { worker_connections 256; }',
        'http {',
        `  access_log ${nginxDir}/logs/access.log;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${nginxDir}/${kind}_temp;`),
        `  include ${nginxDir}/hygiene.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    const test = spawnSync(NGINX, ['-t', '-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-e', path.join(nginxDir, 'logs', 'error.log')], { encoding: 'utf8' });
    if (test.status !== 0) throw new Error(`nginx -t refused the rendered config:\n${test.stderr}`);
    started.push(startProcess('nginx', NGINX, ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-e', path.join(nginxDir, 'logs', 'error.log')], { cwd: nginxDir, env: { PATH: process.env.PATH } }));
    balancer = `http://127.0.0.1:${listenPort}`;

    await Promise.all([...[...instances, ...operators].map((url) => waitForHttp(`${url}/healthz`, started)), waitForHttp(`${balancer}/healthz`, started)]);
  }, 180_000);

  afterAll(async () => {
    socket?.disconnect();
    await Promise.all(started.map((process) => stopProcess(process)));
    const admin = new Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  async function call(base: string, method: string, route: string, credential: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(base + route, {
      method,
      headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  async function expectOk(base: string, method: string, route: string, credential: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await call(base, method, route, credential, body);
    if (response.status >= 300) throw new Error(`${method} ${base}${route}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  }

  /** A tenant, its admin (signed in) and a dialer key, made on an instance's operator listener with the operator token. */
  async function makeTenant(): Promise<Tenant> {
    const slug = uniqueId('t').toLowerCase().replace(/_/g, '-');
    await expectOk(operators[0], 'POST', '/v1/operator/tenants', KEYS.OPERATOR_TOKEN, { slug, name: slug });
    const email = `admin@${slug}.example`;
    const password = 'correct horse battery staple';
    await expectOk(operators[1], 'POST', `/v1/operator/tenants/${slug}/admins`, KEYS.OPERATOR_TOKEN, { email, name: 'Admin', password });
    const key = await expectOk(operators[0], 'POST', `/v1/operator/tenants/${slug}/dialer-keys`, KEYS.OPERATOR_TOKEN, { name: 'discador' });
    const login = await fetch(`${balancer}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    return { slug, adminToken: ((await login.json()) as { token: string }).token, dialerKey: key.key as string };
  }

  /** Filters a one-phone JSON mailing; returns its summary (the last NDJSON line). */
  async function filterOne(base: string, tenant: Tenant, campaign: string, phone: string): Promise<{ id: string; counts: Record<string, number> }> {
    const response = await fetch(`${base}/v1/campaigns/${campaign}/mailings?name=smoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.dialerKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contacts: [{ nome: 'Cliente', telefone: phone }] }),
    });
    const lines = (await response.text()).trim().split('\n');
    if (response.status !== 200) throw new Error(`mailing through ${base}: ${response.status} ${lines.join('\n')}`);
    return (JSON.parse(lines[lines.length - 1]!) as { summary: { id: string; counts: Record<string, number> } }).summary;
  }

  it('when the console is asked for through the balancer, then its page and bundle answer from a release under a dot-folder', async () => {
    const page = await fetch(`${balancer}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const bundle = html.match(/src="([^"]+\.js)"/)?.[1];
    expect(bundle).toBeDefined();
    expect((await fetch(new URL(bundle!, `${balancer}/`))).status).toBe(200);
    for (const url of instances) expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('when the operator API or /metrics is asked for through the balancer or an instance\'s public port, then 404; on the operator listener, it answers', async () => {
    for (const base of [balancer, ...instances]) {
      expect([base, (await call(base, 'GET', '/v1/operator/tenants', KEYS.OPERATOR_TOKEN)).status]).toEqual([base, 404]);
      expect([base, (await call(base, 'GET', '/metrics', KEYS.OPERATOR_TOKEN)).status]).toEqual([base, 404]);
    }
    for (const base of operators) expect([base, (await call(base, 'GET', '/metrics', KEYS.OPERATOR_TOKEN)).status]).toEqual([base, 200]);
  });

  it('when a number is invalidated through one instance, then the other instance and the balancer filter it, and a console socket through the balancer hears it live', async () => {
    const first = await makeTenant();
    const second = await makeTenant();
    for (const [tenant, instance] of [[first, instances[0]], [second, instances[1]]] as const) {
      await expectOk(instance, 'POST', '/v1/campaigns', tenant.dialerKey, { id: 'smoke', name: 'Smoke' });
      await expectOk(instance, 'PUT', '/v1/campaigns/smoke/hygiene', tenant.adminToken, { enabled: true });
    }

    // The console's own way: socket.io's default transports (long-polling, then the WebSocket upgrade) through nginx.
    const mailingEvents: string[] = [];
    socket = io(balancer, { auth: { token: first.adminToken }, reconnection: false });
    socket.on('mailing:updated', (mailing: { id: string; status: string }) => {
      if (mailing.status === 'completed') mailingEvents.push(mailing.id);
    });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    await eventually(() => socket!.io.engine.transport.name === 'websocket', 'the socket to upgrade to a WebSocket through nginx');

    const phone = '(11) 98123-4567';
    expect((await filterOne(balancer, first, 'smoke', phone)).counts).toMatchObject({ keptRows: 1, invalidPhones: 0 });
    // Both carriers' answers go through instance 1 only.
    await expectOk(instances[0], 'POST', '/v1/outcomes', first.dialerKey, { outcomes: [{ callId: `${first.slug}-1`, campaignId: 'smoke', phone, code: 'sip:404' }] });
    await expectOk(instances[0], 'POST', '/v1/outcomes', second.dialerKey, { outcomes: [{ callId: `${second.slug}-1`, campaignId: 'smoke', phone, code: 'sip:404' }] });

    let throughOther = { id: '', counts: {} as Record<string, number> };
    await eventually(async () => {
      throughOther = await filterOne(instances[1], first, 'smoke', phone);
      return throughOther.counts.invalidPhones === 1;
    }, 'instance 2 to filter the number invalidated through instance 1');
    expect(throughOther.counts).toMatchObject({ keptRows: 0, droppedRows: 1, invalidPhones: 1 });
    const throughBalancer = await filterOne(balancer, first, 'smoke', phone);
    expect(throughBalancer.counts).toMatchObject({ keptRows: 0, droppedRows: 1, invalidPhones: 1 });

    // One mailing filtered on each instance directly: the socket, on one of them, hears both (one through Redis).
    const onFirst = await filterOne(instances[0], first, 'smoke', phone);
    await eventually(() => [throughOther.id, onFirst.id].every((mailingId) => mailingEvents.includes(mailingId)), 'the console socket to hear the mailings of both instances');
  });
});
