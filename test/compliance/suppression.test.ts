import { Readable, Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { HygieneClient } from '../../plugin/src/client';
import { run } from '../../server/cli/admin';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, testDatabaseUrl, type TestServer } from '../support/harness';

/**
 * Issue 13, suppression lists by purpose, end to end through the real server (and the plugin client's mailing
 * filter): which lists apply by campaign purpose, tenant and campaign lists, expiry, CSV import, the dial-time
 * check, isolation between tenants, and what the tables hold (pseudonyms, never the phones).
 */
const NMP_PHONE = '11 98765-4321';
const TENANT_PHONE = '21 99876-5432';
const CAMPAIGN_PHONE = '31 99123-4567';
const FREE_PHONE = '41 99234-5678';
const operatorAuth = `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`;

function importShared(server: TestServer, code: string, csv: string, query: Record<string, string> = {}) {
  return server.operatorApi().post(`/v1/operator/suppression-lists/${code}/import`).query(query).set('authorization', operatorAuth).set('content-type', 'text/csv').send(csv);
}

/** Filters a CSV through the plugin client; returns the kept text and the counts. */
async function filterWithClient(client: HygieneClient, campaignId: string, phones: string[]) {
  let kept = '';
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      kept += chunk.toString('latin1');
      callback();
    },
  });
  const csv = `nome;telefone\n${phones.map((phone, i) => `Cliente ${i};${phone}`).join('\n')}\n`;
  const result = await client.filterMailing(Readable.from([Buffer.from(csv, 'latin1')], { objectMode: false }), { campaignId, kept: sink });
  return { kept, counts: result.counts };
}

