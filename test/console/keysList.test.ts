import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot, signIn } from './browser';

/** Issue 14: dialer keys searched, sorted and paged by the server, as mailings are. */
describe('admin console: Chaves do discador searched on the server (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when a tenant has more keys than a page, then the list shows a page, pages on, and Buscar chave, Status and Ordenar por ask the server', async () => {
    const { page } = suite;
    for (let i = 0; i < 30; i++) await suite.server.services.tenants.createDialerKey(suite.admin.id, `Discador ${String(i).padStart(2, '0')} ${i % 3 === 0 ? 'norte' : 'sul'}`, 'test');
    const asked: URLSearchParams[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/v1/dialer-keys' && request.method() === 'GET') asked.push(url.searchParams);
    });
    await signIn(page, suite.admin);
    await page.getByRole('link', { name: 'Chaves do discador' }).click();
    const rows = page.locator('table.keys tbody tr');
    await page.getByText('31 de 31 chaves').waitFor();
    await expect(rows.count()).resolves.toBe(25);
    await page.getByRole('navigation', { name: 'Página 1 de 2' }).waitFor();
    await page.getByRole('button', { name: 'Próxima página' }).click();
    await page.getByRole('navigation', { name: 'Página 2 de 2' }).waitFor();
    await expect(rows.count()).resolves.toBe(6);
    expect(asked.at(-1)?.get('offset')).toBe('25');

    await page.getByLabel('Buscar chave').fill('NORTE');
    await page.getByText('10 de 31 chaves').waitFor();
    expect(asked.at(-1)?.get('q')).toBe('NORTE');
    await page.getByLabel('Ordenar por').selectOption({ label: 'Nome' });
    await page.getByLabel('Ordem').selectOption({ label: 'menor primeiro' });
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('table.keys tbody tr th')?.textContent === 'Discador 00 norte');
    expect(Object.fromEntries(asked.at(-1)!)).toMatchObject({ q: 'NORTE', sort: 'name', order: 'asc', offset: '0' });
    await expect(rows.count()).resolves.toBe(10);

    // Revoked keys only: the server's filter, not the page's.
    await page.getByRole('button', { name: 'Revogar a chave Discador 00 norte' }).click();
    await page.getByRole('dialog').getByRole('button').last().click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Revogada' });
    await page.getByText('1 de 31 chaves').waitFor();
    expect(asked.at(-1)?.get('state')).toBe('revoked');
    await screenshot(page, '95-keys-searched');
    await expectAccessibleAtBothSizes(page, 'keys searched on the server');
    expect(suite.consoleErrors).toEqual([]);
  });
});
