import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import express, { type Router } from 'express';
import request from 'supertest';
import { HygieneClient, type HygieneClientOptions } from '../../plugin/src/client';
import { loadConfig } from '../../server/config';
import { openEmbedded } from '../../server/db/database';
import { consoleRoutes } from '../../server/routes/console/console';
import { MultipartCsvOutput } from '../../server/services/mailingFilter/answer';
import { buildTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';

/** Issue 10, "data left behind": what a crash, a shared disk, a cache or a curious client could read afterwards. */

/** Every file and folder under `root`, with its permission bits. */
function modesUnder(root: string): { file: string; mode: number; directory: boolean }[] {
  const found: { file: string; mode: number; directory: boolean }[] = [];
  const pending = [root];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    const stats = lstatSync(current);
    found.push({ file: current, mode: stats.mode & 0o777, directory: stats.isDirectory() });
    if (stats.isDirectory()) for (const name of readdirSync(current)) pending.push(path.join(current, name));
  }
  return found;
}

describe('security: malformed rows spilled to disk', () => {
  const spillDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('hyg-malformed-'));

  it('when malformed rows spill to a temporary file, then the file holds nothing readable, and the answer still gets them back whole', async () => {
    const body = new PassThrough();
    const received: Buffer[] = [];
    body.on('data', (chunk: Buffer) => received.push(chunk));
    const output = new MultipartCsvOutput({ start: () => undefined, body }, {});
    const before = new Set(spillDirs());
    await output.begin();
    const row = 'Ana Secreta;123.456.789-09;11 98765-4321;linha 2: telefone: INVALID\n';
    const rows = row.repeat(Math.ceil((2 << 20) / row.length)); // past the 1 MiB kept in memory
    await output.malformed(rows);
    try {
      const mine = spillDirs().filter((name) => !before.has(name));
      expect(mine.length).toBe(1);
      const folder = path.join(tmpdir(), mine[0]!);
      for (const entry of modesUnder(folder)) {
        expect({ file: entry.file, mode: entry.mode & 0o077 }).toEqual({ file: entry.file, mode: 0 });
        if (!entry.directory) {
          const onDisk = readFileSync(entry.file);
          expect(onDisk.includes('Ana Secreta')).toBe(false);
          expect(onDisk.includes('123.456.789-09')).toBe(false);
        }
      }
      await output.finish({ done: true });
      const answer = Buffer.concat(received).toString('latin1');
      expect(answer.includes(rows)).toBe(true);
    } finally {
      await output.dispose();
    }
    expect(spillDirs().filter((name) => !before.has(name))).toEqual([]);
  });

  it('when a server starts, then spill folders of dead processes and of the former layout are removed, a live process one is kept', async () => {
    // In the real temporary folder: the server sweeps os.tmpdir(), which reads the process's real environment.
    const suffix = Math.random().toString(36).slice(2, 8);
    const dead = path.join(tmpdir(), `hyg-malformed-999999999-${suffix}`);
    const legacy = path.join(tmpdir(), `hyg-malformed-${suffix}`);
    const live = path.join(tmpdir(), `hyg-malformed-${process.pid}-${suffix}`);
    for (const dir of [dead, legacy, live]) {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'rows.csv'), 'Ana;11 98765-4321\n');
    }
    try {
      const server = await startTestServer({ redis: false });
      await server.stop();
      expect({ dead: existsSync(dead), legacy: existsSync(legacy), live: existsSync(live) }).toEqual({ dead: false, legacy: false, live: true });
    } finally {
      for (const dir of [dead, legacy, live]) rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security: the embedded data folder', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'hyg-datadir-')), 'data');
  });

  afterAll(() => {
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('when the embedded default starts and writes, then DATA_DIR, the PGlite files and dev-keys.json are owner-only', async () => {
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }); // makes dev-keys.json
    const db = await openEmbedded(dataDir);
    try {
      await db.runScript(`CREATE TABLE IF NOT EXISTS scratch (n int); INSERT INTO scratch SELECT generate_series(1, 1000);`);
    } finally {
      await db.close();
    }
    const entries = modesUnder(dataDir);
    expect(entries.some((entry) => entry.file.endsWith('dev-keys.json'))).toBe(true);
    expect(entries.filter((entry) => !entry.directory).length).toBeGreaterThan(10);
    const open = entries.filter((entry) => (entry.mode & 0o077) !== 0 || (entry.directory && entry.mode !== 0o700));
    expect(open.map((entry) => `${path.relative(dataDir, entry.file)} ${entry.mode.toString(8)}`)).toEqual([]);
  });
});

describe('security: what answers give away', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when the API answers (a sign-in, a list, an error), then it says no-store and nosniff', async () => {
    const tenant = await buildTenant(server);
    const answers = [
      await server.api().post('/v1/auth/login').send({ email: tenant.adminEmail, password: tenant.adminPassword }),
      await server.api().get('/v1/campaigns').set('authorization', tenant.auth('dialer')),
      await server.api().get('/v1/no-such-route'),
    ];
    for (const answer of answers) {
      expect({ status: answer.status, cache: answer.headers['cache-control'], sniff: answer.headers['x-content-type-options'] }).toEqual({
        status: answer.status,
        cache: 'no-store',
        sniff: 'nosniff',
      });
    }
  });

  it('when anyone asks /readyz, then it gets the status alone; the operator gets the details', async () => {
    const anyone = await server.api().get('/readyz').expect(200);
    expect(anyone.body).toEqual({ status: 'ready' });
    const operator = await server.api().get('/readyz').set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`).expect(200);
    expect(operator.body).toMatchObject({ status: 'ready', database: 'up', numbersIndexed: expect.any(Number) });
  });

  it('when the console runs in production, then its source maps are not served, and its bundles still are', async () => {
    const assets = mkdtempSync(path.join(tmpdir(), 'hyg-console-'));
    mkdirSync(path.join(assets, 'assets'));
    writeFileSync(path.join(assets, 'index.html'), '<!doctype html>');
    writeFileSync(path.join(assets, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(assets, 'assets', 'app.js.map'), '{"sources":["secret.ts"]}');
    try {
      const routes = consoleRoutes as (dir: string, options: { sourceMaps: boolean }) => Router;
      const production = express().use(routes(assets, { sourceMaps: false }));
      await request(production).get('/assets/app.js').expect(200);
      expect((await request(production).get('/assets/app.js.map')).status).toBe(404);
      const development = express().use(routes(assets, { sourceMaps: true }));
      await request(development).get('/assets/app.js.map').expect(200);
    } finally {
      rmSync(assets, { recursive: true, force: true });
    }
  });
});

describe('security: the plugin and plain http', () => {
  const options = (serverUrl: string, extra: Record<string, unknown> = {}) => ({ serverUrl, apiKey: 'hyg_test', outboxDir: path.join(tmpdir(), 'hyg-outbox-unused'), ...extra }) as HygieneClientOptions;

  it('when serverUrl is plain http:// to another machine, then the client refuses it naming allowInsecureHttp', () => {
    expect(() => new HygieneClient(options('http://higiene.example.com.br'))).toThrow(/serverUrl: plain http:\/\/.*allowInsecureHttp/s);
    expect(() => new HygieneClient(options('http://10.0.0.5:3000'))).toThrow(/allowInsecureHttp/);
  });

  it('when serverUrl is https, loopback http, or http with allowInsecureHttp, then the client is made', () => {
    for (const url of ['https://higiene.example.com.br', 'http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
      void new HygieneClient(options(url)).close();
    }
    void new HygieneClient(options('http://10.0.0.5:3000', { allowInsecureHttp: true })).close();
  });
});
