import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { HygieneClient } from '../../plugin/src';
import { buildTenant } from '../support/factories';
import { consoleSuite, freshPhones, screenshot, seedSharedHistory, signIn, type Win } from './browser';

const SEED_SENTENCE = '163 números higienizados, sendo 61 inválidos e 102 não confirmados';

describe('admin console: campaigns, the hygiene switch and live mailing counts (real Chromium)', () => {
  const suite = consoleSuite({
    serverPer: 'test',
    signIn: false,
    tenant: async (server) => {
      const admin = await buildTenant(server, { name: 'Cobranças Brasil' });
      await admin.campaign('cobranca-2026', false);
      return admin;
    },
  });

  const campaignRow = () => suite.page.locator('tr[data-campaign="cobranca-2026"]');
  const liveRegionSays = (text: string) => suite.page.waitForFunction((expected) => (globalThis as unknown as Win).document.getElementById('live-region')?.textContent === expected, text);
  const hygieneSwitch = () => campaignRow().getByRole('switch', { name: 'Higienização de Mailing: cobranca-2026' });

  it('when an admin signs in and switches hygiene on, then a confirmation comes first and the switch records who changed it and when, with its history', async () => {
    await screenshot(suite.page, '01-sign-in');
    await signIn(suite.page, suite.admin);
    await expect(hygieneSwitch().getAttribute('aria-checked')).resolves.toBe('false');
    await expect(campaignRow().textContent()).resolves.toContain('Nunca alterada');

    await hygieneSwitch().click();
    const dialog = suite.page.getByRole('dialog', { name: 'Ativar a Higienização de Mailing?' });
    await dialog.waitFor();
    // Cancel has the first focus: Enter by mistake does not share anything.
    await expect(dialog.getByRole('button', { name: 'Cancelar' }).evaluate((el) => el === (globalThis as unknown as Win).document.activeElement)).resolves.toBe(true);
    await screenshot(suite.page, '02-confirm-hygiene-on');
    await dialog.getByRole('button', { name: 'Ativar' }).click();

    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('tr[data-campaign="cobranca-2026"] [role=switch]')?.getAttribute('aria-checked') === 'true');
    // The admin's name, not their email (issue 14, problem 6).
    await expect(campaignRow().textContent()).resolves.toMatch(/Alterada por Admin em \d{2}\/\d{2}\/\d{4},? \d{2}:\d{2}/);
    const campaign = await suite.server.api().get('/v1/campaigns/cobranca-2026').set('authorization', suite.admin.auth('admin')).expect(200);
    expect(campaign.body).toMatchObject({ hygieneEnabled: true, hygieneChangedBy: suite.admin.adminEmail });

    await campaignRow().getByRole('button', { name: 'Histórico' }).click();
    const history = suite.page.getByRole('dialog', { name: 'Histórico da campanha cobranca-2026' });
    await history.getByText('ativou a higienização').waitFor();
    await expect(history.textContent()).resolves.toContain('Admin');
    await screenshot(suite.page, '03-hygiene-history');
    await suite.page.keyboard.press('Escape');
    await history.waitFor({ state: 'detached' });
    // Focus goes back to the button that opened the dialog.
    await expect(campaignRow().getByRole('button', { name: 'Histórico' }).evaluate((el) => el === (globalThis as unknown as Win).document.activeElement)).resolves.toBe(true);
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when a dialer filters a mailing through the plugin, then its row and counts appear live and hovering or focusing the count reads the seed sentence', async () => {
    const { invalid, unconfirmed } = await seedSharedHistory(suite.server);
    await suite.admin.campaign('cobranca-2026', true);
    await signIn(suite.page, suite.admin);
    await suite.page.getByRole('link', { name: 'Ver mailings da campanha cobranca-2026' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'cobranca-2026' }).waitFor();
    await suite.page.getByText('Nenhum mailing filtrado nesta campanha ainda.').waitFor();
    await suite.page.evaluate(() => ((globalThis as unknown as Win).notReloaded = true));

    // The dialer's side, through the plugin library. The server answers and reports progress per block of 4096
    // rows, so the CSV is streamed in three parts with pauses: the admin sees the mailing while it is filtered.
    const fresh = freshPhones(8_937);
    const csvRows = (phones: string[], from: number) => phones.map((phone, i) => `Cliente ${from + i};${phone}\n`).join('');
    const part1 = [...invalid, ...fresh.slice(0, 4_035)];
    const part2 = fresh.slice(4_035, 8_131);
    const part3 = [...unconfirmed, ...fresh.slice(8_131)];
    const outboxDir = mkdtempSync(path.join(tmpdir(), 'console-outbox-'));
    const client = new HygieneClient({ serverUrl: suite.server.url, apiKey: suite.admin.dialerKey, outboxDir });
    const input = new PassThrough();
    const kept = new PassThrough();
    const keptChunks: Buffer[] = [];
    kept.on('data', (chunk: Buffer) => keptChunks.push(chunk));
    const filtering = client.filterMailing(input, { campaignId: 'cobranca-2026', name: 'lote-novembro.csv', kept });

    input.write('nome;telefone\n' + csvRows(part1, 0));
    const mailingRow = suite.page.locator('tr[data-mailing]', { hasText: 'lote-novembro.csv' });
    const count = mailingRow.locator('.count');
    await mailingRow.getByText('Filtrando…').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    input.write(csvRows(part2, part1.length));
    // Counts move while the mailing is still being filtered: the 61 invalid numbers of the first part.
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('tr[data-mailing] .count')?.textContent === '61');
    await expect(mailingRow.textContent()).resolves.toContain('Filtrando…');
    await screenshot(suite.page, '04-mailing-filtering-live');
    input.end(csvRows(part3, part1.length + part2.length));
    const result = await filtering;
    await client.close();
    rmSync(outboxDir, { recursive: true, force: true });
    expect(result.counts).toMatchObject({ totalRows: 9_100, hygienized: 163, invalidPhones: 61, unconfirmedPhones: 102, keptRows: 9_039, droppedRows: 61 });
    expect(Buffer.concat(keptChunks).toString('latin1').split('\n').filter(Boolean)).toHaveLength(9_040);

    await mailingRow.getByText('Concluído').waitFor();
    await expect(count.textContent()).resolves.toBe('163');
    await expect(mailingRow.textContent()).resolves.toContain('9.100'); // numbers received, Brazilian format
    await expect(suite.page.evaluate(() => (globalThis as unknown as Win).notReloaded)).resolves.toBe(true);

    const tooltip = mailingRow.getByRole('tooltip');
    await expect(tooltip.isVisible()).resolves.toBe(false);
    await count.hover();
    await tooltip.waitFor({ state: 'visible' });
    await expect(tooltip.textContent()).resolves.toBe(SEED_SENTENCE);
    await screenshot(suite.page, '05-mailing-hover-detail');
    await suite.page.mouse.move(5, 5);
    await tooltip.waitFor({ state: 'hidden' });

    // Keyboard: the count is in the tab order, its detail shows on focus, is its description, and Escape hides it.
    await suite.page.getByRole('heading', { level: 1 }).focus();
    let tabs = 0;
    while (!(await count.evaluate((el) => el === (globalThis as unknown as Win).document.activeElement)) && tabs++ < 20) await suite.page.keyboard.press('Tab');
    expect(tabs).toBeLessThan(20);
    await tooltip.waitFor({ state: 'visible' });
    const describedBy = await count.getAttribute('aria-describedby');
    await expect(suite.page.locator(`#${describedBy}`).textContent()).resolves.toBe(SEED_SENTENCE);
    await suite.page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden' });

    // The live region told screen readers about it, and the campaign's chart now has the day's bar.
    await liveRegionSays(`Mailing lote-novembro.csv concluído: ${SEED_SENTENCE}.`);
    await suite.page.locator('.chart-svg rect.bar-invalid').first().waitFor();
    await suite.page.locator('.chart-svg rect.bar-unconfirmed').first().waitFor();
    await screenshot(suite.page, '06-campaign-mailings-chart');

    // The tenant-wide chart on the campaigns page shows the same day.
    await suite.page.getByRole('link', { name: 'Campanhas', exact: true }).click();
    await suite.page.locator('.chart-svg rect.bar-invalid').first().waitFor();
    await suite.page.getByText('Ver os dados em tabela').click();
    const cells = await suite.page.locator('.chart-data tbody tr').first().locator('td').allTextContents();
    expect(cells).toEqual(['1', '9.100', '163', '61', '102', '1,8%']);
    await screenshot(suite.page, '07-campaigns-tenant-chart');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when another admin turns hygiene off, then the switch and its record change without reload and it is announced', async () => {
    await suite.admin.campaign('cobranca-2026', true);
    await suite.server.services.tenants.createAdmin(suite.admin.id, { email: 'supervisora@example.com', name: 'Supervisora', password: 'another long password' });
    const other = await suite.server.api().post('/v1/auth/login').send({ email: 'supervisora@example.com', password: 'another long password' }).expect(200);
    await signIn(suite.page, suite.admin);
    await expect(hygieneSwitch().getAttribute('aria-checked')).resolves.toBe('true');

    await suite.server.api().put('/v1/campaigns/cobranca-2026/hygiene').set('authorization', `Bearer ${other.body.token}`).send({ enabled: false }).expect(200);
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('tr[data-campaign="cobranca-2026"] [role=switch]')?.getAttribute('aria-checked') === 'false');
    await expect(campaignRow().textContent()).resolves.toContain('Alterada por Supervisora');
    await liveRegionSays('Campanha cobranca-2026: higienização desativada por Supervisora.');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the admin picks English, then the console speaks English and remembers it after a reload', async () => {
    await signIn(suite.page, suite.admin);
    await suite.page.getByLabel('Idioma').selectOption('en');
    await suite.page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await expect(suite.page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await suite.page.reload();
    await suite.page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await expect(suite.page.getByRole('switch', { name: 'Mailing Hygiene: cobranca-2026' }).isVisible()).resolves.toBe(true);
    await screenshot(suite.page, '08-english');
    await suite.page.getByLabel('Language').selectOption('pt-BR');
    await suite.page.getByRole('heading', { level: 1, name: 'Campanhas' }).waitFor();
  });
});
