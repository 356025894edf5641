import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { consoleSuite, screenshot, signIn } from './browser';
import { buildTenant } from '../support/factories';
import { seedMailings } from './seed';

/** Clicks "Exportar CSV" and reads the file the browser saved: its lines, BOM and the last line break cut off. */
async function exportedLines(page: Page): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exportar CSV' }).first().click()]);
  const text = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
  return text.split('\r\n').filter(Boolean);
}

/** Issue 14: "Exportar CSV" exports every row that matches the filters, not the page on screen. */
describe('admin console: CSV export of whole lists (real Chromium)', () => {
  const suite = consoleSuite({
    signIn: false,
    tenant: async (server) => {
      const tenant = await buildTenant(server);
      // 31 campaigns and, in one of them, 32 mailings: more than a page (25) of each.
      for (let i = 0; i < 31; i++) await tenant.campaign(`campanha-${String(i).padStart(2, '0')}`, true);
      await seedMailings(server, tenant, 'campanha-00', Array.from({ length: 32 }, (_v, i) => ({ name: `lote-${String(i).padStart(2, '0')}`, daysAgo: i % 5, phones: 100 + i, invalid: i })));
      return tenant;
    },
  });

  it('when a list has more rows than a page, then the CSV has all of them (the mailings of a campaign, the campaigns), in the order on screen', async () => {
    const { page } = suite;
    await signIn(page, suite.admin);
    await page.getByText('1–25 de 31 campanhas').waitFor();
    const campaigns = await exportedLines(page);
    // Header, 31 campaigns, the totals row.
    expect(campaigns).toHaveLength(33);
    expect(campaigns[0]).toMatch(/^Campanha;Identificador;/);
    expect(new Set(campaigns.slice(1, -1).map((line) => line.split(';')[1]))).toEqual(new Set(Array.from({ length: 31 }, (_v, i) => `campanha-${String(i).padStart(2, '0')}`)));
    expect(campaigns.at(-1)).toMatch(/^Total;/);

    await page.goto(`${suite.server.url}/#/campaigns/campanha-00`);
    await page.getByRole('heading', { level: 1, name: 'campanha-00' }).waitFor();
    await page.getByText('32 de 32 mailings').waitFor();
    await expect(page.locator('table.mailings tbody tr').count()).resolves.toBe(25);
    await page.getByLabel('Ordenar por').selectOption({ label: 'Números recebidos' });
    await page.getByLabel('Ordem').selectOption({ label: 'menor primeiro' });
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('table.mailings tbody tr th')?.textContent?.startsWith('lote-00') === true);
    const mailings = await exportedLines(page);
    expect(mailings).toHaveLength(33);
    expect(mailings.slice(1).map((line) => line.split(';')[0])).toEqual(Array.from({ length: 32 }, (_v, i) => `lote-${String(i).padStart(2, '0')}`));
    // A filter narrows the export as it narrows the list.
    await page.getByLabel('Buscar mailing').fill('lote-1');
    await page.getByText('10 de 32 mailings').waitFor();
    await expect(exportedLines(page)).resolves.toHaveLength(11);
    await screenshot(page, '96-export-all-pages');
    expect(suite.consoleErrors).toEqual([]);
  });
});
