import { consoleSuite, screenshot, type Win } from './browser';

describe('admin console: tabulation map and dialer keys (real Chromium)', () => {
  const suite = consoleSuite({ serverPer: 'test' });

  const serverMap = async () => {
    const response = await suite.server.api().get('/v1/tabulations').set('authorization', suite.admin.auth('admin')).expect(200);
    return new Map((response.body.tabulations as { code: string; outcome: string; source: string }[]).map((entry) => [entry.code, entry]));
  };

  it('when the admin searches the tabulation map, changes an outcome, adds a code of its own and reverts, then the server map follows each step', async () => {
    await suite.page.getByRole('link', { name: 'Tabulações' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor();

    // Search narrows the list; the outcome filter too.
    await suite.page.getByLabel('Buscar código ou descrição').fill('sip:480');
    await suite.page.locator('tr[data-code="sip:480"]').waitFor();
    await expect(suite.page.locator('table.tabulations tbody tr').count()).resolves.toBe(1);
    await suite.page.getByLabel('Buscar código ou descrição').fill('');
    await suite.page.getByLabel('Filtrar por resultado').selectOption('invalid');
    const outcomes = await suite.page.locator('table.tabulations tbody tr select').evaluateAll((selects) => selects.map((s) => (s as unknown as { value: string }).value));
    expect(outcomes.length).toBeGreaterThan(3);
    expect(new Set(outcomes)).toEqual(new Set(['invalid']));
    await suite.page.getByLabel('Filtrar por resultado').selectOption('');

    // Change a default: SIP 480 (temporarily unavailable) counted as invalid by this tenant.
    await suite.page.getByLabel('Resultado do código sip:480').selectOption('invalid');
    await suite.page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await suite.page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' }).getByRole('button', { name: 'Salvar' }).click();
    await suite.page.locator('tr[data-code="sip:480"]').getByText('Personalizado', { exact: true }).waitFor();
    expect((await serverMap()).get('sip:480')).toMatchObject({ outcome: 'invalid', source: 'tenant' });

    // Add a custom agent tabulation.
    await suite.page.getByLabel('Código da tabulação').fill('Cliente faleceu');
    await suite.page.locator('form.add-code').getByLabel('Resultado').selectOption('invalid');
    await suite.page.getByRole('button', { name: 'Adicionar' }).click();
    await suite.page.getByText('Cliente faleceu: Inválido. Salvo.').waitFor();
    await suite.page.getByLabel('Filtrar por origem').selectOption('tenant');
    await suite.page.locator('tr[data-code="cliente faleceu"]').waitFor();
    await expect(suite.page.locator('table.tabulations tbody tr').count()).resolves.toBe(2);
    expect((await serverMap()).get('cliente faleceu')).toMatchObject({ outcome: 'invalid', source: 'tenant' });
    await screenshot(suite.page, '09-tabulations-custom');

    // Revert the default code, remove the custom one.
    const confirmRules = suite.page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' });
    await suite.page.getByRole('button', { name: 'Restaurar padrão do código sip:480' }).click();
    await confirmRules.getByRole('button', { name: 'Salvar' }).click();
    await suite.page.locator('tr[data-code="sip:480"]').waitFor({ state: 'detached' });
    await suite.page.getByRole('button', { name: 'Remover o código Cliente faleceu' }).click();
    await confirmRules.getByRole('button', { name: 'Salvar' }).click();
    await suite.page.getByText('0 de').waitFor();
    const after = await serverMap();
    expect(after.get('sip:480')).toMatchObject({ outcome: 'neutral', source: 'default' });
    expect(after.has('cliente faleceu')).toBe(false);
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when another admin edits the tabulation map, then the open list refreshes and says so', async () => {
    await suite.page.getByRole('link', { name: 'Tabulações' }).click();
    await suite.page.locator('tr[data-code="sip:486"]').waitFor();
    await suite.server.api().put('/v1/tabulations/sip:486').set('authorization', suite.admin.auth('admin')).send({ outcome: 'invalid' }).expect(200);
    await suite.page.getByText('O mapa de tabulações foi alterado por outro administrador; a lista foi atualizada.').waitFor();
    await expect(suite.page.getByLabel('Resultado do código sip:486').inputValue()).resolves.toBe('invalid');
  });

  it('when the admin creates a dialer key, then it is shown once with a copy button, works for the dialer, and after a confirmed revoke it is refused', async () => {
    await suite.page.getByRole('link', { name: 'Chaves do discador' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Chaves do discador' }).waitFor();
    await suite.page.getByLabel('Nome da chave').fill('discador-sp-01');
    await suite.page.getByRole('button', { name: 'Criar chave' }).click();

    const dialog = suite.page.getByRole('dialog', { name: 'Nova chave criada' });
    await dialog.waitFor();
    const key = await dialog.getByLabel('Chave do discador').inputValue();
    expect(key).toMatch(/^hyg_[0-9a-f]{12}_/);
    await dialog.getByRole('button', { name: 'Copiar', exact: true }).click();
    await dialog.getByText('Chave copiada.').waitFor();
    await expect(suite.page.evaluate(() => (globalThis as unknown as Win).navigator.clipboard.readText())).resolves.toBe(key);
    await screenshot(suite.page, '10-new-key-once');
    // Tab stays inside the dialog (focus trap).
    for (let i = 0; i < 5; i++) {
      await suite.page.keyboard.press('Tab');
      await expect(suite.page.evaluate(() => Boolean((globalThis as unknown as Win).document.activeElement?.closest('dialog')))).resolves.toBe(true);
    }
    await dialog.getByRole('button', { name: 'Concluído' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Shown once: the list has only its prefix.
    await expect(suite.page.locator('main').textContent()).resolves.not.toContain(key);
    await suite.server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);

    const row = suite.page.locator('tr', { hasText: 'discador-sp-01' });
    await row.getByRole('button', { name: 'Revogar a chave discador-sp-01' }).click();
    const confirm = suite.page.getByRole('dialog', { name: 'Revogar a chave?' });
    await confirm.waitFor();
    await suite.page.keyboard.press('Escape'); // Escape cancels: nothing revoked
    await confirm.waitFor({ state: 'detached' });
    await suite.server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);

    await row.getByRole('button', { name: 'Revogar a chave discador-sp-01' }).click();
    await confirm.waitFor();
    await screenshot(suite.page, '11-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revogar' }).click();
    await row.getByText(/Revogada em .* por Admin/).waitFor(); // the admin's name, not their email
    await suite.server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(401);
    await screenshot(suite.page, '12-keys-revoked');
    expect(suite.consoleErrors).toEqual([]);
  });
});
