import { createServer } from 'node:net';
import jwt from 'jsonwebtoken';
import type { Browser, Page } from 'playwright-core';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { launchBrowser, openConsole, screenshot, signIn, type Win } from './browser';

/** A port free right now, so a restarted server can come back where the page expects it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('admin console: errors are shown in words (real Chromium)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.context().close();
  });

  describe('with one server', () => {
    let server: TestServer;
    let admin: BuiltTenant;

    beforeEach(async () => {
      server = await startTestServer();
      admin = await buildTenant(server);
      await admin.campaign('cobranca', false);
      ({ page } = await openConsole(browser, server));
      await signIn(page, admin);
    });
    afterEach(async () => {
      await server.stop();
    });

    it('when the session expires while the console is open, then it returns to sign-in with a message by itself (the server closes the expired socket), and signing in again works', async () => {
      // A real token of this admin that the server will find expired in 2 s (the shortest configurable TTL is 60 s).
      const claims = jwt.decode(admin.adminToken) as { tid: string; sub: string; name: string };
      const shortLived = jwt.sign({ tid: claims.tid, role: 'admin', name: claims.name }, server.config.jwtSecret, { algorithm: 'HS256', subject: claims.sub, issuer: 'mailing-hygiene', expiresIn: 2 });
      await page.evaluate((token) => {
        const session = JSON.parse((globalThis as unknown as Win).sessionStorage.getItem('hyg.session')!);
        (globalThis as unknown as Win).sessionStorage.setItem('hyg.session', JSON.stringify({ ...session, token }));
      }, shortLived);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Campanhas' }).waitFor();
      // No action needed: every instance disconnects a socket whose JWT expired, and the refused reconnect ends the session.
      await page.getByRole('heading', { level: 1, name: 'Entrar no console' }).waitFor({ timeout: 15_000 });
      await expect(page.getByRole('alert').filter({ hasText: 'Sua sessão expirou. Entre novamente para continuar.' }).isVisible()).resolves.toBe(true);
      await screenshot(page, '13-session-expired');
      const campaign = await server.api().get('/v1/campaigns/cobranca').set('authorization', admin.auth('admin')).expect(200);
      expect(campaign.body.hygieneEnabled).toBe(false);

      await signIn(page, admin);
      await expect(page.getByRole('switch', { name: 'Higienização de Mailing: cobranca' }).getAttribute('aria-checked')).resolves.toBe('false');
    });

    it('when the server rejects the hygiene change, then its reason is shown next to the switch and the switch shows the real state', async () => {
      // Nothing in this API refuses an admin's switch, so the refusal is made at the network layer.
      await page.route('**/v1/campaigns/cobranca/hygiene', (route) =>
        route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { code: 'FORBIDDEN', message: 'this campaign is locked by the operator', requestId: 'req-test' } }) }),
      );
      const toggle = page.getByRole('switch', { name: 'Higienização de Mailing: cobranca' });
      await toggle.click();
      await page.getByRole('dialog').getByRole('button', { name: 'Ativar' }).click();
      const message = page.locator('tr[data-campaign="cobranca"]').getByRole('alert');
      await message.waitFor();
      await expect(message.textContent()).resolves.toBe('Você não tem permissão para isso: esta ação não é permitida para a sua conta');
      // The message and the switch's restored label are painted in two steps: wait for the label, bounded by jest.
      await page.waitForFunction(`document.querySelector('tr[data-campaign="cobranca"] [role="switch"]')?.textContent?.includes('Desativada')`);
      await expect(toggle.getAttribute('aria-checked')).resolves.toBe('false');
      await expect(toggle.textContent()).resolves.toContain('Desativada');
      await screenshot(page, '14-rejected-switch');
    });

    it('when the server rejects a key name or a tabulation code, then its words are shown next to the form, translated by code and field', async () => {
      await page.getByRole('link', { name: 'Chaves do discador' }).click();
      await page.getByRole('button', { name: 'Criar chave' }).click();
      // The server says "name: is required" (VALIDATION_FAILED on `name`); the console says it in Portuguese.
      await page.getByText('O servidor recusou a alteração: Nome: é obrigatório').waitFor();

      await page.getByRole('link', { name: 'Tabulações' }).click();
      await page.getByLabel('Código da tabulação').fill('x'.repeat(101));
      await page.getByRole('button', { name: 'Adicionar' }).click();
      await page.getByText('O servidor recusou a alteração: Código: deve ter no máximo 100 caracteres').waitFor();
      await screenshot(page, '15-rejected-code');
    });
  });

  it('when the server goes down, then a banner says so in words and an action fails visibly; when it is back, the console reconnects by itself', async () => {
    const port = String(await freePort());
    const first = await startTestServer({ env: { PORT: port }, keepSchema: true });
    const admin = await buildTenant(first);
    await admin.campaign('cobranca', false);
    ({ page } = await openConsole(browser, first));
    await signIn(page, admin);
    const banner = page.locator('#offline-banner');
    await expect(banner.isVisible()).resolves.toBe(false);

    await first.stop();
    await banner.waitFor({ state: 'visible' });
    await expect(banner.textContent()).resolves.toContain('Sem conexão com o servidor. Tentando reconectar…');
    await expect(banner.getAttribute('role')).resolves.toBe('alert');
    await page.getByRole('link', { name: 'Tabulações' }).click();
    await page.getByText('Sem conexão com o servidor: não foi possível carregar esta página. Tente novamente.').waitFor();
    await screenshot(page, '16-server-down');

    const second = await startTestServer({ env: { PORT: port }, schema: first.schema });
    try {
      await banner.waitFor({ state: 'hidden', timeout: 20_000 });
      // The view refetches after the reconnect: the list is back without a click.
      await page.locator('tr[data-code="sip:404"]').waitFor();
    } finally {
      await second.stop();
    }
  });
});
