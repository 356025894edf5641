import { get } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { expectAccessibleAtBothSizes, horizontalOverflow } from './axe';
import { launchBrowser, openConsole, screenshot, signIn, type Win } from './browser';

/** Issue 14, problems 6, 9, 10 and 11: first run, Portuguese everywhere, admins' lifecycle, a lighter bundle. */
describe('admin console: first run, Portuguese, admins and the bundle (real Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let admin: BuiltTenant;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
    await browser?.close();
  });
  beforeEach(async () => {
    admin = await buildTenant(server);
    ({ page, consoleErrors } = await openConsole(browser, server));
  });
  afterEach(async () => {
    await page.context().close();
  });

  it('when a new tenant signs in, then the first steps are listed, a new key comes with the snippet to connect a dialer, and a dialer that used its key shows as connected', async () => {
    await signIn(page, admin);
    const steps = page.getByRole('region', { name: 'Primeiros passos' });
    await steps.waitFor();
    await expect(steps.textContent()).resolves.toContain('Crie uma chave do discador (feito)');
    await expect(steps.textContent()).resolves.toContain('npx hygiene verificar');
    await screenshot(page, '40-first-run');
    await steps.getByRole('link', { name: 'Crie uma chave do discador' }).click();
    await page.getByRole('heading', { level: 1, name: 'Chaves do discador' }).waitFor();
    await page.getByLabel('Nome da chave').fill('discador-rj');
    await page.getByRole('button', { name: 'Criar chave' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nova chave criada' });
    await dialog.waitFor();
    const key = await dialog.getByLabel('Chave do discador').inputValue();
    await expect(dialog.getByLabel('Conectar o discador').textContent()).resolves.toBe(`export HYGIENE_URL=${server.url}\nexport HYGIENE_API_KEY=${key}\nnpx hygiene verificar`);
    await dialog.getByRole('button', { name: 'Copiar a configuração' }).click();
    await dialog.getByText('Configuração copiada.').waitFor();
    await expect(page.evaluate(() => (globalThis as unknown as Win).navigator.clipboard.readText())).resolves.toBe(`export HYGIENE_URL=${server.url}\nexport HYGIENE_API_KEY=${key}\nnpx hygiene verificar`);
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(horizontalOverflow(page)).resolves.toBeLessThanOrEqual(0);
    await screenshot(page, '41-new-key-snippet-phone');
    await expectAccessibleAtBothSizes(page, 'new key dialog');
    await dialog.getByRole('button', { name: 'Concluído' }).click();

    const row = page.locator('tr', { hasText: 'discador-rj' });
    await expect(row.textContent()).resolves.toContain('Nunca conectado');
    await server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);
    await page.reload();
    await row.getByText('Discador conectado').waitFor();
    await page.getByLabel('Buscar chave').fill('rj');
    await page.getByText('1 de 2 chaves').waitFor();
    await screenshot(page, '42-keys-connected');
    await expectAccessibleAtBothSizes(page, 'keys');
    expect(consoleErrors).toEqual([]);
  });

  it('when the admin switches language, then the sign-out notice, the tab title and the server\'s errors follow it', async () => {
    await signIn(page, admin);
    await expect(page.title()).resolves.toBe('Campanhas · Higienização de Mailing');
    await page.getByRole('link', { name: 'Tabulações' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor();
    await expect(page.title()).resolves.toBe('Tabulações · Higienização de Mailing');
    await page.getByLabel('Idioma').selectOption('en');
    await expect(page.title()).resolves.toBe('Tabulations · Mailing Hygiene');

    // Signed out in English, then Portuguese: the notice used to stay "You signed out.".
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    await page.getByLabel('Language').selectOption('pt-BR');
    await page.getByText('Você saiu do console.').waitFor();
    await expect(page.getByText('You signed out.').count()).resolves.toBe(0);

    // The server's English validation messages come translated by code and field.
    await page.getByLabel('E-mail').fill(admin.adminEmail);
    await page.getByLabel('Senha').fill(admin.adminPassword);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor(); // back where the admin left
    await page.getByRole('link', { name: 'Administradores' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administradores' }).waitFor();
    await page.getByLabel('Nome').fill('Joana Lima');
    await page.getByLabel('E-mail').fill('não é email');
    await page.getByLabel('Senha inicial').fill('uma senha longa o bastante');
    await page.getByRole('button', { name: 'Convidar' }).click();
    await page.getByText('O servidor recusou a alteração: E-mail: deve ser um endereço de e-mail').waitFor();
    await screenshot(page, '43-translated-server-error');
    expect(consoleErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('when an admin invites, disables, changes their password and signs out everywhere, then each takes effect on the server', async () => {
    await signIn(page, admin);
    await page.getByRole('link', { name: 'Administradores' }).click();
    await page.getByRole('heading', { level: 1, name: 'Administradores' }).waitFor();
    await page.getByLabel('Nome').fill('Joana Lima');
    await page.getByLabel('E-mail').fill(`joana@${admin.slug}.example`);
    await page.getByLabel('Senha inicial').fill('uma senha longa o bastante');
    await page.getByRole('button', { name: 'Convidar' }).click();
    await page.getByText('Joana Lima agora é administrador.').waitFor();
    const joana = await server.api().post('/v1/auth/login').send({ email: `joana@${admin.slug}.example`, password: 'uma senha longa o bastante' }).expect(200);

    await page.getByRole('button', { name: 'Desativar Joana Lima' }).click();
    const confirm = page.getByRole('dialog', { name: 'Desativar administrador?' });
    await screenshot(page, '44-disable-admin-confirm');
    await confirm.getByRole('button', { name: 'Desativar' }).click();
    await page.locator('tr', { hasText: 'Joana Lima' }).getByText(/Desativado em/).waitFor();
    await server.api().get('/v1/me').set('authorization', `Bearer ${joana.body.token}`).expect(401);
    await expectAccessibleAtBothSizes(page, 'admins');

    await page.getByLabel('Senha atual').fill(admin.adminPassword);
    await page.getByLabel('Nova senha (mínimo 10 caracteres)').fill('outra senha bem longa');
    await page.getByRole('button', { name: 'Trocar senha' }).click();
    await page.getByRole('alert').filter({ hasText: 'Senha trocada. As outras sessões foram encerradas.' }).waitFor();
    await server.api().get('/v1/me').set('authorization', admin.auth('admin')).expect(401); // the older session ended
    await page.getByRole('link', { name: 'Campanhas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campanhas' }).waitFor(); // this tab still works

    // The audit log, filtered by the server to the admins' events.
    await page.getByRole('link', { name: 'Auditoria' }).click();
    await page.getByRole('heading', { level: 1, name: 'Auditoria' }).waitFor();
    await page.getByLabel('Tipo de evento').selectOption('admin.');
    await page.getByText('3 registros. Fim do registro.').waitFor();

    await page.getByRole('link', { name: 'Administradores' }).click();
    await page.getByRole('button', { name: 'Sair de todos os dispositivos' }).click();
    await page.getByRole('dialog', { name: 'Sair de todos os dispositivos?' }).getByRole('button', { name: 'Sair de todos os dispositivos' }).click();
    await page.getByText('Você saiu do console.').waitFor();
    expect(consoleErrors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });

  it('when a browser asks for the bundle, then it is served brotli- or gzip-compressed and its source map only outside production', async () => {
    // Raw bytes as they travel (supertest and fetch would decompress them).
    const br = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
      get(`${server.url}/assets/app.js`, { headers: { 'accept-encoding': 'br' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      }).on('error', reject);
    });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    const gzip = await server.api().get('/assets/styles.css').set('accept-encoding', 'gzip, deflate');
    expect([gzip.status, gzip.headers['content-encoding'], gzip.headers['content-type']]).toEqual([200, 'gzip', 'text/css; charset=utf-8']);
    const plain = await server.api().get('/assets/app.js').set('accept-encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.bytes).toBeLessThan(Number(plain.headers['content-length']) / 2);

    const production = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      await production.api().get('/assets/app.js.map').expect(404);
      await production.api().get('/assets/app.js').set('accept-encoding', 'gzip').expect(200).expect('content-encoding', 'gzip');
    } finally {
      await production.stop();
    }
    await server.api().get('/assets/app.js.map').expect(200);
  });
});
