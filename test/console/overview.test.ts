import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expectAccessibleAtBothSizes, horizontalOverflow } from './axe';
import { consoleSuite, screenshot, signIn, type Win } from './browser';
import { seedMailings } from './seed';

/** Issue 14, problems 2–5, 8, 10 and the supervisor's path: the numbers a supervisor looks for, on any screen. */
describe('admin console: campaign totals, the worst campaign first, and the split without hover (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  /** This week: cobranca-rj is the worst (40% hygienized); an old, worse mailing of vendas-sp is outside the week. */
  async function seedWeek(): Promise<void> {
    await suite.admin.campaign('vendas-sp', true);
    await suite.admin.campaign('cobranca-rj', true);
    await suite.admin.campaign('retencao', false);
    await seedMailings(suite.server, suite.admin, 'vendas-sp', [
      { name: 'vendas-seg.csv', daysAgo: 1, phones: 1_000, invalid: 100, unconfirmed: 50 },
      { name: 'vendas-ter.csv', daysAgo: 2, phones: 500, invalid: 10, unconfirmed: 5 },
      { name: 'vendas-antigo.csv', daysAgo: 20, phones: 100, invalid: 90, unconfirmed: 10 },
    ]);
    await seedMailings(suite.server, suite.admin, 'cobranca-rj', [{ name: 'cobranca-lote-1.csv', daysAgo: 1, phones: 2_000, invalid: 600, unconfirmed: 200, malformed: 3, suppressed: 12 }]);
    await seedMailings(suite.server, suite.admin, 'retencao', [{ name: 'retencao-sem-hig.csv', daysAgo: 0, hygiene: false, rows: 950, phones: 0 }]);
  }

  // innerText: what is seen, without the hidden hover detail of a count.
  const cells = (row: ReturnType<Page['locator']>) => row.locator('td.num').allInnerTexts();

  it('when a supervisor signs in, then each campaign shows mailings, received, hygienized, invalid, unconfirmed and % without hover, worst first, with a totals row', async () => {
    await seedWeek();
    await signIn(suite.page, suite.admin);
    const rows = suite.page.locator('table.campaigns tbody tr');
    await rows.first().waitFor();
    // Worst first (highest share hygienized over the last 7 days); the switch-only list showed no number at all.
    await expect(rows.first().getAttribute('data-campaign')).resolves.toBe('cobranca-rj');
    await expect(cells(rows.first())).resolves.toEqual(['1', '2.000', '800', '600', '200', '40%']);
    await expect(cells(suite.page.locator('tr[data-campaign="vendas-sp"]'))).resolves.toEqual(['2', '1.500', '165', '110', '55', '11%']);
    // Hygiene off: its mailing is counted and says why nothing was checked.
    const off = suite.page.locator('tr[data-campaign="retencao"]');
    await expect(off.textContent()).resolves.toContain('1 mailing enviado com a higienização desligada');
    // Suppressed phones (compliance lists) are said apart from the hygiene's counts.
    await expect(rows.first().textContent()).resolves.toContain('12 suprimidos por listas de supressão');
    // Columns add up: hygienized = invalid + unconfirmed, in phones; the totals row covers every campaign.
    await expect(cells(suite.page.locator('table.campaigns tfoot tr'))).resolves.toEqual(['4', '3.500', '965', '710', '255', '27,6%']);
    for (const header of ['Mailings', 'Números recebidos', 'Higienizados', 'Inválidos', 'Não confirmados', '% higienizado']) {
      await expect(suite.page.getByRole('columnheader', { name: header }).isVisible()).resolves.toBe(true);
    }
    await expect(suite.page.getByText('1–3 de 3 campanhas').isVisible()).resolves.toBe(true);
    await screenshot(suite.page, '30-campaigns-totals');
    // A longer period brings the old mailing in.
    await suite.page.getByLabel('Período').selectOption('30');
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('tr[data-campaign="vendas-sp"] td[data-col="colMailings"]')?.textContent === '3');

    // On a phone: every value is labelled in its row card, nothing overflows sideways.
    await suite.page.setViewportSize({ width: 390, height: 844 });
    await expect(horizontalOverflow(suite.page)).resolves.toBeLessThanOrEqual(0);
    const invalidCell = suite.page.locator('tr[data-campaign="cobranca-rj"] td[data-col="colInvalid"]');
    await expect(invalidCell.isVisible()).resolves.toBe(true);
    await expect(invalidCell.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown, p: string): { content: string } }).getComputedStyle(el, '::before').content)).resolves.toBe('"Inválidos"');
    await screenshot(suite.page, '31-campaigns-phone');
    await expectAccessibleAtBothSizes(suite.page, 'campaigns with totals');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when a supervisor wants the worst campaign of the week, why, and a file of it, then it takes two actions after sign-in', async () => {
    await seedWeek();
    await suite.admin.report(Array.from({ length: 4 }, (_v, i) => ({ callId: `c-${i}`, campaignId: 'cobranca-rj', phone: `21 9${81_000_000 + i}`, code: i < 3 ? 'sip:404' : 'sip:486' })));
    await signIn(suite.page, suite.admin);
    // Action 1: the first campaign of the list is the worst; its name opens it.
    const worst = suite.page.locator('table.campaigns tbody tr').first();
    await worst.getByRole('link').click();
    await suite.page.getByRole('heading', { level: 1, name: 'cobranca-rj' }).waitFor();
    // Why: its mailings with the split in columns, and what its dialers tabulated.
    const mailing = suite.page.locator('tr[data-mailing]', { hasText: 'cobranca-lote-1.csv' });
    await expect(cells(mailing)).resolves.toEqual(['2.000', '800', '600', '200', '40%', '3']);
    await suite.page.getByText('3 inválidas, 0 de contato e 1 neutra').waitFor();
    await expect(mailing.textContent()).resolves.toContain('12 suprimidos por listas de supressão');
    await screenshot(suite.page, '32-supervisor-why');
    // Action 2: export what is on screen.
    const [download] = await Promise.all([suite.page.waitForEvent('download'), suite.page.getByRole('button', { name: 'Exportar CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('cobranca-lote-1.csv;Concluído;2000;800;600;200;40%;3;');
    await expectAccessibleAtBothSizes(suite.page, 'campaign mailings');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when a tenant has 60 campaigns, then the list is searched, filtered, sorted and paged by the server', async () => {
    for (let i = 0; i < 60; i++) await suite.admin.campaign(`camp-${String(i).padStart(2, '0')}${i % 10 === 0 ? '-sp' : ''}`, i % 2 === 0);
    await seedMailings(suite.server, suite.admin, 'camp-07', [{ name: 'pior.csv', daysAgo: 1, phones: 100, invalid: 90 }]);
    await signIn(suite.page, suite.admin);
    await suite.page.getByText('1–25 de 60 campanhas').waitFor();
    await expect(suite.page.locator('table.campaigns tbody tr').count()).resolves.toBe(25);
    await expect(suite.page.locator('table.campaigns tbody tr').first().getAttribute('data-campaign')).resolves.toBe('camp-07');
    await suite.page.getByRole('button', { name: 'Próxima página' }).click();
    await suite.page.getByText('26–50 de 60 campanhas').waitFor();
    await suite.page.getByRole('button', { name: 'Próxima página' }).click();
    await suite.page.getByText('51–60 de 60 campanhas').waitFor();

    await suite.page.getByLabel('Buscar campanha').fill('-sp');
    await suite.page.getByText('1–6 de 6 campanhas').waitFor();
    await suite.page.getByLabel('Higienização', { exact: true }).selectOption('off');
    await suite.page.getByText('Nenhuma campanha encontrada com esses filtros.').waitFor();
    await suite.page.getByLabel('Higienização', { exact: true }).selectOption('on');
    await suite.page.getByText('1–6 de 6 campanhas').waitFor();
    await suite.page.getByLabel('Ordenar por').selectOption('name');
    await suite.page.getByLabel('Ordem').selectOption('asc');
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('table.campaigns tbody tr')?.getAttribute('data-campaign') === 'camp-00-sp');
    await screenshot(suite.page, '33-campaigns-search-sort');
    // Server-side: the API answers the same page.
    const api = await suite.server.api().get('/v1/campaigns/summary?q=-sp&hygiene=on&sort=name&order=asc&limit=2&offset=2').set('authorization', suite.admin.auth('admin')).expect(200);
    expect(api.body.total).toBe(6);
    expect(api.body.campaigns.map((c: { campaign: { externalId: string } }) => c.campaign.externalId)).toEqual(['camp-20-sp', 'camp-30-sp']);
    await suite.server.api().get('/v1/campaigns/summary?sort=drop table').set('authorization', suite.admin.auth('admin')).expect(400);
    await suite.server.api().get('/v1/campaigns/summary?from=2026-02-30').set('authorization', suite.admin.auth('admin')).expect(400);
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when a mailing was sent with hygiene off, then its row says so instead of zeros, and the totals row adds up the checked ones', async () => {
    await suite.admin.campaign('mista', true);
    await seedMailings(suite.server, suite.admin, 'mista', [
      { name: 'com-hig.csv', daysAgo: 1, phones: 400, invalid: 30, unconfirmed: 10 },
      { name: 'sem-hig.csv', daysAgo: 0, hygiene: false, rows: 950, phones: 0 },
      { name: 'falhou.csv', daysAgo: 2, status: 'failed', phones: 100, invalid: 2 },
    ]);
    await signIn(suite.page, suite.admin);
    await suite.page.goto(`${suite.server.url}/#/campaigns/mista`);
    await suite.page.getByRole('heading', { level: 1, name: 'mista' }).waitFor();
    const off = suite.page.locator('tr[data-mailing]', { hasText: 'sem-hig.csv' });
    await expect(off.textContent()).resolves.toContain('Higienização desligada: números não verificados');
    await expect(cells(off)).resolves.toEqual(['0']); // only the malformed count: no "Números recebidos 0"
    await expect(cells(suite.page.locator('table.mailings tfoot tr'))).resolves.toEqual(['500', '42', '32', '10', '8,4%', '0']);
    await suite.page.getByLabel('Situação').selectOption('failed');
    await suite.page.getByText('1 de 3 mailings').waitFor();
    await suite.page.getByLabel('Situação').selectOption('');
    await suite.page.getByLabel('Buscar mailing').fill('com-hig');
    await suite.page.getByText('1 de 3 mailings').waitFor();
    await screenshot(suite.page, '34-mailing-hygiene-off');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when a supervisor reads the chart, then the y axis has a unit, each day is reachable by keyboard, the % hygienized is drawn and the series differ by at least 3:1', async () => {
    await suite.admin.campaign('grafico', true);
    await seedMailings(suite.server, suite.admin, 'grafico', [
      { name: 'a.csv', daysAgo: 1, phones: 1_000, invalid: 100, unconfirmed: 100 },
      { name: 'b.csv', daysAgo: 3, phones: 1_000, invalid: 50, unconfirmed: 150 },
    ]);
    await signIn(suite.page, suite.admin);
    await suite.page.locator('.chart-svg rect.bar-invalid').first().waitFor();
    await expect(suite.page.locator('.chart-svg .axis-label').allTextContents()).resolves.toEqual(['números', '% higienizado']);
    await expect(suite.page.locator('.chart-svg .pct-line circle').count()).resolves.toBe(2);
    const bar = suite.page.getByRole('img', { name: /200 números higienizados, sendo 100 inválidos e 100 não confirmados \(de 1\.000 números\) · 20%/ });
    await bar.focus();
    await expect(suite.page.locator('.chart-readout').textContent()).resolves.toContain('200 números higienizados');
    const contrast = await suite.page.evaluate(() => {
      const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; getComputedStyle(e: unknown): { fill: string } };
      const rgb = (s: string) => (s.match(/\d+/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: number[]) => {
        const [r, gg, b] = c.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)) as [number, number, number];
        return 0.2126 * r + 0.7152 * gg + 0.0722 * b;
      };
      const a = lum(rgb(g.getComputedStyle(g.document.querySelector('.bar-invalid')).fill));
      const b = lum(rgb(g.getComputedStyle(g.document.querySelector('.bar-unconfirmed')).fill));
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
    expect(contrast).toBeGreaterThanOrEqual(3);
    await screenshot(suite.page, '35-chart');
    await expectAccessibleAtBothSizes(suite.page, 'chart');
    expect(suite.consoleErrors).toEqual([]);
  });
  it('when a supervisor reports on a chosen period, then campaigns and tabulation codes are broken down for it, exported as shown, and a failed or refused mailing says why', async () => {
    await seedWeek();
    await suite.admin.report([
      ...Array.from({ length: 3 }, (_v, i) => ({ callId: `r-${i}`, campaignId: 'vendas-sp', phone: `31 9${82_000_000 + i}`, code: 'sip:404' })),
      { callId: 'r-9', campaignId: 'vendas-sp', phone: '31 982000009', code: 'sip:486' },
    ]);
    await signIn(suite.page, suite.admin);
    // A custom range: only the 20-day-old mailing of vendas-sp.
    await suite.page.getByLabel('Período').selectOption('custom');
    const day = (daysAgo: number) => new Date(Date.now() - 3 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
    await suite.page.getByLabel('De', { exact: true }).fill(day(25));
    await suite.page.getByLabel('Até', { exact: true }).fill(day(15));
    await suite.page.getByText('1–3 de 3 campanhas').waitFor();
    await suite.page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('tr[data-campaign="vendas-sp"] td[data-col="colPct"]')?.textContent === '100%');
    const [download] = await Promise.all([suite.page.waitForEvent('download'), suite.page.locator('.list-head').first().getByRole('button', { name: 'Exportar CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('vendas-sp;vendas-sp;Ativada;1;100;100;90;10;100%');
    expect(csv).toMatch(/Total;;;1;100;100;90;10;100%/);

    // Per tabulation code: what the dialers sent in the period, with the outcome each counts as.
    const codes = suite.page.locator('table.codes');
    await codes.getByText('sip:404').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the text as seen), not the DOM property
    await expect(codes.locator('tbody tr').first().innerText()).resolves.toMatch(/sip:404\s+Inválido\s+3\s+75%/);
    await screenshot(suite.page, '36-report-period-codes');

    // A refused mailing (unsupported format) and one that failed midway (broken CSV after the first block).
    await suite.server.api().post('/v1/campaigns/vendas-sp/mailings?name=lote.pdf').set('authorization', suite.admin.auth('dialer')).set('content-type', 'application/pdf').send('%PDF').expect(415);
    const rows = Array.from({ length: 5_000 }, (_v, i) => `Cliente ${i};31 9${83_000_000 + i}`).join('\n');
    await suite.server.api().post('/v1/campaigns/vendas-sp/mailings?name=quebrado.csv').set('authorization', suite.admin.auth('dialer')).set('content-type', 'text/csv')
      .send(`nome;telefone\n${rows}\n"sem fim;31 983999999\n`)
      // The answer is multipart (kept rows, summary); read and dropped here: only the record matters.
      .parse((res, done) => {
        res.on('data', () => undefined);
        res.on('end', () => done(null, null));
      });
    await suite.page.goto(`${suite.server.url}/#/campaigns/vendas-sp`);
    await suite.page.getByRole('heading', { level: 1, name: 'vendas-sp' }).waitFor();
    await suite.page.locator('tr[data-mailing]', { hasText: 'quebrado.csv' }).getByText('Falhou: CSV inválido').waitFor();
    const refused = suite.page.getByRole('region', { name: 'Mailings recusados pelo servidor' });
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the text as seen), not the DOM property
    await expect(refused.locator('tbody tr').innerText()).resolves.toMatch(/lote\.pdf\s+formato não suportado \(use CSV, JSON ou NDJSON\)/);
    await screenshot(suite.page, '37-failed-and-refused');
    // The campaign's own period: the 20-day-old mailing leaves the last 7 days.
    await suite.page.getByText('4 de 4 mailings').waitFor();
    await suite.page.getByLabel('Período').selectOption('7');
    await suite.page.getByText('3 de 4 mailings').waitFor();
    await suite.page.getByText('Status da higienização por dia: esta campanha (últimos 7 dias)').waitFor();
    await expectAccessibleAtBothSizes(suite.page, 'failed and refused mailings');
    expect(suite.consoleErrors).toEqual([]);
  });
});
