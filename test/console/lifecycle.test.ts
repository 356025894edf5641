import { get } from 'node:http';
import { io as connectSocket } from 'socket.io-client';
import { startTestServer } from '../support/harness';
import { expectAccessibleAtBothSizes, horizontalOverflow } from './axe';
import { consoleSuite, screenshot, signIn, type Win } from './browser';

/** Issue 14, problems 6, 9, 10 and 11: first run, Portuguese everywhere, admins' lifecycle, a lighter bundle. */
describe('admin console: first run, Portuguese, admins and the bundle (real Chromium)', () => {
  const suite = consoleSuite({ signIn: false });

  it('when a new tenant signs in, then the first steps are listed, a new key comes with the snippet to connect a dialer, and a dialer shows "conectado agora" only while its socket is open, else when it was last seen', async () => {
    await signIn(suite.page, suite.admin);
    const steps = suite.page.getByRole('region', { name: 'Primeiros passos' });
    await steps.waitFor();
    await expect(steps.textContent()).resolves.toContain('Crie uma chave do discador (feito)');
    await expect(steps.textContent()).resolves.toContain('npx hygiene verificar');
    await screenshot(suite.page, '40-first-run');
    await steps.getByRole('link', { name: 'Crie uma chave do discador' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Chaves do discador' }).waitFor();
    await suite.page.getByLabel('Nome da chave').fill('discador-rj');
    await suite.page.getByRole('button', { name: 'Criar chave' }).click();
    const dialog = suite.page.getByRole('dialog', { name: 'Nova chave criada' });
    await dialog.waitFor();
    const key = await dialog.getByLabel('Chave do discador').inputValue();
    await expect(dialog.getByLabel('Conectar o discador').textContent()).resolves.toBe(`export HYGIENE_URL=${suite.server.url}\nexport HYGIENE_API_KEY=${key}\nnpx hygiene verificar`);
    await dialog.getByRole('button', { name: 'Copiar a configuração' }).click();
    await dialog.getByText('Configuração copiada.').waitFor();
    await expect(suite.page.evaluate(() => (globalThis as unknown as Win).navigator.clipboard.readText())).resolves.toBe(`export HYGIENE_URL=${suite.server.url}\nexport HYGIENE_API_KEY=${key}\nnpx hygiene verificar`);
    await suite.page.setViewportSize({ width: 390, height: 844 });
    await expect(horizontalOverflow(suite.page)).resolves.toBeLessThanOrEqual(0);
    await screenshot(suite.page, '41-new-key-snippet-phone');
    await expectAccessibleAtBothSizes(suite.page, 'new key dialog');
    await dialog.getByRole('button', { name: 'Concluído' }).click();

    const row = suite.page.locator('tr', { hasText: 'discador-rj' });
    await expect(row.textContent()).resolves.toContain('Nunca conectado');
    await suite.server.api().get('/v1/campaigns').set('authorization', `Bearer ${key}`).expect(200);
    await suite.page.reload();
    // A request is not presence: the key was used, the dialer is not connected now.
    await row.getByText('Visto pela última vez em').waitFor();
    await expect(row.textContent()).resolves.not.toContain('Discador conectado agora');
    // A real dialer socket with the key: the open screen re-reads by itself (dialer-keys:updated), no reload.
    const dialer = connectSocket(suite.server.url, { transports: ['websocket'], reconnection: false, auth: { token: key } });
    try {
      await row.getByText('Discador conectado agora').waitFor();
    } finally {
      dialer.close();
    }
    await row.getByText('Visto pela última vez em').waitFor();
    await suite.page.getByLabel('Buscar chave').fill('rj');
    await suite.page.getByText('1 de 2 chaves').waitFor();
    await screenshot(suite.page, '42-keys-connected');
    await expectAccessibleAtBothSizes(suite.page, 'keys');
    expect(suite.consoleErrors).toEqual([]);
  });

  it('when the admin switches language, then the sign-out notice, the tab title and the server\'s errors follow it', async () => {
    await signIn(suite.page, suite.admin);
    await expect(suite.page.title()).resolves.toBe('Campanhas · Higienização de Mailing');
    await suite.page.getByRole('link', { name: 'Tabulações' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor();
    await expect(suite.page.title()).resolves.toBe('Tabulações · Higienização de Mailing');
    await suite.page.getByLabel('Idioma').selectOption('en');
    await expect(suite.page.title()).resolves.toBe('Tabulations · Mailing Hygiene');

    // Signed out in English, then Portuguese: the notice used to stay "You signed out.".
    await suite.page.getByRole('button', { name: 'Sign out' }).click();
    await suite.page.getByText('You signed out.').waitFor();
    await suite.page.getByLabel('Language').selectOption('pt-BR');
    await suite.page.getByText('Você saiu do console.').waitFor();
    await expect(suite.page.getByText('You signed out.').count()).resolves.toBe(0);

    // The server's English validation messages come translated by code and field.
    await suite.page.getByLabel('E-mail').fill(suite.admin.adminEmail);
    await suite.page.getByLabel('Senha').fill(suite.admin.adminPassword);
    await suite.page.getByRole('button', { name: 'Entrar' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Mapa de tabulações' }).waitFor(); // back where the admin left
    await suite.page.getByRole('link', { name: 'Administradores' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Administradores' }).waitFor();
    await suite.page.getByLabel('Nome').fill('Joana Lima');
    await suite.page.getByLabel('E-mail').fill('não é email');
    await suite.page.getByLabel('Senha inicial').fill('uma senha longa o bastante');
    await suite.page.getByRole('button', { name: 'Convidar' }).click();
    await suite.page.getByText('O servidor recusou a alteração: E-mail: deve ser um endereço de e-mail').waitFor();
    await screenshot(suite.page, '43-translated-server-error');
    expect(suite.consoleErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  it('when an admin invites, disables, changes their password and signs out everywhere, then each takes effect on the server', async () => {
    await signIn(suite.page, suite.admin);
    await suite.page.getByRole('link', { name: 'Administradores' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Administradores' }).waitFor();
    await suite.page.getByLabel('Nome').fill('Joana Lima');
    await suite.page.getByLabel('E-mail').fill(`joana@${suite.admin.slug}.example`);
    await suite.page.getByLabel('Senha inicial').fill('uma senha longa o bastante');
    await suite.page.getByRole('button', { name: 'Convidar' }).click();
    await suite.page.getByText('Joana Lima agora é administrador.').waitFor();
    const joana = await suite.server.api().post('/v1/auth/login').send({ email: `joana@${suite.admin.slug}.example`, password: 'uma senha longa o bastante' }).expect(200);

    await suite.page.getByRole('button', { name: 'Desativar Joana Lima' }).click();
    const confirm = suite.page.getByRole('dialog', { name: 'Desativar administrador?' });
    await screenshot(suite.page, '44-disable-admin-confirm');
    await confirm.getByRole('button', { name: 'Desativar' }).click();
    await suite.page.locator('tr', { hasText: 'Joana Lima' }).getByText(/Desativado em/).waitFor();
    await suite.server.api().get('/v1/me').set('authorization', `Bearer ${joana.body.token}`).expect(401);
    await expectAccessibleAtBothSizes(suite.page, 'admins');

    await suite.page.getByLabel('Senha atual').fill(suite.admin.adminPassword);
    await suite.page.getByLabel('Nova senha (mínimo 10 caracteres)').fill('outra senha bem longa');
    await suite.page.getByRole('button', { name: 'Trocar senha' }).click();
    await suite.page.getByRole('alert').filter({ hasText: 'Senha trocada. As outras sessões foram encerradas.' }).waitFor();
    await suite.server.api().get('/v1/me').set('authorization', suite.admin.auth('admin')).expect(401); // the older session ended
    await suite.page.getByRole('link', { name: 'Campanhas' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Campanhas' }).waitFor(); // this tab still works

    // The audit log, filtered by the server to the admins' events.
    await suite.page.getByRole('link', { name: 'Auditoria' }).click();
    await suite.page.getByRole('heading', { level: 1, name: 'Auditoria' }).waitFor();
    await suite.page.getByLabel('Tipo de evento').selectOption('admin.');
    await suite.page.getByText('3 registros. Fim do registro.').waitFor();

    await suite.page.getByRole('link', { name: 'Administradores' }).click();
    await suite.page.getByRole('button', { name: 'Sair de todos os dispositivos' }).click();
    await suite.page.getByRole('dialog', { name: 'Sair de todos os dispositivos?' }).getByRole('button', { name: 'Sair de todos os dispositivos' }).click();
    await suite.page.getByText('Você saiu do console.').waitFor();
    expect(suite.consoleErrors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
  });

  it('when a browser asks for the bundle, then it is served brotli- or gzip-compressed and its source map only outside production', async () => {
    // Raw bytes as they travel (supertest and fetch would decompress them).
    const br = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
      get(`${suite.server.url}/assets/app.js`, { headers: { 'accept-encoding': 'br' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      }).on('error', reject);
    });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    const gzip = await suite.server.api().get('/assets/styles.css').set('accept-encoding', 'gzip, deflate');
    expect([gzip.status, gzip.headers['content-encoding'], gzip.headers['content-type']]).toEqual([200, 'gzip', 'text/css; charset=utf-8']);
    const plain = await suite.server.api().get('/assets/app.js').set('accept-encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.bytes).toBeLessThan(Number(plain.headers['content-length']) / 2);

    const production = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      await production.api().get('/assets/app.js.map').expect(404);
      await production.api().get('/assets/app.js').set('accept-encoding', 'gzip').expect(200).expect('content-encoding', 'gzip');
    } finally {
      await production.stop();
    }
    await suite.server.api().get('/assets/app.js.map').expect(200);
  });
});
