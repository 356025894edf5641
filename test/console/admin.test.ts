import type { Browser, Page } from 'playwright-core';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { launchBrowser, openConsole, screenshot, signIn, type Win } from './browser';

describe('admin console: tabulation map and dialer keys (real Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let admin: BuiltTenant;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startTestServer();
    admin = await buildTenant(server);
    ({ page, consoleErrors } = await openConsole(browser, server));
    await signIn(page, admin);
  });
  afterEach(async () => {
    await page.context().close();
    await server.stop();
  });

  const serverMap = async () => {
    const response = await server.api().get('/v1/tabulations').set('authorization', admin.auth('admin')).expect(200);
    return new Map((response.body.tabulations as { code: string; outcome: string; source: string }[]).map((entry) => [entry.code, entry]));
  };

  it('when the admin searches the tabulation map, changes an outcome, adds a code of its own and reverts, then the server map follows each step', async () => {
    await page.getByRole('link', { name: 'Tabulações' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor();

    // Search narrows the list; the outcome filter too.
    await page.getByLabel('Buscar código ou descrição').fill('sip:480');
    await page.locator('tr[data-code="sip:480"]').waitFor();
    await expect(page.locator('table.tabulations tbody tr').count()).resolves.toBe(1);
    await page.getByLabel('Buscar código ou descrição').fill('');
    await page.getByLabel('Filtrar por resultado').selectOption('invalid');
    const outcomes = await page.locator('table.tabulations tbody tr select').evaluateAll((selects) => selects.map((s) => (s as unknown as { value: string }).value));
    expect(outcomes.length).toBeGreaterThan(3);
    expect(new Set(outcomes)).toEqual(new Set(['invalid']));
    await page.getByLabel('Filtrar por resultado').selectOption('');

    // Change a default: SIP 480 (temporarily unavailable) counted as invalid by this tenant.
    await page.getByLabel('Resultado do código sip:480').selectOption('invalid');
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' }).getByRole('button', { name: 'Salvar' }).click();
    await page.locator('tr[data-code="sip:480"]').getByText('Personalizado', { exact: true }).waitFor();
    expect((await serverMap()).get('sip:480')).toMatchObject({ outcome: 'invalid', source: 'tenant' });

    // Add a custom agent tabulation.
    await page.getByLabel('Código da tabulação').fill('Cliente faleceu');
    await page.locator('form.add-code').getByLabel('Resultado').selectOption('invalid');
    await page.getByRole('button', { name: 'Adicionar' }).click();
    await page.getByText('Cliente faleceu: Inválido. Salvo.').waitFor();
    await page.getByLabel('Filtrar por origem').selectOption('tenant');
    await page.locator('tr[data-code="cliente faleceu"]').waitFor();
    await expect(page.locator('table.tabulations tbody tr').count()).resolves.toBe(2);
    expect((await serverMap()).get('cliente faleceu')).toMatchObject({ outcome: 'invalid', source: 'tenant' });
    await screenshot(page, '09-tabulations-custom');

    // Revert the default code, remove the custom one.
    const confirmRules = page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' });
    await page.getByRole('button', { name: 'Restaurar padrão do código sip:480' }).click();
    await confirmRules.getByRole('button', { name: 'Salvar' }).click();
    await page.locator('tr[data-code="sip:480"]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Remover o código Cliente faleceu' }).click();
    await confirmRules.getByRole('button', { name: 'Salvar' }).click();
    await page.getByText('0 de').waitFor();
    const after = await serverMap();
    expect(after.get('sip:480')).toMatchObject({ outcome: 'neutral', source: 'default' });
    expect(after.has('cliente faleceu')).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  it('when another admin edits the tabulation map, then the open list refreshes and says so', async () => {
    await page.getByRole('link', { name: 'Tabulações' }).click();
    await page.locator('tr[data-code="sip:486"]').waitFor();
    await server.api().put('/v1/tabulations/sip:486').set('authorization', admin.auth('admin')).send({ outcome: 'invalid' }).expect(200);
    await page.getByText('O mapa de tabulações foi alterado por outro administrador; a lista foi atualizada.').waitFor();
    await expect(page.getByLabel('Resultado do código sip:486').inputValue()).resolves.toBe('invalid');
  });

  it('when the admin creates a dialer key, then it is shown once with a copy button, works for the dialer, and after a confirmed revoke it is refused', async () => {
    await page.getByRole('link', { name: 'Chaves do discador' }).click();
    await page.getByRole('heading', { level: 1, name: 'Chaves do discador' }).waitFor();
    await page.getByLabel('Nome da chave').fill('discador-sp-01');
    await page.getByRole('button', { name: 'Criar chave' }).click();

    const dialog = page.getByRole('dialog', { name: 'Nova chave criada' });
    await dialog.waitFor();
    const key = await dialog.getByLabel('Chave do discador').inputValue();
    expect(key).toMatch(/^hyg_[0-9a-f]{12}_/);
    await dialog.getByRole('button', { name: 'Copiar', exact: true }).click();
    await dialog.getByText('Chave copiada.').waitFor();
    await expect(page.evaluate(() => (globalThis as unknown as Win).navigator.clipboard.readText())).resolves.toBe(key);
    await screenshot(page, '10-new-key-once');
    // Tab stays inside the dialog (focus trap).
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => Boolean((globalThis as unknown as Win).document.activeElement?.closest('dialog')))).resolves.toBe(true);
    }
    await dialog.getByRole('button', { name: 'Concluído' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Shown once: the list has only its prefix.
    await expect(page.locator('main').textContent()).resolves.not.toContain(key);
    await server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);

    const row = page.locator('tr', { hasText: 'discador-sp-01' });
    await row.getByRole('button', { name: 'Revogar a chave discador-sp-01' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revogar a chave?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape'); // Escape cancels: nothing revoked
    await confirm.waitFor({ state: 'detached' });
    await server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);

    await row.getByRole('button', { name: 'Revogar a chave discador-sp-01' }).click();
    await confirm.waitFor();
    await screenshot(page, '11-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revogar' }).click();
    await row.getByText(/Revogada em .* por Admin/).waitFor(); // the admin's name, not their email
    await server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(401);
    await screenshot(page, '12-keys-revoked');
    expect(consoleErrors).toEqual([]);
  });
});
