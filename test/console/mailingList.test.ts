import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot, signIn, type Win } from './browser';
import { seedMailings, type SeedMailing } from './seed';

/** Issue 14, problem 3: a campaign's mailings searched, filtered, sorted and paged by the server, not the browser. */
describe('admin console: a campaign with 60 mailings is searched, filtered, sorted and paged by the server (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when a supervisor searches, filters, sorts and pages 60 mailings, then each list is one page the server answered for that query', async () => {
    await suite.admin.campaign('grande', true);
    // lote-00 … lote-59, one a day back; every 10th failed; lote-07 has the most phones, lote-33 the highest %.
    const mailings: SeedMailing[] = Array.from({ length: 60 }, (_v, i) => ({
      name: `lote-${String(i).padStart(2, '0')}.csv`,
      daysAgo: i * 0.1,
      status: i % 10 === 5 ? 'failed' : 'completed',
      phones: i === 7 ? 9_000 : 1_000 + i,
      invalid: i === 33 ? 900 : 10,
      unconfirmed: 5,
    }));
    await seedMailings(suite.server, suite.admin, 'grande', mailings);
    const requests: URL[] = [];
    suite.page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/v1/campaigns/grande/mailings') requests.push(url);
    });
    await signIn(suite.page, suite.admin);
    await suite.page.goto(`${suite.server.url}/#/campaigns/grande`);
    await suite.page.getByRole('heading', { level: 1, name: 'grande' }).waitFor();
    const rows = suite.page.locator('table.mailings tbody tr');
    await suite.page.getByText('60 de 60 mailings').waitFor();
    // Only one page of 25 was fetched, newest first: not the 60 mailings to cut in the browser.
    await expect(rows.count()).resolves.toBe(25);
    await expect(rows.first().getAttribute('data-mailing')).resolves.toBeTruthy();
    await expect(rows.first().locator('th').textContent()).resolves.toContain('lote-00.csv');
    expect(requests.map((url) => [url.searchParams.get('limit'), url.searchParams.get('offset')])).toEqual([['25', '0']]);

    await suite.page.getByRole('button', { name: 'Próxima página' }).click();
    await suite.page.getByText('Página 2 de 3').first().waitFor();
    await expect(rows.first().locator('th').textContent()).resolves.toContain('lote-25.csv');
    expect(requests.at(-1)?.searchParams.get('offset')).toBe('25');

    await suite.page.getByLabel('Situação').selectOption('failed');
    await suite.page.getByText('6 de 60 mailings').waitFor();
    expect(requests.at(-1)?.searchParams.get('status')).toBe('failed');
    expect(requests.at(-1)?.searchParams.get('offset')).toBe('0');
    await suite.page.getByLabel('Situação').selectOption('');

    await suite.page.getByLabel('Buscar mailing').fill('lote-3');
    await suite.page.getByText('10 de 60 mailings').waitFor();
    expect(requests.at(-1)?.searchParams.get('q')).toBe('lote-3');
    await suite.page.getByLabel('Ordenar por').selectOption('hygienizedPct');
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('table.mailings tbody tr th')?.textContent?.includes('lote-33.csv'));
    expect(requests.at(-1)?.searchParams.get('sort')).toBe('hygienizedPct');

    await suite.page.getByLabel('Buscar mailing').fill('');
    await suite.page.getByLabel('Ordenar por').selectOption('phonesTotal');
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('table.mailings tbody tr th')?.textContent?.includes('lote-07.csv'));
    await suite.page.getByLabel('Ordem').selectOption('asc');
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('table.mailings tbody tr th')?.textContent?.includes('lote-00.csv'));
    expect(requests.at(-1)?.searchParams.get('order')).toBe('asc');
    // Every request after the first carried the query: the browser never asked for the whole list.
    expect(requests.every((url) => url.searchParams.get('limit') === '25')).toBe(true);
    await screenshot(suite.page, '60-mailings-server-side');
    await expectAccessibleAtBothSizes(suite.page, 'campaign mailings searched and sorted');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the API is asked without search parameters, then it answers the keyset list the dialer library pages through', async () => {
    await suite.admin.campaign('compat', true);
    await seedMailings(suite.server, suite.admin, 'compat', [{ name: 'a.csv', phones: 10 }, { name: 'b.csv', daysAgo: 1, phones: 20 }]);
    const auth = suite.admin.auth('admin');
    const plain = await suite.server.api().get('/v1/campaigns/compat/mailings?limit=1').set('authorization', auth).expect(200);
    expect(Object.keys(plain.body).sort()).toEqual(['mailings', 'next', 'totals']);
    expect(plain.body.next).toEqual(expect.any(String));
    const searched = await suite.server.api().get('/v1/campaigns/compat/mailings?q=B.CSV&sort=phonesTotal').set('authorization', auth).expect(200);
    expect(searched.body).toMatchObject({ total: 1, campaignMailings: 2, next: null, mailings: [{ name: 'b.csv' }], totals: { phonesTotal: 20 } });
    await suite.server.api().get('/v1/campaigns/compat/mailings?sort=drop table').set('authorization', auth).expect(400);
    await suite.server.api().get(`/v1/campaigns/compat/mailings?q=a&cursor=${plain.body.next}`).set('authorization', auth).expect(400);
  });
});
