import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The plugin as an integrator gets it: `npm pack` output installed into an empty folder with no registry
 * (`--offline`: the tarball bundles socket.io-client), then used from the CLI, plain JavaScript and TypeScript.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const PLUGIN = path.join(ROOT, 'plugin');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** npm run from a test must not inherit the npm_* settings of an `npm test` around it. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

describe('the plugin package', () => {
  let dir: string;
  let app: string;
  let tarball: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-package-'));
    app = path.join(dir, 'dialer');
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: PLUGIN, env: cleanEnv() });
    tarball = path.join(dir, (await readdir(dir)).find((name) => name.endsWith('.tgz'))!);
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'dialer', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: cleanEnv() });
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when packed, then the tarball holds the compiled code, its types, the bin and the README, and no sources', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/dist/contract/protocol.d.ts', 'package/bin/hygiene.js', 'package/README.md']));
    expect(files.filter((file) => !file.startsWith('package/node_modules/') && file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((file) => file.startsWith('package/node_modules/socket.io-client/'))).toBe(true);
  });

  it('when installed into an empty folder, then `npx hygiene --help` answers in pt-BR and exits 0', async () => {
    const { stdout } = await run('npx', ['--offline', 'hygiene', '--help'], { cwd: app, env: { ...cleanEnv(), HYGIENE_LANG: '' } });
    expect(stdout).toMatch(/^uso: hygiene <comando> \[opções\]/);
    expect(stdout).toContain('filtrar <mailing.csv>');
  });

  it('when plain JavaScript requires it, then it constructs a HygieneClient and refuses bad options by name', async () => {
    await writeFile(
      path.join(app, 'dialer.js'),
      `const { HygieneClient, HygieneConfigError } = require('@mailing-hygiene/plugin');
const client = new HygieneClient({ serverUrl: 'http://127.0.0.1:9', apiKey: 'hyg_example', outboxDir: './outbox' });
let refused = '';
try { new HygieneClient({ serverUrl: 'http://127.0.0.1:9', apiKey: 'hyg_example', batchSize: 0 }); } catch (error) { refused = error instanceof HygieneConfigError ? error.message : 'other'; }
client.close().then(() => console.log(JSON.stringify({ filter: typeof client.filterMailing, refused })));
`,
    );
    const { stdout } = await run(process.execPath, ['dialer.js'], { cwd: app });
    const result = JSON.parse(stdout) as { filter: string; refused: string };
    expect(result.filter).toBe('function');
    expect(result.refused).toMatch(/batchSize: /);
  });

  it('when a TypeScript dialer imports it, then it type-checks against the installed types, and a wrong option does not', async () => {
    await writeFile(
      path.join(app, 'dialer.ts'),
      `import { HygieneClient, type FilterResult, type OutcomeReport } from '@mailing-hygiene/plugin';
const client = new HygieneClient({ serverUrl: 'http://127.0.0.1:9', apiKey: 'hyg_example', outboxDir: './outbox' });
const report: OutcomeReport = { callId: 'c1', campaignId: 'cobranca', phone: '11 91234-5678', code: 'sip:404' };
export const queued: Promise<void> = client.reportOutcome(report);
export const filtered: Promise<FilterResult> = client.filterMailing('in.csv', { campaignId: 'cobranca', kept: 'out.csv' });
// @ts-expect-error a number is not a server URL
new HygieneClient({ serverUrl: 1, apiKey: 'hyg_example' });
`,
    );
    // node16 resolution reads the package's `exports`; the dialer brings its own @types/node (here the repository's).
    const tsconfig = {
      compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
      files: ['dialer.ts'],
    };
    await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    await expect(run(process.execPath, [TSC, '-p', '.'], { cwd: app })).resolves.toBeDefined();
  }, 60_000);
});

describe('package boundaries', () => {
  const sources = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) return name === 'node_modules' || name === 'dist' || name === 'generated' ? [] : sources(file);
      return /\.ts$/.test(name) ? [file] : [];
    });
  const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((match) => path.resolve(path.dirname(file), match[1]!));

  it('when the contract imports anything, then it is Node itself or another contract module', () => {
    const contract = path.join(PLUGIN, 'contract');
    const outside = sources(contract).flatMap((file) => importsOf(file).filter((target) => !target.includes(`${path.sep}node:`) && !target.startsWith(contract)).map((target) => `${file} → ${target}`));
    expect(outside).toEqual([]);
  });

  it('when the server or the console imports from the plugin folder, then only from its contract', () => {
    const pluginSources = path.join(PLUGIN, 'src');
    const reaching = sources(path.join(ROOT, 'server')).flatMap((file) => importsOf(file).filter((target) => target.startsWith(pluginSources)).map((target) => `${file} → ${target}`));
    expect(reaching).toEqual([]);
  });

  it('when the plugin imports anything, then never the server', () => {
    const server = path.join(ROOT, 'server');
    const reaching = sources(PLUGIN).flatMap((file) => importsOf(file).filter((target) => target.startsWith(server)).map((target) => `${file} → ${target}`));
    expect(reaching).toEqual([]);
  });
});
