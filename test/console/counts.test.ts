import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot } from './browser';
import { seedMailings } from './seed';
import { buildTenant } from '../support/factories';

/**
 * What the features beside the hygiene did (suppression lists, the ninth digit, right party) per campaign and per
 * mailing, with their totals, and the campaign's purpose edited on its own screen (real Chromium).
 */
describe('admin console: suppressed, ninth digit and right-party counts, and the purpose on the campaign screen (real Chromium)', () => {
  const suite = consoleSuite({
    tenant: async (server) => {
      const admin = await buildTenant(server);
      await admin.campaign('vendas-sp', true);
      await admin.campaign('cobranca-rj', true);
      await seedMailings(server, admin, 'vendas-sp', [
        { name: 'vendas-seg.csv', daysAgo: 1, phones: 1_000, invalid: 100, unconfirmed: 50, suppressed: 12, ninthDigitAdded: 30, rightParty: { qualified: 5, notQualified: 3, inactive: 2 } },
        { name: 'vendas-ter.csv', daysAgo: 2, phones: 500, invalid: 10, unconfirmed: 5, suppressed: 3, ninthDigitAdded: 7, rightParty: { qualified: 1, notQualified: 0, inactive: 0 } },
      ]);
      await seedMailings(server, admin, 'cobranca-rj', [{ name: 'cobranca-lote.csv', daysAgo: 1, phones: 200, invalid: 20, suppressed: 5, ninthDigitAdded: 3 }]);
      return admin;
    },
  });

  it('when the admin reads the campaign list, then each campaign and the Total row say suppressed apart from hygienized, ninth digit added and Qualificado / Não qualificado / Inativo', async () => {
    const { page, server, admin } = suite;
    const vendas = page.locator('tr[data-campaign="vendas-sp"]');
    await vendas.waitFor();
    const vendasText = await vendas.locator('th').textContent();
    expect(vendasText).toContain('15 suprimidos por listas de supressão');
    expect(vendasText).toContain('37 com nono dígito adicionado');
    expect(vendasText).toContain('Qualificado 6 / Não qualificado 3 / Inativo 2');
    // Suppressed phones are not hygienized ones: the Higienizados column is invalid + unconfirmed only.
    await expect(vendas.locator('td[data-col="colHygienized"]').allInnerTexts()).resolves.toEqual(['165']);
    const totals = await page.locator('table.campaigns tfoot th').textContent();
    expect(totals).toContain('20 suprimidos por listas de supressão');
    expect(totals).toContain('40 com nono dígito adicionado');
    expect(totals).toContain('Qualificado 6 / Não qualificado 3 / Inativo 2');
    const summary = await server.api().get('/v1/campaigns/summary').set('authorization', admin.auth('admin')).expect(200);
    expect(summary.body.totals).toMatchObject({ suppressed: 20, ninthDigitAdded: 40, rightPartyQualified: 6, rightPartyNotQualified: 3, rightPartyInactive: 2 });
    await screenshot(page, 'counts-campaigns');
    await expectAccessibleAtBothSizes(page, 'campaign list with extra counts');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the admin opens a campaign, then its mailings Total row sums the extra counts, and its purpose is shown and saved from that screen', async () => {
    const { page, server, admin } = suite;
    await page.getByRole('link', { name: /vendas-sp/ }).first().click();
    await page.getByRole('heading', { level: 1, name: 'vendas-sp' }).waitFor();
    await page.locator('tr[data-mailing]').first().waitFor();
    await expect(page.locator('tr', { hasText: 'vendas-seg.csv' }).locator('th').textContent()).resolves.toContain('30 com nono dígito adicionado');
    const totals = await page.locator('table.mailings tfoot th').textContent();
    expect(totals).toContain('15 suprimidos por listas de supressão');
    expect(totals).toContain('37 com nono dígito adicionado');
    expect(totals).toContain('Qualificado 6 / Não qualificado 3 / Inativo 2');

    const purpose = page.getByLabel('Finalidade', { exact: true });
    await expect(purpose.inputValue()).resolves.toBe('nao_informado');
    await purpose.selectOption({ label: 'Cobrança' });
    await page.getByText('Finalidade de vendas-sp salva.').waitFor();
    expect((await server.api().get('/v1/campaigns/vendas-sp').set('authorization', admin.auth('admin')).expect(200)).body.purpose).toBe('cobranca');
    await screenshot(page, 'counts-campaign');
    await expectAccessibleAtBothSizes(page, 'campaign screen with purpose');
    expect(suite.consoleErrors).toEqual([]);
  });
});
