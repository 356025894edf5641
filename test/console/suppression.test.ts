import { buildTenant } from '../support/factories';
import { consoleSuite, screenshot } from './browser';

/** Issue 13: the "Listas de supressão" screen, in Portuguese, against a real server (real Chromium). */
describe('admin console: suppression lists (real Chromium)', () => {
  const suite = consoleSuite({
    pagePer: 'suite',
    tenant: async (server) => {
      const admin = await buildTenant(server);
      await admin.campaign('vendas', false);
      return admin;
    },
  });

  it('when the admin adds a number, sets a purpose and removes the entry, then the server follows each step and no phone is shown', async () => {
    await suite.page.getByRole('link', { name: 'Listas de supressão' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Listas de supressão' }).waitFor();
    await suite.page.getByText('Não Me Perturbe (ABR Telecom)').waitFor();

    await suite.page.getByLabel('Telefones (um por linha)').fill('11 98765-4321\nabc');
    await suite.page.getByLabel('Origem do pedido').fill('pedido do cliente');
    await suite.page.getByRole('button', { name: 'Adicionar' }).click();
    await suite.page.getByText(/1 números adicionados à lista de não ligar\. 1 telefones recusados: abc/).waitFor();
    await suite.page.getByRole('cell', { name: 'pedido do cliente' }).waitFor();
    const check = async () =>
      (await suite.server.api().post('/v1/numbers/check').set('authorization', suite.admin.auth('dialer')).send({ phones: ['11 98765-4321'], campaignId: 'vendas' }).expect(200)).body.results[0].status;
    expect(await check()).toBe('suppressed');
    expect(await suite.page.locator('main').textContent()).not.toContain('98765-4321');

    await suite.page.getByLabel('Finalidade de vendas').selectOption('cobranca');
    await suite.page.getByText('Finalidade de vendas salva.').waitFor();
    expect((await suite.server.api().get('/v1/campaigns/vendas').set('authorization', suite.admin.auth('admin')).expect(200)).body.purpose).toBe('cobranca');

    await screenshot(suite.page, 'suppression');
    await suite.page.getByRole('button', { name: 'Remover' }).click();
    await suite.page.getByRole('dialog', { name: 'Remover da lista de não ligar?' }).getByRole('button', { name: 'Remover' }).click();
    await suite.page.getByText('Nenhum número na lista.').waitFor();
    expect(await check()).not.toBe('suppressed');
    expect(suite.consoleErrors).toEqual([]);
  });
});
