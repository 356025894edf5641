import { expectAccessibleAtBothSizes, horizontalOverflow } from './axe';
import { consoleSuite, screenshot } from './browser';

/** Issue 14, problem 1: a rule change is never saved by a keystroke, says what it would change, and can be undone. */
describe('admin console: safe tabulation rule edits (real Chromium)', () => {
  const suite = consoleSuite({});
  beforeEach(async () => {
    await suite.page.getByRole('link', { name: 'Tabulações' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor();
  });

  const serverOutcome = async (code: string) => {
    const response = await suite.server.api().get('/v1/tabulations').set('authorization', suite.admin.auth('admin')).expect(200);
    return (response.body.tabulations as { code: string; outcome: string; source: string }[]).find((entry) => entry.code === code);
  };

  it('when an admin changes an outcome with the keyboard, then nothing is saved until "Salvar", whose summary counts the recent tabulations counted differently, and "Desfazer" restores the previous rule', async () => {
    await suite.admin.campaign('cobranca', false);
    // Three calls tabulated sip:404 (one sent twice: counted once) and one sip:486 in the last days.
    const calls = ['a', 'b', 'c'].map((id, i) => ({ callId: `call-${id}`, campaignId: 'cobranca', phone: `11 9${80_000_000 + i}`, code: 'sip:404' }));
    await suite.admin.report([...calls, calls[0]!, { callId: 'call-d', campaignId: 'cobranca', phone: '11 980000009', code: 'sip:486' }]);
    await suite.page.reload();
    await suite.page.locator('tr[data-code="sip:404"]').waitFor();

    // One ArrowDown on the focused select used to save "Contato" into the shared rules at once.
    const select = suite.page.getByLabel('Resultado do código sip:404');
    await select.focus();
    await suite.page.keyboard.press('ArrowDown');
    await expect(select.inputValue()).resolves.toBe('contact');
    await suite.page.getByText('1 alteração não salva').first().waitFor();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(serverOutcome('sip:404')).resolves.toMatchObject({ outcome: 'invalid', source: 'default' });
    await screenshot(suite.page, '50-rules-pending-change');

    // The summary: what changes and how many of the tenant's recent tabulations it would have counted differently.
    await suite.page.getByRole('button', { name: 'Salvar', exact: true }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('sip:404: Inválido → Contato');
    await expect(dialog.textContent()).resolves.toContain('3 tabulações dos últimos 30 dias teriam sido contadas de outra forma.');
    await screenshot(suite.page, '51-rules-confirm-summary');
    await suite.page.setViewportSize({ width: 390, height: 844 });
    await expect(horizontalOverflow(suite.page)).resolves.toBeLessThanOrEqual(0); // the dialog fits a phone
    await screenshot(suite.page, '51-rules-confirm-summary-phone');
    await expectAccessibleAtBothSizes(suite.page, 'rule change summary');
    await dialog.getByRole('button', { name: 'Cancelar' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect(serverOutcome('sip:404')).resolves.toMatchObject({ outcome: 'invalid' });

    await suite.page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await dialog.getByRole('button', { name: 'Salvar' }).click();
    await suite.page.locator('tr[data-code="sip:404"]').getByText('Personalizado', { exact: true }).waitFor();
    await expect(serverOutcome('sip:404')).resolves.toMatchObject({ outcome: 'contact', source: 'tenant' });

    // Undo from the history (the audit log's code:sip:404 entries): back to the default rule.
    await suite.page.getByRole('button', { name: 'Desfazer a última alteração de sip:404' }).click();
    await suite.page.getByText('sip:404: voltou a Inválido.').first().waitFor();
    await expect(serverOutcome('sip:404')).resolves.toMatchObject({ outcome: 'invalid', source: 'default' });

    // Two changes in a row: undo goes back to the one before, not to the default.
    await suite.page.getByLabel('Resultado do código sip:486').selectOption('invalid');
    await suite.page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await dialog.getByRole('button', { name: 'Salvar' }).click();
    await suite.page.locator('tr[data-code="sip:486"]').getByText('Personalizado', { exact: true }).waitFor();
    await suite.page.getByLabel('Resultado do código sip:486').selectOption('contact');
    await suite.page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await expect(dialog.textContent()).resolves.toContain('1 tabulação dos últimos 30 dias teria sido contada de outra forma.');
    await dialog.getByRole('button', { name: 'Salvar' }).click();
    await suite.page.locator('tr[data-code="sip:486"]').getByText('Salvo.').or(suite.page.getByText('Salvo.')).first().waitFor();
    await expect(serverOutcome('sip:486')).resolves.toMatchObject({ outcome: 'contact' });
    await suite.page.getByRole('button', { name: 'Desfazer a última alteração de sip:486' }).click();
    await suite.page.getByText('sip:486: voltou a Inválido.').first().waitFor();
    await expect(serverOutcome('sip:486')).resolves.toMatchObject({ outcome: 'invalid', source: 'tenant' });
    await screenshot(suite.page, '52-rules-undone');
    await expectAccessibleAtBothSizes(suite.page, 'tabulations');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when an admin types an impossible signalling code such as sip:99999999, then the field says why and the server refuses it too', async () => {
    await suite.page.getByLabel('Código da tabulação').fill('sip:99999999');
    await suite.page.getByRole('button', { name: 'Adicionar' }).click();
    await suite.page.getByText('Código: código SIP deve ser um número de 100 a 699 (ex.: sip:404).').waitFor();
    await expect(suite.page.getByLabel('Código da tabulação').getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(suite.page, '53-rules-code-field-error');

    for (const code of ['sip:99999999', 'sip:99', 'sip:700', 'q850:0', 'q850:128', 'sip:abc']) {
      const refused = await suite.server.api().put(`/v1/tabulations/${encodeURIComponent(code)}`).set('authorization', suite.admin.auth('admin')).send({ outcome: 'invalid' });
      expect([code, refused.status, refused.body.error?.code, refused.body.error?.field]).toEqual([code, 400, 'VALIDATION_FAILED', 'code']);
    }
    for (const code of ['sip:100', 'sip:699', 'q850:1', 'q850:127', 'Cliente faleceu']) {
      await suite.server.api().put(`/v1/tabulations/${encodeURIComponent(code)}`).set('authorization', suite.admin.auth('admin')).send({ outcome: 'invalid' }).expect(200);
    }
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the console is in Portuguese, then default tabulation descriptions are in Portuguese, and in English after the switch', async () => {
    const row = suite.page.locator('tr[data-code="sip:486"]');
    await expect(row.textContent()).resolves.toContain('Ocupado');
    await expect(row.textContent()).resolves.not.toContain('Busy Here');
    await expect(suite.page.locator('tr[data-code="q850:1"]').textContent()).resolves.toContain('Número não alocado');
    await expect(suite.page.locator('table.tabulations tbody').textContent()).resolves.not.toMatch(/Not Found|Temporarily Unavailable|No Answer/);
    await suite.page.getByLabel('Idioma').selectOption('en');
    await expect(suite.page.locator('tr[data-code="sip:486"]').textContent()).resolves.toContain('Busy Here');
    await suite.page.getByLabel('Language').selectOption('pt-BR');
  });
  it('when maintenance runs, then per-code tabulation counts older than the 90-day window are deleted and recent ones kept', async () => {
    const prisma = suite.server.services.prisma;
    const day = (daysAgo: number) => new Date(`${new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`);
    await prisma.tabulationUsage.createMany({
      data: [
        { tenantId: suite.admin.id, code: 'sip:404', day: day(120), calls: 7 },
        { tenantId: suite.admin.id, code: 'sip:404', day: day(10), calls: 2 },
      ],
    });
    await suite.server.services.maintenance.run();
    const left = await prisma.tabulationUsage.findMany({ where: { tenantId: suite.admin.id } });
    expect(left.map((row) => row.calls)).toEqual([2]);
    const usage = await suite.server.api().get('/v1/tabulations/usage?days=30').set('authorization', suite.admin.auth('admin')).expect(200);
    expect(usage.body.usage).toEqual([{ code: 'sip:404', calls: 2 }]);
    await suite.server.api().get('/v1/tabulations/usage?days=91').set('authorization', suite.admin.auth('admin')).expect(400);
  });
});
