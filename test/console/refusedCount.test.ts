import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot, signIn } from './browser';

/** Issue 14: repeated refusals are one audit row with a count (server/services/audit.ts); the campaign screen says how many. */
describe('admin console: refused uploads counted (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when a dialer sends the same refused upload 7 times, then the campaign shows one row with 7 refused uploads', async () => {
    await suite.admin.campaign('cobranca', true);
    for (let i = 0; i < 7; i++) {
      await suite.server.api().post('/v1/campaigns/cobranca/mailings?name=lote-xml').set('authorization', suite.admin.auth('dialer')).set('content-type', 'application/xml').send('<x/>').expect(415);
    }
    await signIn(suite.page, suite.admin);
    await suite.page.goto(`${suite.server.url}/#/campaigns/cobranca`);
    const refused = suite.page.getByRole('region', { name: 'Mailings recusados pelo servidor' });
    await refused.waitFor();
    const rows = refused.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells[1]).toBe('lote-xml');
    expect(cells[2]).toBe('formato não suportado (use CSV, JSON ou NDJSON)');
    expect(cells[3]).toMatch(/^7/);
    await expect(refused.getByRole('columnheader', { name: 'Envios recusados' }).count()).resolves.toBe(1);
    await screenshot(suite.page, '97-refused-count');
    await expectAccessibleAtBothSizes(suite.page, 'refused uploads with a count');
  });
});
