import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot } from './browser';

type HoursRow = { scope: string; from: string; windows: Record<string, { start: string; end: string } | null> };

/** CNPJs with their access codes, and calling hours, edited in the console; their errors in Portuguese (real Chromium). */
describe('admin console: CNPJ registry and calling hours (real Chromium)', () => {
  const suite = consoleSuite();
  const CNPJ = '11222333000181';

  it('when the admin registers, edits and removes a CNPJ, then field errors read in Portuguese, the server follows each step and Auditoria names both changes', async () => {
    const { page, server, admin } = suite;
    const cnpjs = async () => (await server.api().get('/v1/compliance/cnpjs').set('authorization', admin.auth('admin')).expect(200)).body.cnpjs as { cnpj: string; name: string; accessCodes: string[] }[];
    await page.getByRole('link', { name: 'Conformidade Anatel' }).click();
    await page.getByRole('heading', { level: 1, name: 'Conformidade Anatel' }).waitFor();
    const form = page.getByRole('form', { name: 'CNPJs e códigos de acesso' });
    const save = form.getByRole('button', { name: 'Salvar CNPJ' });

    await form.getByLabel('CNPJ').fill('11.222.333/0001-82');
    await form.getByLabel('Razão social').fill('Cobrança Matriz');
    await form.getByLabel('Códigos de acesso (um por linha)').fill('1130031000\n12');
    await save.click();
    await form.getByText('CNPJ: deve ser um CNPJ válido (14 dígitos com os dígitos verificadores corretos)').waitFor();
    await form.getByLabel('CNPJ').fill('11.222.333/0001-81');
    await save.click();
    await form.getByText('Códigos de acesso: "12" deve ter de 3 a 20 dígitos').waitFor();
    await form.getByLabel('Códigos de acesso (um por linha)').fill('1130031000');
    await form.getByLabel('Razão social').fill('  ');
    await save.click();
    await form.getByText('Razão social: é obrigatório').waitFor();
    expect(await cnpjs()).toEqual([]);
    await form.getByLabel('Razão social').fill('Cobrança Matriz');
    await save.click();
    // The screen-reader live region repeats the message 50 ms later: either copy shows it was saved.
    await page.getByText('CNPJ 11.222.333/0001-81 salvo.').first().waitFor();
    expect(await cnpjs()).toEqual([expect.objectContaining({ cnpj: CNPJ, name: 'Cobrança Matriz', accessCodes: ['1130031000'] })]);

    await page.getByRole('button', { name: 'Editar CNPJ 11.222.333/0001-81' }).click();
    await form.getByLabel('Razão social').fill('Cobrança Matriz SP');
    await form.getByLabel('Códigos de acesso (um por linha)').fill('1130031000\n1130032000');
    await save.click();
    await page.getByRole('cell', { name: '1130031000, 1130032000' }).waitFor();
    expect(await cnpjs()).toEqual([expect.objectContaining({ cnpj: CNPJ, name: 'Cobrança Matriz SP', accessCodes: ['1130031000', '1130032000'] })]);
    await screenshot(page, 'registry-cnpj');
    await expectAccessibleAtBothSizes(page, 'CNPJ registry');

    await page.getByRole('button', { name: 'Remover CNPJ 11.222.333/0001-81' }).click();
    await page.getByRole('dialog', { name: 'Remover o CNPJ 11.222.333/0001-81?' }).getByRole('button', { name: 'Remover' }).click();
    await page.getByText('Nenhum CNPJ cadastrado.', { exact: true }).waitFor();
    expect(await cnpjs()).toEqual([]);

    await page.getByRole('link', { name: 'Auditoria' }).click();
    await page.getByLabel('Tipo de evento').selectOption({ label: 'CNPJs (Conformidade Anatel)' });
    const rows = page.locator('tr[data-audit]');
    // The unfiltered log shows first; the filtered one holds exactly the three CNPJ changes.
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }).document.querySelectorAll('tr[data-audit]').length === 3);
    await page.getByRole('rowheader', { name: 'CNPJ removido' }).waitFor();
    await expect(rows.nth(0).textContent()).resolves.toContain('CNPJ 11.222.333/0001-81');
    await expect(rows.nth(1).textContent()).resolves.toContain('CNPJ cadastrado ou alterado');
    // The refusals above are the server's 400s, which Chromium logs; nothing else may be.
    expect(suite.consoleErrors.filter((error) => !error.includes('status of 400'))).toEqual([]);
  }, 60_000);

  it('when the admin edits a state\'s calling hours, then a wrong time or order is said next to its day in Portuguese, a valid week is saved, and "Restaurar padrão" brings the preset back', async () => {
    const { page, server, admin } = suite;
    const hoursOf = async (scope: string) => ((await server.api().get('/v1/calling-hours').set('authorization', admin.auth('admin')).expect(200)).body.hours as HoursRow[]).find((row) => row.scope === scope)!;
    const preset = await hoursOf('SP');
    await page.getByRole('link', { name: 'Listas de supressão' }).click();
    const form = page.getByRole('form', { name: 'Alterar horários' });
    await form.getByLabel('Estado').selectOption('SP');
    const save = form.getByRole('button', { name: 'Salvar horários' });

    await form.getByLabel('Seg–sex: início').fill('25:00');
    await save.click();
    await form.getByText('Seg–sex: início deve estar no formato HH:MM (00:00 a 24:00)').waitFor();
    await form.getByLabel('Seg–sex: início').fill('08:00');
    await form.getByLabel('Sábado: início').fill('13:00');
    await form.getByLabel('Sábado: fim').fill('09:00');
    await save.click();
    await form.getByText('Sábado: o início deve ser antes do fim').waitFor();
    expect((await hoursOf('SP')).from).toBe('preset');

    await form.getByLabel('Seg–sex: fim').fill('20:00');
    await form.getByLabel('Sábado: início').fill('09:00');
    await form.getByLabel('Sábado: fim').fill('13:00');
    await form.getByLabel('Domingo: sem ligações').check();
    await save.click();
    await form.getByText('Horários de SP salvos.').waitFor();
    expect(await hoursOf('SP')).toMatchObject({ from: 'tenant', windows: { weekdays: { start: '08:00', end: '20:00' }, saturday: { start: '09:00', end: '13:00' }, sunday: null } });
    await page.locator('tr[data-scope="SP"]', { hasText: 'ajustado pelo cliente' }).waitFor();
    await screenshot(page, 'registry-hours');
    await expectAccessibleAtBothSizes(page, 'calling hours form');

    await form.getByRole('button', { name: 'Restaurar padrão' }).click();
    await form.getByText('Horários de SP voltaram ao padrão.').waitFor();
    expect(await hoursOf('SP')).toEqual(preset);
    await expect(form.getByLabel('Seg–sex: início').inputValue()).resolves.toBe(preset.windows.weekdays?.start ?? '');
    // The refusals above are the server's 400s, which Chromium logs; nothing else may be.
    expect(suite.consoleErrors.filter((error) => !error.includes('status of 400'))).toEqual([]);
  }, 60_000);
});
