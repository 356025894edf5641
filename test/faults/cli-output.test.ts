import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient, HygieneFilterError } from '../../plugin/src/index';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { freePort, killAllChildren, spawnChild, startServerProcess, type Child } from '../support/processes';
import { recordFault } from '../support/reliability';
import { eventually } from '../support/eventually';

/**
 * Output files of a mailing filter appear at their final names only when complete. A server SIGKILLed mid-stream
 * used to leave `mailing-filtrado.csv` with 180k rows and a torn last row at its final path (a dialer loads it),
 * and a rejects file without a header.
 */

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');
const ROWS = 400_000;

async function writeMailing(file: string, rows: number, malformedEvery = 1000): Promise<void> {
  const out = createWriteStream(file, { encoding: 'latin1' });
  out.write('id;nome;telefone\n');
  for (let i = 0; i < rows; i++) {
    const phone = malformedEvery > 0 && i % malformedEvery === 3 ? '123' : `11 9${String(70_000_000 + i)}`;
    if (!out.write(`${i};Cliente ${i} São Paulo;${phone}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}


/** Hidden partial files (`.name.partial-…`) of `name` in `dir`, with their sizes. */
async function partials(dir: string, name: string): Promise<Array<{ file: string; size: number }>> {
  const names = (await readdir(dir)).filter((entry) => entry.startsWith(`.${name}.partial-`));
  return Promise.all(names.map(async (file) => ({ file, size: await stat(path.join(dir, file)).then((s) => s.size, () => 0) })));
}

describe('mailing filter outputs when the server dies mid-stream', () => {
  let observer: TestServer;
  let serverProcess: Child & { url: string };
  let tenant: BuiltTenant;
  let dir: string;
  let input: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-output-'));
    input = path.join(dir, 'mailing.csv');
    await writeMailing(input, ROWS);
  });

  beforeEach(async () => {
    const schema = uniqueId('hyg');
    // The in-process instance makes the tenant; the dialer talks only to the server process, the one killed.
    observer = await startTestServer({ schema });
    serverProcess = await startServerProcess({ schema, port: await freePort() });
    tenant = await buildTenant(observer);
    await tenant.campaign('cobranca', true);
  });

  afterEach(async () => {
    await killAllChildren();
    await observer.stop();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when the server is SIGKILLed while "hygiene filtrar" streams a 400k-row mailing, then no output file exists, no partial file is left, and the CLI says not to dial', async () => {
    const cli = spawnChild([BIN, 'filtrar', input, '--campanha', 'cobranca', '--sem-progresso'], { HYGIENE_LANG: '', HYGIENE_URL: serverProcess.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, 'outbox') });
    // Kill once kept rows are landing on disk: the answer is mid-stream.
    await eventually(async () => (await partials(dir, 'mailing-filtrado.csv')).some((p) => p.size > 0), 'kept rows in the partial file');
    const partialBytes = Math.max(...(await partials(dir, 'mailing-filtrado.csv')).map((p) => p.size));
    await serverProcess.kill('SIGKILL');
    const { code } = await cli.exited;

    expect(code).toBe(1);
    expect(cli.stderr()).toContain('o mailing NÃO foi filtrado até o fim');
    expect(cli.stderr()).toContain('não disque este mailing');
    expect(existsSync(path.join(dir, 'mailing-filtrado.csv'))).toBe(false);
    expect(existsSync(path.join(dir, 'mailing-rejeitados.csv'))).toBe(false);
    expect((await readdir(dir)).filter((name) => name.includes('.partial-'))).toEqual([]);
    recordFault({
      fault: 'server SIGKILL during "hygiene filtrar"',
      load: `${ROWS.toLocaleString('en-US')}-row CSV mailing (${partialBytes.toLocaleString('en-US')} kept bytes received before the kill)`,
      sent: ROWS,
      counted: 0,
      lost: 0,
      doubled: 0,
      clientSaw: 'exit 1, "o mailing NÃO foi filtrado até o fim … não disque"; no file at the final names, no partial file left',
      recoveryMs: null,
    });
  });

  it('when the server is SIGKILLed while the library filters to file paths, then it throws HygieneFilterError and leaves no file', async () => {
    const client = new HygieneClient({ serverUrl: serverProcess.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'lib-outbox'), retry: { baseMs: 10, maxMs: 50, maxAttempts: 2 } });
    const kept = path.join(dir, 'lib-filtrado.csv');
    const rejects = path.join(dir, 'lib-rejeitados.csv');
    let killing: Promise<void> | undefined;
    try {
      const run = client.filterMailing(input, {
        campaignId: 'cobranca',
        kept,
        malformed: rejects,
        onProgress: (progress) => {
          if (progress.keptBytes > 0 && !killing) killing = serverProcess.kill('SIGKILL');
        },
      });
      await expect(run).rejects.toThrow(HygieneFilterError);
      await expect(run).rejects.toThrow(/no output file was kept; do not dial/);
      expect(killing).toBeDefined();
      await killing;
      expect(existsSync(kept)).toBe(false);
      expect(existsSync(rejects)).toBe(false);
      expect((await readdir(dir)).filter((name) => name.includes('.partial-'))).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('when a run completes, then both files carry the header, the rejects one with hygiene_error even when no row was rejected', async () => {
    const clean = path.join(dir, 'limpo.csv');
    await writeMailing(clean, 1000, 0);
    const client = new HygieneClient({ serverUrl: serverProcess.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'ok-outbox') });
    try {
      const kept = path.join(dir, 'limpo-filtrado.csv');
      const rejects = path.join(dir, 'limpo-rejeitados.csv');
      const result = await client.filterMailing(clean, { campaignId: 'cobranca', kept, malformed: rejects });
      expect(result.counts).toMatchObject({ totalRows: 1000, keptRows: 1000, malformedRows: 0 });
      const keptLines = (await readFile(kept, 'latin1')).split('\n');
      expect(keptLines[0]).toBe('id;nome;telefone');
      expect(keptLines).toHaveLength(1000 + 2);
      expect(await readFile(rejects, 'latin1')).toBe('id;nome;telefone;hygiene_error\n');

      const withRejects = await client.filterMailing(input, { campaignId: 'cobranca', kept: path.join(dir, 'todo-filtrado.csv'), malformed: path.join(dir, 'todo-rejeitados.csv') });
      expect(withRejects.counts.malformedRows).toBe(ROWS / 1000);
      const rejectLines = (await readFile(path.join(dir, 'todo-rejeitados.csv'), 'latin1')).split('\n').filter(Boolean);
      expect(rejectLines[0]).toBe('id;nome;telefone;hygiene_error');
      expect(rejectLines).toHaveLength(1 + ROWS / 1000);
      expect((await readdir(dir)).filter((name) => name.includes('.partial-'))).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
