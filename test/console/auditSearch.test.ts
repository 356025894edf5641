import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot, signIn } from './browser';

/** Issue 14: the audit log searched by text (who, on what, which action) on the server, not in the loaded pages. */
describe('admin console: Auditoria searched by text (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when the admin types in Buscar, then the server answers only the events whose actor (email or display name), target or action match, in any case', async () => {
    await suite.admin.campaign('vendas-norte', true);
    await suite.admin.campaign('cobranca-sul', true);
    await suite.server.api().put('/v1/campaigns/cobranca-sul/hygiene').set('authorization', suite.admin.auth('admin')).send({ enabled: false }).expect(200);
    // A second admin, known to the console by her name; the log keeps her email.
    const joana = `joana@${suite.admin.slug}.example`;
    await suite.server.services.tenants.createAdmin(suite.admin.id, { email: joana, name: 'Joana Prado', password: 'correct horse battery staple' });
    await suite.server.services.audit.record({ tenantId: suite.admin.id, actor: joana, action: 'tabulation.changed', target: 'code:sip:404', details: { outcome: 'contact' } });
    const searches: string[] = [];
    suite.page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/v1/audit' && url.searchParams.has('q')) searches.push(url.searchParams.get('q')!);
    });
    await signIn(suite.page, suite.admin);
    await suite.page.getByRole('link', { name: 'Auditoria' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Auditoria' }).waitFor();
    const rows = suite.page.locator('table.audit tbody tr');
    await rows.first().waitFor();
    await expect(suite.page.locator('table.audit').textContent()).resolves.toContain('cobranca-sul');

    // By target, any case: only the northern campaign's event.
    await suite.page.getByLabel('Buscar').fill('NORTE');
    await suite.page.waitForFunction(() => {
      const table = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('table.audit');
      return Boolean(table?.textContent?.includes('norte')) && !table?.textContent?.includes('cobranca-sul');
    });
    await expect(rows.count()).resolves.toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('vendas-norte');
    expect(searches.at(-1)).toBe('NORTE');

    // By action: the two switches on and the one off are all "hygiene." events; the key's creation is not.
    await suite.page.getByLabel('Buscar').fill('hygiene.switch');
    await suite.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.audit tbody tr').length === 3);
    // By actor: the admin's email (the console shows the name; the log keeps the email).
    await suite.page.getByLabel('Buscar').fill(suite.admin.adminEmail.toUpperCase());
    await suite.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.audit tbody tr').length === 3);
    // By the name the console shows: the server matches the display name too, not only the email.
    await suite.page.getByLabel('Buscar').fill('joana PRA');
    await suite.page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('table.audit tbody tr').length === 1);
    await expect(rows.first().textContent()).resolves.toContain('Joana Prado');
    expect(searches.at(-1)).toBe('joana PRA');
    // Nothing matches: the empty state, not an error.
    await suite.page.getByLabel('Buscar').fill('nada-assim');
    await suite.page.locator('p.empty').waitFor();
    await screenshot(suite.page, '61-audit-search');
    await suite.page.getByLabel('Buscar').fill('norte');
    await rows.first().waitFor();
    await expectAccessibleAtBothSizes(suite.page, 'audit search');
    expect(suite.consoleErrors).toEqual([]);
  });
});
