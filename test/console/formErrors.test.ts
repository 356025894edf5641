import type { Locator, Page } from 'playwright-core';
import { expectAccessibleAtBothSizes } from './axe';
import { consoleSuite, screenshot, signIn } from './browser';

/** Whether a control is marked invalid, and the text of what describes it (aria-describedby, in order). */
async function described(control: Locator): Promise<{ invalid: string | null; text: string }> {
  return control.evaluate((element) => {
    const node = element as unknown as { getAttribute(name: string): string | null; ownerDocument: { getElementById(id: string): { textContent: string | null } | null } };
    const ids = (node.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    return { invalid: node.getAttribute('aria-invalid'), text: ids.map((id) => node.ownerDocument.getElementById(id)?.textContent ?? '').join(' | ') };
  });
}

/** The next request to `path` with `method` is answered with this error body (the others reach the server). */
async function refuseOnce(page: Page, method: string, path: string, status: number, error: { code: string; message: string; field?: string }): Promise<void> {
  let used = false;
  await page.route(`**${path}`, async (route) => {
    if (used || route.request().method() !== method) return route.fallback();
    used = true;
    await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error: { ...error, requestId: 'req-test' } }) });
  });
}

/** Issue 14: every server error in Portuguese by its code, and field errors tied to their inputs. */
describe('admin console: server errors in words and tied to their fields (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when the server answers a message the console has no translation for, then its code says it in Portuguese, naming the field, and the English switch shows the server\'s words', async () => {
    const { page } = suite;
    await signIn(page, suite.admin);
    await page.getByRole('link', { name: 'Chaves do discador' }).click();
    await page.getByLabel('Nome da chave').fill('discador-sp');
    const alert = page.locator('form').getByRole('alert');

    await refuseOnce(page, 'POST', '/v1/dialer-keys', 400, { code: 'VALIDATION_FAILED', field: 'name', message: 'name: must not look like a dialer key' });
    await page.getByRole('button', { name: 'Criar chave' }).click();
    await page.getByText('O servidor recusou a alteração: Nome: valor inválido').waitFor();
    await expect(alert.textContent()).resolves.not.toContain('must');

    // No field: the code's text alone; a field the console has no name for: as the server named it; an unknown code: generic.
    await refuseOnce(page, 'POST', '/v1/dialer-keys', 409, { code: 'CONFLICT', message: 'a key with this name was created meanwhile' });
    await page.getByRole('button', { name: 'Criar chave' }).click();
    await page.getByText('O servidor recusou a alteração: conflito com o estado atual (outra alteração ao mesmo tempo, ou o item já existe); recarregue e tente de novo').waitFor();
    await refuseOnce(page, 'POST', '/v1/dialer-keys', 400, { code: 'SOMETHING_NEW', field: 'labels[2].color', message: 'labels[2].color: unknown colour' });
    await page.getByRole('button', { name: 'Criar chave' }).click();
    await page.getByText('O servidor recusou a alteração: color: o servidor recusou a requisição').waitFor();
    await screenshot(page, '90-unknown-error-in-portuguese');

    await page.getByLabel('Idioma').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Dialer keys' }).waitFor();
    await page.getByLabel('Key name').fill('discador-sp');
    await refuseOnce(page, 'POST', '/v1/dialer-keys', 400, { code: 'VALIDATION_FAILED', field: 'name', message: 'name: must not look like a dialer key' });
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('The server rejected the change: name: must not look like a dialer key').waitFor();
    await page.getByLabel('Language').selectOption('pt-BR');
    expect(suite.consoleErrors.filter((text) => !/Failed to load resource/.test(text))).toEqual([]);
  });

  it('when a form is refused, then the input the error is about is aria-invalid and described by the error text: sign-in, the rule edit and the key form', async () => {
    const { page } = suite;
    // Sign-in: wrong credentials are about both fields.
    await page.getByLabel('E-mail').fill(suite.admin.adminEmail);
    await page.getByLabel('Senha').fill('not the password');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByText('E-mail ou senha incorretos.').waitFor();
    for (const label of ['E-mail', 'Senha']) {
      await expect(described(page.getByLabel(label))).resolves.toEqual({ invalid: 'true', text: 'E-mail ou senha incorretos.' });
    }
    await screenshot(page, '91-signin-error-described');
    await signIn(page, suite.admin);

    // The rule edit: the select whose change the server refused points at the refusal.
    await page.getByRole('link', { name: 'Tabulações' }).click();
    const select = page.getByLabel('Resultado do código sip:404');
    await select.selectOption('contact');
    await refuseOnce(page, 'PUT', '/v1/tabulations/sip%3A404', 400, { code: 'VALIDATION_FAILED', field: 'outcome', message: 'outcome: is locked for this code' });
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('dialog', { name: 'Salvar alterações nas tabulações?' }).getByRole('button', { name: 'Salvar' }).click();
    await page.getByText('O servidor recusou a alteração: Resultado: valor inválido').waitFor();
    await expect(described(page.getByLabel('Resultado do código sip:404'))).resolves.toEqual({ invalid: 'true', text: 'O servidor recusou a alteração: Resultado: valor inválido' });
    await expect(described(page.getByLabel('Resultado do código sip:486'))).resolves.toEqual({ invalid: null, text: '' });
    await screenshot(page, '92-rule-edit-error-described');
    await page.getByRole('button', { name: 'Descartar' }).click();

    // The key form: the server's "name: is required" is tied to the name, after its hint; fixed, it is untied.
    await page.getByRole('link', { name: 'Chaves do discador' }).click();
    await page.getByRole('button', { name: 'Criar chave' }).click();
    await page.getByText('O servidor recusou a alteração: Nome: é obrigatório').waitFor();
    const name = page.getByLabel('Nome da chave');
    await expect(described(name)).resolves.toEqual({ invalid: 'true', text: 'Por exemplo, o nome do servidor do discador. | O servidor recusou a alteração: Nome: é obrigatório' });
    await expectAccessibleAtBothSizes(page, 'key form with an error');
    await screenshot(page, '93-key-form-error-described');
    await name.fill('discador-rj');
    await page.getByRole('button', { name: 'Criar chave' }).click();
    await page.getByRole('dialog').getByRole('button').last().click();
    await expect(described(name)).resolves.toEqual({ invalid: null, text: 'Por exemplo, o nome do servidor do discador.' });
  });
});
