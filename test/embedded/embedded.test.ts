import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { run } from '../../server/cli/admin';
import { loadConfig, type Config } from '../../server/config';
import { startServer, type RunningServer } from '../../server/server';
import { filterCsvMailing } from '../support/mailing';
import type { TestServer } from '../support/harness';

/**
 * Issue 2, done-when 1: the embedded default (no DATABASE_URL, no REDIS_URL: PGlite in DATA_DIR, in-process
 * infrastructure) serves the whole flow, the operator command creates a tenant, an admin and a dialer key
 * against it, and the data survive a restart on the same folder. PGlite needs --experimental-vm-modules
 * (`npm test` sets it).
 */
describe('embedded default', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  const embeddedConfig = (): Config => loadConfig({ DATA_DIR: dataDir, PORT: '0', OPERATOR_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  /** The mailing helpers only need `api()`. */
  const asTestServer = (running: RunningServer) => ({ api: () => request(running.url) }) as unknown as TestServer;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hyg-embedded-'));
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the server starts with no DATABASE_URL and no REDIS_URL, then the operator command bootstraps a tenant and the whole flow works; after a restart on the same folder the data are still there', async () => {
    const config = embeddedConfig();
    expect(config.database).toEqual({ kind: 'embedded', dataDir });
    expect(config.redis).toBeUndefined();
    server = await startServer(config);
    expect(server.db.kind).toBe('embedded');
    const api = () => request(server!.url);

    // The operator command, driven as `npm run admin -- bootstrap …` would, with the token from dev-keys.json.
    const printed: unknown[] = [];
    // `npm run admin` talks to the operator listener; the public one does not serve the operator API.
    const options = { url: server.operatorUrl, consoleUrl: server.url, token: config.operatorToken, password: 'senha-do-admin-123' };
    const boot = (await run('bootstrap', ['acme', 'ACME Cobranças', 'admin@acme.example'], options, (value) => printed.push(value))) as {
      tenant: { id: string; slug: string };
      admin: { email: string; password: string };
      dialerKey: string;
    };
    expect(printed).toEqual([boot]);
    expect(boot).toMatchObject({ tenant: { slug: 'acme' }, admin: { email: 'admin@acme.example', password: 'senha-do-admin-123' } });
    expect(boot.dialerKey).toMatch(/^hyg_/);
    const extraKey = (await run('create-key', ['acme', 'discador 2'], options, () => undefined)) as { key: string };
    expect((await run('list-tenants', [], options, () => undefined)) as { tenants: { slug: string }[] }).toMatchObject({ tenants: [{ slug: 'acme' }] });
    await expect(run('create-tenant', ['acme', 'again'], options, () => undefined)).rejects.toThrow(/already exists/);
    await expect(run('list-tenants', [], { ...options, token: 'wrong' }, () => undefined)).rejects.toThrow(/operator token required/);

    // Sign in, register a campaign with hygiene on, report outcomes, filter a mailing.
    const login = await api().post('/v1/auth/login').send({ email: 'admin@acme.example', password: 'senha-do-admin-123' }).expect(200);
    const admin = `Bearer ${login.body.token as string}`;
    const dialer = `Bearer ${boot.dialerKey}`;
    await api().post('/v1/campaigns').set('authorization', dialer).send({ id: 'cobranca' }).expect(201);
    await api().put('/v1/campaigns/cobranca/hygiene').set('authorization', admin).send({ enabled: true }).expect(200);
    const outcomes = Array.from({ length: 4 }, (_v, i) => ({ callId: `c-${i}`, campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404' }));
    const reported = await api().post('/v1/outcomes').set('authorization', `Bearer ${extraKey.key}`).send({ outcomes }).expect(200);
    expect(reported.body).toMatchObject({ accepted: 4, rejected: 0 });
    const filtered = await filterCsvMailing(asTestServer(server), dialer, 'cobranca', 'nome;telefone\nAna;(11) 98765-4321\nBia;(21) 3456-7890\n');
    expect(filtered.status).toBe(200);
    expect(filtered.kept).toBe('nome;telefone\nAna;(11) 98765-4321\nBia;(21) 3456-7890\n');
    expect(filtered.summary.counts).toMatchObject({ totalRows: 2, keptRows: 2, hygienized: 1, unconfirmedPhones: 1, invalidPhones: 0 });
    const mailingId = filtered.summary.id;

    await server.close();
    server = undefined;

    // Same folder, same dev keys: the tenant, the admin's password, the key, the history and the mailing survived.
    const again = embeddedConfig();
    expect(again.jwtSecret).toBe(config.jwtSecret);
    server = await startServer(again);
    const api2 = () => request(server!.url);
    const relogin = await api2().post('/v1/auth/login').send({ email: 'admin@acme.example', password: 'senha-do-admin-123' }).expect(200);
    const admin2 = `Bearer ${relogin.body.token as string}`;
    // A token signed before the restart is still valid (the JWT secret was kept in DATA_DIR).
    await api2().get('/v1/me').set('authorization', admin).expect(200);
    const campaign = await api2().get('/v1/campaigns/cobranca').set('authorization', admin2).expect(200);
    expect(campaign.body).toMatchObject({ hygieneEnabled: true, reported: { invalid: 4 } });
    expect((await api2().get(`/v1/mailings/${mailingId}`).set('authorization', dialer).expect(200)).body).toMatchObject({ status: 'completed', counts: { hygienized: 1 } });
    const duplicates = await api2().post('/v1/outcomes').set('authorization', dialer).send({ outcomes }).expect(200);
    expect(duplicates.body).toMatchObject({ accepted: 0, duplicates: 4 });
    // The shared history survived too: the number is still "não confirmado" in a mailing's counts.
    const refiltered = await filterCsvMailing(asTestServer(server), dialer, 'cobranca', 'telefone\n(11) 98765-4321\n');
    expect(refiltered.summary.counts).toMatchObject({ keptRows: 1, unconfirmedPhones: 1 });
  });
});
