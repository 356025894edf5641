/**
 * Browser-test support for the admin console: real Chromium (Debian's package) driven by playwright-core,
 * against a real server from startTestServer(). Screenshots go to test-artifacts/console/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/harness';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ROOT = path.resolve(__dirname, '../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');

/** The console is built by `npm test` (and `npm run build`) before the tests; say so when it is not. */
export function assertConsoleBuilt(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'console', 'index.html'))) {
    throw new Error('The admin console is not built: run `npm run build:console` first (npm test does it).');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install -y chromium`);
}

export async function launchBrowser(): Promise<Browser> {
  assertConsoleBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A fresh browser context (its own storage) at laptop size, with console errors collected for the test. */
export async function openConsole(browser: Browser, server: TestServer): Promise<{ page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(server.url + '/');
  return { page, consoleErrors };
}

/** Signs in through the form, as an admin would, and waits for the campaigns page. */
export async function signIn(page: Page, tenant: Pick<BuiltTenant, 'adminEmail' | 'adminPassword'>): Promise<void> {
  await page.getByLabel('E-mail').fill(tenant.adminEmail);
  await page.getByLabel('Senha').fill(tenant.adminPassword);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { level: 1, name: 'Campanhas' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export type ConsoleSuiteOptions = {
  /** 'suite' (default): one server for the describe block; 'test': a fresh one per test (tests that restart or crowd it). */
  serverPer?: 'suite' | 'test';
  /** When the browser context is opened and signed in: 'test' (default) a fresh one per test; 'suite' once. */
  pagePer?: 'suite' | 'test';
  server?: TestServerOptions;
  /** The admin's tenant, with whatever it needs seeded before the console opens (default: a bare buildTenant). */
  tenant?: (server: TestServer) => Promise<BuiltTenant>;
  /** Sign in through the form once the console is open (default true). */
  signIn?: boolean;
};

export type ConsoleSuite = { readonly browser: Browser; readonly server: TestServer; readonly admin: BuiltTenant; readonly page: Page; readonly consoleErrors: string[] };

/**
 * The setup every console test file shares: Chromium, a real server, a tenant, the console open (and signed in),
 * torn down in reverse. Call it at the top of a describe block; its hooks run before the file's own, so a file's
 * beforeEach already has a page. Read the fields inside hooks and tests only (they are set by the hooks).
 */
export function consoleSuite(options: ConsoleSuiteOptions = {}): ConsoleSuite {
  const state: { -readonly [K in keyof ConsoleSuite]?: ConsoleSuite[K] | undefined } = {};
  const perTest = options.serverPer === 'test';
  const pagePerSuite = options.pagePer === 'suite' && !perTest;
  const startServer = async () => {
    state.server = await startTestServer(options.server);
  };
  const open = async () => {
    const server = state.server!;
    state.admin = await (options.tenant ?? buildTenant)(server);
    ({ page: state.page, consoleErrors: state.consoleErrors } = await openConsole(state.browser!, server));
    if (options.signIn ?? true) await signIn(state.page, state.admin);
  };
  const close = async () => {
    await state.page?.context().close();
    state.page = undefined;
  };
  beforeAll(async () => {
    state.browser = await launchBrowser();
    if (!perTest) await startServer();
    if (pagePerSuite) await open();
  });
  afterAll(async () => {
    if (pagePerSuite) await close();
    if (!perTest) await state.server?.stop();
    await state.browser?.close();
  });
  if (!pagePerSuite) {
    beforeEach(async () => {
      if (perTest) await startServer();
      await open();
    });
    afterEach(async () => {
      await close();
      if (perTest) await state.server?.stop();
    });
  }
  const read = <K extends keyof ConsoleSuite>(key: K): ConsoleSuite[K] => {
    const value = state[key];
    if (value === undefined) throw new Error(`consoleSuite: ${key} is read before the suite's hooks ran`);
    return value as ConsoleSuite[K];
  };
  return {
    get browser() {
      return read('browser');
    },
    get server() {
      return read('server');
    },
    get admin() {
      return read('admin');
    },
    get page() {
      return read('page');
    },
    get consoleErrors() {
      return read('consoleErrors');
    },
  };
}

const phone = (ddd: number, i: number) => `(${ddd}) 98765-${String(1000 + i).padStart(4, '0')}`;

/** Numbers no tenant ever reported: they stay in every mailing. */
export const freshPhones = (count: number, ddd = 31) => Array.from({ length: count }, (_v, i) => `${ddd} 9${String(80_000_000 + i)}`);

/**
 * Shared history as other tenants built it, sized like the seed: 61 numbers on the invalid list (two tenants,
 * 5 invalid marks each, a day apart: the pool's per-source cap and minimum span) and 102 unconfirmed numbers (one mark each).
 */
export async function seedSharedHistory(server: TestServer): Promise<{ invalid: string[]; unconfirmed: string[] }> {
  const invalid = Array.from({ length: 61 }, (_v, i) => phone(11, i));
  const unconfirmed = Array.from({ length: 102 }, (_v, i) => phone(21, i));
  const b = await buildTenant(server);
  const c = await buildTenant(server);
  await b.campaign('b-cobranca', true);
  await c.campaign('c-vendas', true);
  await b.report([...invalid.flatMap((p, i) => invalidOutcomes(`b-inv-${i}`, 'b-cobranca', p, 5)), ...unconfirmed.map((p, i) => ({ callId: `b-unc-${i}`, campaignId: 'b-cobranca', phone: p, code: 'sip:404' }))]);
  // A day later: the pool needs two sources whose marks span at least a day (server/domain/trust.ts).
  server.clock.advanceDays(1);
  await c.report(invalid.flatMap((p, i) => invalidOutcomes(`c-inv-${i}`, 'c-vendas', p, 5)));
  return { invalid, unconfirmed };
}

type ElementLike = { textContent: string | null; getAttribute(name: string): string | null; closest(selector: string): unknown };
/**
 * The page's globals as page.evaluate callbacks see them. The tests' tsconfig has no DOM lib, so callbacks
 * write `(globalThis as unknown as Win).document`; the cast is erased and the browser runs `globalThis.document`.
 */
export type Win = {
  document: { activeElement: ElementLike | null; getElementById(id: string): ElementLike | null; querySelector(selector: string): ElementLike | null };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator: { clipboard: { readText(): Promise<string> } };
  notReloaded?: boolean;
};
