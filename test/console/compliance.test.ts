import type { Browser, Page } from 'playwright-core';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { launchBrowser, openConsole, screenshot, signIn } from './browser';

/**
 * "Conformidade Anatel" in the console (real Chromium): today's meter per CNPJ and access code in Portuguese, what
 * the meter sees, and an alert arriving live. Small thresholds (env) so a few calls cross them.
 */
describe('admin console: Conformidade Anatel (real Chromium)', () => {
  let browser: Browser;
  let server: TestServer;
  let tenant: BuiltTenant;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startTestServer({ env: { ANATEL_ACCESS_CODE_SHORT_CALLS: '10', ANATEL_CNPJ_CALLS: '10', ANATEL_ALERT_PERCENT: '50' } });
    tenant = await buildTenant(server);
    await tenant.campaign('cobranca', false);
    await server.api().put('/v1/compliance/cnpjs/11222333000181').set('authorization', tenant.auth('admin')).send({ name: 'Cobrança Matriz', accessCodes: ['1130031000'] }).expect(200);
    ({ page, consoleErrors } = await openConsole(browser, server));
    await signIn(page, tenant);
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.stop();
    await browser?.close();
  });

  const report = (prefix: string, count: number, call: Record<string, unknown>) =>
    server
      .api()
      .post('/v1/outcomes')
      .set('authorization', tenant.auth('dialer'))
      .send({ outcomes: Array.from({ length: count }, (_v, i) => ({ callId: `${prefix}-${i}`, campaignId: 'cobranca', phone: `1198765${String(i).padStart(4, '0')}`, code: 'sip:486', call })) })
      .expect(200);

  it('when the admin opens Conformidade Anatel and calls cross the limit, then the CNPJ, its access code, the short share and "bloqueio provável" show in Portuguese, and the alert arrives live', async () => {
    await report('long', 2, { answered: true, talkSeconds: 60, accessCode: '1130031000' });
    await page.getByRole('link', { name: 'Conformidade Anatel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Conformidade Anatel' }).waitFor();
    const cnpj = page.getByRole('region', { name: 'CNPJ 11.222.333/0001-81' });
    await cnpj.getByRole('row', { name: /1130031000/ }).waitFor();
    await page.getByRole('region', { name: 'O que este painel vê' }).getByText(/apenas as chamadas que os discadores deste cliente reportam/).waitFor();
    await page.getByRole('region', { name: 'Alertas de hoje' }).getByText('Nenhum alerta hoje.').waitFor();

    // 10 short calls on the access code: 10 of 12 calls (83.3%) — criterion I's limit of 10 short calls.
    await report('short', 10, { answered: false, accessCode: '1130031000' });
    const alerts = page.getByRole('region', { name: 'Alertas de hoje' });
    await alerts.getByRole('alert').getByText(/Código de acesso 1130031000 \(critério I\): bloqueio provável/).waitFor({ timeout: 15_000 });
    const row = cnpj.getByRole('row', { name: /1130031000/ });
    await row.getByText('83,3%').waitFor();
    await row.getByText('bloqueio provável').waitFor();
    await cnpj.getByRole('heading', { level: 2 }).getByText('bloqueio provável').waitFor();
    await cnpj.getByText('Chamadas curtas evitadas hoje pela higienização: 0').waitFor();
    await screenshot(page, 'compliance');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
