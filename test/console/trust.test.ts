import type { Page } from 'playwright-core';
import { buildTenant, invalidOutcomes } from '../support/factories';
import { startTestServer } from '../support/harness';
import { consoleSuite, launchBrowser, openConsole, screenshot, signIn, type Win } from './browser';

/** A number the pool removed: two tenants, 5 invalid tabulations each, a day apart (docs/rules.md). */
const REMOVED = '(11) 98888-1234';
const REMOVED_DIGITS = '11988881234';
/** A number nobody ever reported. */
const NEVER_REPORTED = '(31) 97777-4321';
const REASON = 'O cliente atendeu pelo WhatsApp neste número ontem';

type Storage = { length: number; key(index: number): string | null; getItem(key: string): string | null };
type StorageWin = { localStorage: Storage; sessionStorage: Storage };

describe('admin console: why a number left the mailings, contest, and the audit log (real Chromium)', () => {
  const suite = consoleSuite({
    serverPer: 'test',
    tenant: async (server) => {
      const first = await buildTenant(server);
      const second = await buildTenant(server);
      await first.campaign('cobranca', true);
      await second.campaign('vendas', true);
      await first.report(invalidOutcomes('a', 'cobranca', REMOVED, 5));
      server.clock.advanceDays(1);
      await second.report(invalidOutcomes('b', 'vendas', REMOVED, 5));
      // The admin looking is a third company, which never dialed the number.
      return buildTenant(server, { name: 'Terceira Cobranças' });
    },
  });

  const isFocused = (locator: ReturnType<Page['getByRole']>) => locator.evaluate((el) => el === (globalThis as unknown as Win).document.activeElement);
  const storedText = () =>
    suite.page.evaluate(() => {
      const win = globalThis as unknown as StorageWin;
      const dump = (storage: Storage) => Array.from({ length: storage.length }, (_v, i) => `${storage.key(i)}=${storage.getItem(storage.key(i) ?? '')}`).join('\n');
      return `${dump(win.localStorage)}\n${dump(win.sessionStorage)}`;
    });

  async function lookUp(phone: string): Promise<void> {
    await suite.page.getByLabel('Telefone').fill(phone);
    await suite.page.getByRole('button', { name: 'Consultar', exact: true }).click();
  }

  it('when a third company consults a number the pool removed and contests it, then it reads why, sees it contested, and the audit log lists the contest with its reason', async () => {
    await suite.page.getByRole('link', { name: 'Consultar número' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Consultar número' }).waitFor();

    await lookUp(REMOVED);
    const result = suite.page.getByRole('region', { name: 'Resultado da consulta' });
    await result.getByRole('heading', { name: 'Este número foi removido dos seus mailings pela base compartilhada.' }).waitFor();
    const text = await result.textContent();
    expect(text).toContain('inválido');
    expect(text).toContain('pela base compartilhada');
    expect(text).toContain('2 empresas');
    expect(text).toContain('Quais empresas, nunca é mostrado.');
    expect(text).toContain('2 dias');
    expect(text).toContain('Não contestada');
    expect(text).not.toContain('possivelmente reatribuído');
    await screenshot(suite.page, '20-number-removed-by-pool');

    await result.getByRole('button', { name: 'Contestar remoção' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Contestar remoção' });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain(
      'o número volta a ser discado pela sua empresa em período de reavaliação; a base compartilhada não muda; a contestação fica registrada na auditoria',
    );
    await dialog.getByLabel('Motivo').fill(REASON);
    await screenshot(suite.page, '21-contest-dialog');
    await dialog.getByRole('button', { name: 'Contestar', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });

    await result.getByText('Contestada pela sua empresa').waitFor();
    const after = await result.textContent();
    expect(after).toContain('em quarentena de reavaliação');
    expect(after).toContain('pela base compartilhada');
    await expect(result.getByRole('button', { name: 'Contestar remoção' }).count()).resolves.toBe(0);
    await screenshot(suite.page, '22-number-contested');
    // The server agrees: this company dials the number again during the re-evaluation, the pool does not change.
    const explained = await suite.server.api().post('/v1/numbers/explain').set('authorization', suite.admin.auth('admin')).send({ phone: REMOVED }).expect(200);
    expect(explained.body).toMatchObject({ removed: true, status: 'probation', contested: true });

    await suite.page.getByRole('link', { name: 'Auditoria' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Auditoria' }).waitFor();
    const table = suite.page.getByRole('table');
    await table.getByRole('columnheader', { name: 'Quando' }).waitFor();
    for (const column of ['Quem', 'O quê', 'Alvo', 'Motivo']) await expect(table.getByRole('columnheader', { name: column }).count()).resolves.toBe(1);
    const contestRow = table.getByRole('row').filter({ hasText: 'Remoção contestada' });
    await expect(contestRow.count()).resolves.toBe(1);
    const rowText = await contestRow.textContent();
    expect(rowText).toContain(REASON);
    expect(rowText).toContain('Admin'); // the admin's name, not their email (issue 14)
    expect(rowText).not.toContain('9888');
    await screenshot(suite.page, '23-audit-log');

    // A number never reported: that sentence and nothing else (no counts, no contest).
    await suite.page.getByRole('link', { name: 'Consultar número' }).click();
    await lookUp(NEVER_REPORTED);
    await result.getByRole('heading', { name: 'Este número não foi removido dos seus mailings.' }).waitFor();
    await expect(result.textContent()).resolves.toBe('Este número não foi removido dos seus mailings.');
    await screenshot(suite.page, '24-number-not-removed');

    // Phones never reach the browser's storage nor the address bar.
    const stored = await storedText();
    expect(stored).not.toMatch(/9888|98888|7777/);
    expect(stored).not.toContain(REMOVED_DIGITS);
    expect(suite.page.url()).not.toMatch(/\d{8}/);
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the admin uses only the keyboard, then the contest dialog opens with Enter, closes with Escape back on its button, traps Tab and refuses a short reason', async () => {
    await suite.page.getByRole('link', { name: 'Consultar número' }).click();
    const phone = suite.page.getByLabel('Telefone');
    await phone.waitFor();
    // From the page heading, Tab reaches the phone field.
    let tabs = 0;
    while (!(await phone.evaluate((el) => el === (globalThis as unknown as Win).document.activeElement)) && tabs++ < 20) await suite.page.keyboard.press('Tab');
    expect(tabs).toBeLessThan(20);
    await suite.page.keyboard.type(REMOVED);
    await suite.page.keyboard.press('Enter');

    const result = suite.page.getByRole('region', { name: 'Resultado da consulta' });
    const opener = result.getByRole('button', { name: 'Contestar remoção' });
    await opener.waitFor();
    // The answer's heading has the focus (read first); Tab goes on to the contest button.
    tabs = 0;
    while (!(await isFocused(opener)) && tabs++ < 20) await suite.page.keyboard.press('Tab');
    expect(tabs).toBeLessThan(20);
    await suite.page.keyboard.press('Enter');

    const dialog = suite.page.getByRole('dialog', { name: 'Contestar remoção' });
    await dialog.waitFor();
    const reason = dialog.getByLabel('Motivo');
    await expect(isFocused(reason)).resolves.toBe(true);
    await suite.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(isFocused(opener)).resolves.toBe(true);

    await suite.page.keyboard.press('Enter');
    await dialog.waitFor();
    await suite.page.keyboard.type('não');
    await suite.page.keyboard.press('Tab');
    await expect(isFocused(dialog.getByRole('button', { name: 'Cancelar' }))).resolves.toBe(true);
    await suite.page.keyboard.press('Tab');
    const confirm = dialog.getByRole('button', { name: 'Contestar', exact: true });
    await expect(isFocused(confirm)).resolves.toBe(true);
    // The Tab trap: past the last button, back to the reason.
    await suite.page.keyboard.press('Tab');
    await expect(isFocused(reason)).resolves.toBe(true);
    await suite.page.keyboard.press('Shift+Tab');
    await expect(isFocused(confirm)).resolves.toBe(true);
    await suite.page.keyboard.press('Enter');
    await dialog.getByRole('alert').getByText('Motivo: escreva pelo menos 5 caracteres.').waitFor();
    await expect(isFocused(reason)).resolves.toBe(true);
    await screenshot(suite.page, '25-contest-dialog-short-reason');

    await suite.page.keyboard.type(' é o número do cliente');
    await suite.page.keyboard.press('Tab');
    await suite.page.keyboard.press('Tab');
    await suite.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await result.getByText('Contestada pela sua empresa').waitFor();
    await expect(isFocused(result.getByRole('heading', { level: 2 }))).resolves.toBe(true);
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the phone is malformed, then the server\'s field message shows next to the form and no answer stays on screen', async () => {
    await suite.page.getByRole('link', { name: 'Consultar número' }).click();
    await lookUp(REMOVED);
    const result = suite.page.getByRole('region', { name: 'Resultado da consulta' });
    await result.getByText('pela base compartilhada').first().waitFor();
    await lookUp('12345');
    const alert = suite.page.getByRole('search').getByRole('alert');
    // The server's reason, in Portuguese, labelled with the field.
    await alert.getByText('Telefone: número curto demais; informe o DDD e 8 dígitos (fixo) ou 9 dígitos (celular).').waitFor();
    await expect(result.count()).resolves.toBe(0); // hidden: the previous number's answer is gone
    await screenshot(suite.page, '26-number-malformed');
  });
});

describe('admin console: the audit log pages and speaks Portuguese (real Chromium)', () => {
  it('when the log holds more than 50 events, then it shows the newest 50 in words and "Carregar mais" brings the rest, focus on the first new row', async () => {
    const browser = await launchBrowser();
    const server = await startTestServer();
    try {
      const admin = await buildTenant(server);
      await admin.campaign('cobranca', false);
      const auth = admin.auth('admin');
      // After the dialer key buildTenant created: a tabulation change, then 52 contests (via the service, as the route records them).
      await server.api().put('/v1/tabulations/sip:404').set('authorization', auth).send({ outcome: 'neutral' }).expect(200);
      for (let i = 0; i < 52; i++) await server.services.audit.record({ tenantId: admin.id, actor: admin.adminEmail, action: 'number.contested', reason: `motivo ${i}` });
      // The newest: hygiene on then off.
      await server.api().put('/v1/campaigns/cobranca/hygiene').set('authorization', auth).send({ enabled: true }).expect(200);
      await server.api().put('/v1/campaigns/cobranca/hygiene').set('authorization', auth).send({ enabled: false }).expect(200);
      const { page, consoleErrors } = await openConsole(browser, server);
      await signIn(page, admin);
      await page.getByRole('link', { name: 'Auditoria' }).click();
      const rows = page.getByRole('table').locator('tbody tr');
      await rows.first().waitFor();
      await expect(rows.count()).resolves.toBe(50);
      await expect(rows.nth(0).textContent()).resolves.toContain('Higienização desligada');
      await expect(rows.nth(0).textContent()).resolves.toContain('Campanha cobranca');
      await expect(rows.nth(1).textContent()).resolves.toContain('Higienização ligada');
      await page.getByText('50 registros').waitFor();

      await page.getByRole('button', { name: 'Carregar mais' }).click();
      await page.getByText('56 registros. Fim do registro.').waitFor();
      await expect(rows.count()).resolves.toBe(56);
      const tabulation = rows.nth(54);
      await expect(tabulation.textContent()).resolves.toContain('Tabulação alterada (passou a neutro)');
      await expect(tabulation.textContent()).resolves.toContain('Código sip:404');
      // The oldest: the dialer key buildTenant created.
      await expect(rows.nth(55).textContent()).resolves.toContain('Chave de discador criada');
      await expect(rows.nth(50).locator('th').evaluate((el) => el === (globalThis as unknown as Win).document.activeElement)).resolves.toBe(true);
      await expect(page.getByRole('button', { name: 'Carregar mais' }).count()).resolves.toBe(0);
      await screenshot(page, '28-audit-log-more');
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    } finally {
      await server.stop();
      await browser.close();
    }
  });
});

describe('admin console: the lookup limit (real Chromium)', () => {
  it('when the tenant has used its verdict budget, then the lookup says how many minutes to wait', async () => {
    const browser = await launchBrowser();
    const server = await startTestServer({ env: { READ_BUDGET_BASE: '1', READ_BUDGET_PER_TABULATION: '0' } });
    try {
      const admin = await buildTenant(server);
      const { page, consoleErrors } = await openConsole(browser, server);
      await signIn(page, admin);
      await page.getByRole('link', { name: 'Consultar número' }).click();
      await page.getByLabel('Telefone').fill(NEVER_REPORTED);
      await page.getByRole('button', { name: 'Consultar', exact: true }).click();
      await page.getByRole('heading', { name: 'Este número não foi removido dos seus mailings.' }).waitFor();
      await page.getByRole('button', { name: 'Consultar', exact: true }).click();
      await page.getByRole('search').getByRole('alert').getByText('Limite de consultas atingido; tente de novo em 60 minutos.').waitFor();
      await screenshot(page, '27-number-rate-limited');
      expect(consoleErrors.filter((line) => !line.includes('429'))).toEqual([]);
      await page.context().close();
    } finally {
      await server.stop();
      await browser.close();
    }
  });
});