describe('suppression lists by purpose (end to end)', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let other: BuiltTenant;
  let client: HygieneClient;
  let dir: string;

  const setPurpose = (who: BuiltTenant, campaignId: string, purpose: string) =>
    server.api().put(`/v1/campaigns/${campaignId}/purpose`).set('authorization', who.auth('admin')).send({ purpose });
  const suppress = (who: BuiltTenant, body: Record<string, unknown>, credential: 'admin' | 'dialer' = 'admin') =>
    server.api().post('/v1/suppression/entries').set('authorization', who.auth(credential)).send(body);
  const check = (who: BuiltTenant, campaignId: string, phones: string[]) =>
    server.api().post('/v1/numbers/check').set('authorization', who.auth('dialer')).send({ phones, campaignId }).expect(200);

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    other = await buildTenant(server);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-suppression-'));
    client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox') });
    // Hygiene stays off on every campaign: suppression is compliance and applies anyway.
    for (const id of ['cobranca', 'vendas', 'pesquisa', 'sem-finalidade']) await tenant.campaign(id, false);
    await setPurpose(tenant, 'cobranca', 'cobranca').expect(200);
    await setPurpose(tenant, 'vendas', 'telemarketing').expect(200);
    await setPurpose(tenant, 'pesquisa', 'pesquisa').expect(200);
    await other.campaign('vendas', false);
    await setPurpose(other, 'vendas', 'telemarketing').expect(200);
    await importShared(server, 'nmp', `telefone\n${NMP_PHONE}\n`).expect(200);
  });

  afterAll(async () => {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when Não Me Perturbe holds a number, then a telemarketing mailing loses it ("suprimidos") and a collections one keeps it', async () => {
    const sales = await filterWithClient(client, 'vendas', [NMP_PHONE, FREE_PHONE]);
    expect(sales.kept).not.toContain(NMP_PHONE);
    expect(sales.kept).toContain(FREE_PHONE);
    expect(sales.counts).toMatchObject({ totalRows: 2, keptRows: 1, droppedRows: 1, suppressedPhones: 1, hygienized: 0, invalidPhones: 0 });

    const collections = await filterWithClient(client, 'cobranca', [NMP_PHONE, FREE_PHONE]);
    expect(collections.kept).toContain(NMP_PHONE);
    expect(collections.counts).toMatchObject({ totalRows: 2, keptRows: 2, suppressedPhones: 0 });

    // Research is not covered by NMP either; a campaign whose purpose was never set gets every list (fail closed).
    expect((await filterWithClient(client, 'pesquisa', [NMP_PHONE])).counts).toMatchObject({ keptRows: 1, suppressedPhones: 0 });
    expect((await filterWithClient(client, 'sem-finalidade', [NMP_PHONE])).counts).toMatchObject({ keptRows: 0, suppressedPhones: 1 });
  });

  it('when JSON contacts of a hygiene-on telemarketing campaign are filtered, then the suppressed phone leaves its array and counts as suppressed, not hygienized', async () => {
    await tenant.campaign('vendas-higienizadas', true);
    await setPurpose(tenant, 'vendas-higienizadas', 'telemarketing').expect(200);
    const kept: unknown[] = [];
    const sink = new Writable({
      objectMode: true,
      write: (item, _encoding, callback) => {
        kept.push(item);
        callback();
      },
    });
    async function* contacts() {
      yield { nome: 'Ana', telefones: [NMP_PHONE, FREE_PHONE] };
    }
    const result = await client.filterMailing(contacts(), { campaignId: 'vendas-higienizadas', phoneColumns: ['telefones'], kept: sink });
    expect(kept).toEqual([{ nome: 'Ana', telefones: [FREE_PHONE] }]);
    expect(result).toMatchObject({ hygieneApplied: true, counts: { keptRows: 1, phonesTotal: 2, suppressedPhones: 1, hygienized: 0, invalidPhones: 0 } });
  });

  it('when a mailing is filtered, then its record and the campaign totals keep the suppressed count apart from hygiene', async () => {
    await filterWithClient(client, 'vendas', [NMP_PHONE, FREE_PHONE]);
    const list = await server.api().get('/v1/campaigns/vendas/mailings').set('authorization', tenant.auth('admin')).expect(200);
    expect(list.body.mailings[0].counts).toMatchObject({ suppressedPhones: 1, hygienized: 0 });
    expect(list.body.totals.suppressedPhones).toBeGreaterThanOrEqual(1);
  });

  it('when the dial-time check is given a campaign, then a suppressed number is refused naming only the kind of list', async () => {
    const sales = await check(tenant, 'vendas', [NMP_PHONE, '123']);
    expect(sales.body.results[0]).toEqual({ status: 'suppressed', list: 'national' });
    expect(sales.body.results[1]).toMatchObject({ status: 'malformed' });
    const collections = await check(tenant, 'cobranca', [NMP_PHONE]);
    expect(collections.body.results[0].status).not.toBe('suppressed');
    // Without a campaign the check is the hygiene verdict alone, as before.
    const plain = await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones: [NMP_PHONE] }).expect(200);
    expect(plain.body.results[0]).toEqual({ status: 'clean' });
  });

  it('when tenant and campaign entries are added, then the tenant entry applies to every campaign, the campaign entry to its own, and an expired entry stops applying', async () => {
    const expiresAt = new Date(server.clock.now().getTime() + 2 * 86_400_000).toISOString();
    const added = await suppress(tenant, { phones: [TENANT_PHONE, 'abc'], source: 'pedido do cliente', expiresAt }, 'dialer').expect(200);
    expect(added.body).toEqual({ added: 1, refused: [expect.objectContaining({ at: 1, code: 'INVALID_CHARACTERS' })] });
    await suppress(tenant, { phones: [CAMPAIGN_PHONE], source: 'Procon', campaignId: 'vendas' }).expect(200);

    const sales = await filterWithClient(client, 'vendas', [TENANT_PHONE, CAMPAIGN_PHONE, FREE_PHONE]);
    expect(sales.counts).toMatchObject({ keptRows: 1, suppressedPhones: 2 });
    const collections = await filterWithClient(client, 'cobranca', [TENANT_PHONE, CAMPAIGN_PHONE]);
    expect(collections.counts).toMatchObject({ keptRows: 1, suppressedPhones: 1 });
    expect(collections.kept).toContain(CAMPAIGN_PHONE);
    expect((await check(tenant, 'vendas', [TENANT_PHONE, CAMPAIGN_PHONE])).body.results).toEqual([
      { status: 'suppressed', list: 'tenant' },
      { status: 'suppressed', list: 'campaign' },
    ]);

    server.clock.advanceDays(3);
    try {
      expect((await filterWithClient(client, 'cobranca', [TENANT_PHONE])).counts).toMatchObject({ keptRows: 1, suppressedPhones: 0 });
      expect((await check(tenant, 'cobranca', [TENANT_PHONE])).body.results[0].status).not.toBe('suppressed');
      const listed = await server.api().get('/v1/suppression/entries').set('authorization', tenant.auth('admin')).expect(200);
      expect(listed.body.entries).toEqual([expect.objectContaining({ list: 'tenant', source: 'pedido do cliente', expired: true })]);
    } finally {
      server.clock.advanceDays(-3);
    }
  });

  it('when a CSV is imported, then its numbers are suppressed, a header is skipped, and a bad line is refused by line number', async () => {
    const csv = 'nome;telefone\nAna;(51) 99111-2222\nBia;+55 51 99111-3333\nCris;sem telefone\nDani;51991114444\n';
    const response = await server
      .api()
      .post('/v1/suppression/import')
      .query({ source: 'planilha do jurídico', campaignId: 'cobranca' })
      .set('authorization', tenant.auth('admin'))
      .set('content-type', 'text/csv')
      .send(csv)
      .expect(200);
    expect(response.body).toMatchObject({ lines: 5, added: 3, refused: 1, firstRefusals: [expect.objectContaining({ at: 4 })] });
    const collections = await filterWithClient(client, 'cobranca', ['51 99111-2222', '51 99111-3333', '51 99111-4444', FREE_PHONE]);
    expect(collections.counts).toMatchObject({ keptRows: 1, suppressedPhones: 3 });
    const page = await server.api().get('/v1/suppression/entries').query({ campaignId: 'cobranca', limit: 2 }).set('authorization', tenant.auth('admin')).expect(200);
    expect(page.body.entries).toHaveLength(2);
    expect(page.body.next).toEqual(expect.any(String));
    const rest = await server.api().get('/v1/suppression/entries').query({ campaignId: 'cobranca', limit: 2, cursor: page.body.next }).set('authorization', tenant.auth('admin')).expect(200);
    expect(rest.body.entries).toHaveLength(1);
    expect(rest.body.next).toBeNull();
  });

  it("when another tenant lists or removes entries, then it sees only its own and cannot touch this tenant's", async () => {
    await suppress(tenant, { phones: ['61 99333-4444'], source: 'pedido do cliente' }).expect(200);
    const mine = await server.api().get('/v1/suppression/entries').set('authorization', tenant.auth('admin')).expect(200);
    const entry = mine.body.entries[mine.body.entries.length - 1] as { id: string };
    const theirs = await server.api().get('/v1/suppression/entries').set('authorization', other.auth('admin')).expect(200);
    expect(theirs.body.entries).toEqual([]);
    await server.api().delete(`/v1/suppression/entries/${entry.id}`).set('authorization', other.auth('admin')).expect(404);
    await server.api().post('/v1/suppression/entries/remove').set('authorization', other.auth('admin')).send({ phones: ['61 99333-4444'] }).expect(200, { removed: 0 });
    // Its campaigns are not affected by this tenant's list, and this tenant's campaign list is not its to read.
    expect((await check(other, 'vendas', ['61 99333-4444'])).body.results[0].status).not.toBe('suppressed');
    await server.api().get('/v1/suppression/entries').query({ campaignId: 'cobranca' }).set('authorization', other.auth('admin')).expect(404);
    // Dialers may add, not remove.
    await server.api().delete(`/v1/suppression/entries/${entry.id}`).set('authorization', tenant.auth('dialer')).expect(403);
    await server.api().delete(`/v1/suppression/entries/${entry.id}`).set('authorization', tenant.auth('admin')).expect(204);
    expect((await check(tenant, 'vendas', ['61 99333-4444'])).body.results[0].status).not.toBe('suppressed');
  });

  it('when entries are stored, then the tables hold keyed pseudonyms only: no phone in clear, and a tenant entry differs from the pool pseudonym', async () => {
    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    try {
      const { rows } = await pool.query(`SELECT e.*, l.scope_key, l.kind FROM "${server.schema}".suppression_entries e JOIN "${server.schema}".suppression_lists l ON l.id = e.list_id`);
      expect(rows.length).toBeGreaterThanOrEqual(4);
      const dump = JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
      for (const phone of [NMP_PHONE, TENANT_PHONE, CAMPAIGN_PHONE, '51 99111-2222', '61 99333-4444']) {
        const national = phone.replace(/\D/g, '');
        expect(dump).not.toContain(national);
        expect(dump).not.toContain(national.slice(-8));
      }
      const poolPseudonym = server.services.pseudonymizer.phone(5521998765432);
      const tenantRow = rows.find((row) => row.kind === 'tenant');
      expect(tenantRow).toBeDefined();
      expect(rows.some((row) => BigInt(row.pseudonym) === poolPseudonym)).toBe(false);
      // The same phone in two tenants' lists gives unrelated pseudonyms: the lists cannot be joined.
      await suppress(other, { phones: [TENANT_PHONE], source: 'pedido do cliente' }).expect(200);
      const { rows: both } = await pool.query(
        `SELECT e.pseudonym FROM "${server.schema}".suppression_entries e JOIN "${server.schema}".suppression_lists l ON l.id = e.list_id WHERE l.kind = 'tenant' AND l.tenant_id IN ($1, $2)`,
        [tenant.id, other.id],
      );
      const own = server.services.pseudonymizer;
      const mine = own.tenantPhones(tenant.id, [5521998765432]).bigint(0);
      const theirs = own.tenantPhones(other.id, [5521998765432]).bigint(0);
      expect(mine).not.toBe(theirs);
      expect(both.map((row) => BigInt(row.pseudonym))).toEqual(expect.arrayContaining([mine, theirs]));
    } finally {
      await pool.end();
    }
  });

  it('when the operator imports a state list with `npm run admin -- import-list` narrowing its purposes, then it applies by the new purposes and is replaced by the next import', async () => {
    const file = path.join(dir, 'procon-sp.csv');
    await writeFile(file, 'telefone;data_inclusao\n11 97777-1111;2026-11-01\n11 97777-2222;2026-11-02\n');
    const printed: unknown[] = [];
    const options = { url: server.operatorUrl, token: TEST_KEYS.OPERATOR_TOKEN, purposes: 'telemarketing', source: 'procon-sp 2026-12-01' };
    await run('import-list', ['procon-sp', file], options, (value) => printed.push(value));
    expect(printed[0]).toMatchObject({ code: 'procon-sp', purposes: ['telemarketing'], entries: 2, refused: 0 });
    expect((await check(tenant, 'vendas', ['11 97777-1111'])).body.results[0]).toEqual({ status: 'suppressed', list: 'state' });
    expect((await check(tenant, 'cobranca', ['11 97777-1111'])).body.results[0].status).not.toBe('suppressed');

    await writeFile(file, 'telefone\n11 97777-2222\n');
    await run('import-list', ['procon-sp', file], options, () => undefined);
    expect((await check(tenant, 'vendas', ['11 97777-1111', '11 97777-2222'])).body.results.map((result: { status: string }) => result.status === 'suppressed')).toEqual([false, true]);
  });

  it('when a purpose or a shared list import is wrong, then 400 names the field; an unknown list is 404', async () => {
    const bad = await setPurpose(tenant, 'vendas', 'spam').expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'purpose' });
    await importShared(server, 'nowhere', '11987654321\n').expect(404);
    const purposes = await importShared(server, 'procon-pr', '41 99999-0000\n', { purposes: 'telemarketing,spam' }).expect(400);
    expect(purposes.body.error.field).toMatch(/^purposes/);
    const lists = await server.api().get('/v1/suppression/lists').set('authorization', tenant.auth('dialer')).expect(200);
    expect(lists.body.lists).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'nmp', kind: 'national', purposes: ['telemarketing', 'consignado'], entries: 1 })]));
  });
});
