import type { Browser, Page } from 'playwright-core';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { launchBrowser, openConsole, screenshot, signIn } from './browser';

/** Issue 13: the "Listas de supressão" screen, in Portuguese, against a real server (real Chromium). */
describe('admin console: suppression lists (real Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let admin: BuiltTenant;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startTestServer();
    admin = await buildTenant(server);
    await admin.campaign('vendas', false);
    ({ page, consoleErrors } = await openConsole(browser, server));
    await signIn(page, admin);
  });
  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  it('when the admin adds a number, sets a purpose and removes the entry, then the server follows each step and no phone is shown', async () => {
    await page.getByRole('link', { name: 'Listas de supressão' }).click();
    await page.getByRole('heading', { level: 1, name: 'Listas de supressão' }).waitFor();
    await page.getByText('Não Me Perturbe (ABR Telecom)').waitFor();

    await page.getByLabel('Telefones (um por linha)').fill('11 98765-4321\nabc');
    await page.getByLabel('Origem do pedido').fill('pedido do cliente');
    await page.getByRole('button', { name: 'Adicionar' }).click();
    await page.getByText(/1 números adicionados à lista de não ligar\. 1 telefones recusados: abc/).waitFor();
    await page.getByRole('cell', { name: 'pedido do cliente' }).waitFor();
    const check = async () =>
      (await server.api().post('/v1/numbers/check').set('authorization', admin.auth('dialer')).send({ phones: ['11 98765-4321'], campaignId: 'vendas' }).expect(200)).body.results[0].status;
    expect(await check()).toBe('suppressed');
    expect(await page.locator('main').textContent()).not.toContain('98765-4321');

    await page.getByLabel('Finalidade de vendas').selectOption('cobranca');
    await page.getByText('Finalidade de vendas salva.').waitFor();
    expect((await server.api().get('/v1/campaigns/vendas').set('authorization', admin.auth('admin')).expect(200)).body.purpose).toBe('cobranca');

    await screenshot(page, 'suppression');
    await page.getByRole('button', { name: 'Remover' }).click();
    await page.getByRole('dialog', { name: 'Remover da lista de não ligar?' }).getByRole('button', { name: 'Remover' }).click();
    await page.getByText('Nenhum número na lista.').waitFor();
    expect(await check()).not.toBe('suppressed');
    expect(consoleErrors).toEqual([]);
  });
});
