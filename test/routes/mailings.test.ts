import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';

const DEAD = '11 98765-4321';
const SUSPECT = '21 3456-7890';
const ALIVE = '(11) 2345-6789';

describe('mailing filtering', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '5' } });
    tenant = await buildTenant(server);
    await tenant.campaign('c', true);
    await tenant.report([...invalidOutcomes('dead', 'c', DEAD, 5), ...invalidOutcomes('suspect', 'c', SUSPECT, 2)]);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when a contact has several phones and one is invalid, then only that phone is blanked and every other column is kept', async () => {
    const csv = 'id;nome;tel1;tel2;obs\n1;Ana;' + DEAD + ';' + ALIVE + ';"texto; com ponto e vírgula"\n';
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
    expect(result.kept).toBe(`id;nome;tel1;tel2;obs\n1;Ana;;${ALIVE};"texto; com ponto e vírgula"\n`);
    expect(result.summary.counts).toMatchObject({ totalRows: 1, keptRows: 1, droppedRows: 0, phonesTotal: 2, invalidPhones: 1, hygienized: 1 });
  });

  it('when every phone of a contact is invalid, then the contact is dropped', async () => {
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `nome,telefone,celular\nBia,${DEAD},\nCid,${ALIVE},${SUSPECT}\n`);
    expect(result.kept).toBe(`nome,telefone,celular\nCid,${ALIVE},${SUSPECT}\n`);
    expect(result.summary.counts).toMatchObject({ totalRows: 2, keptRows: 1, droppedRows: 1, invalidPhones: 1, unconfirmedPhones: 1, hygienized: 2 });
  });

  it('when a row has a malformed phone or no phone, then it comes back apart with its line and reason, untouched', async () => {
    const csv = `nome;telefone;celular\nDan;abc;${ALIVE}\nEva;;\nFil;20 3456-7890;\nGil;${ALIVE};\n`;
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
    expect(result.kept).toBe(`nome;telefone;celular\nGil;${ALIVE};\n`);
    const lines = result.malformed.trimEnd().split('\n');
    expect(lines[0]).toBe('nome;telefone;celular;hygiene_error');
    expect(lines[1]).toMatch(/^Dan;abc;\(11\) 2345-6789;"?linha 2: telefone: INVALID_CHARACTERS/);
    expect(lines[2]).toMatch(/^Eva;;;"?linha 3: \*: NO_PHONE/);
    expect(lines[3]).toMatch(/^Fil;20 3456-7890;;"?linha 4: telefone: INVALID_DDD/);
    expect(result.summary.counts).toMatchObject({ totalRows: 4, keptRows: 1, malformedRows: 3, malformedPhones: 2 });
  });

  it('when the file is latin1 with CRLF and quoted newlines, then kept rows come back byte for byte', async () => {
    const csv = Buffer.concat([
      Buffer.from('nome;endereço;telefone\r\n', 'latin1'),
      Buffer.from(`José;"Rua São João, 12\r\napto 3";${ALIVE}\r\n`, 'latin1'),
      Buffer.from(`Zé;Rua B;${DEAD}\r\n`, 'latin1'),
    ]);
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
    expect(Buffer.from(result.kept, 'latin1').equals(csv.subarray(0, csv.indexOf(Buffer.from('Zé', 'latin1'))))).toBe(true);
  });

  it('when phoneColumns names the columns, then only those are checked, and a separate DDD column completes short phones', async () => {
    const csv = `nome;ddd;numero;outro\nHugo;11;98765-4321;999\nIvo;11;2345-6789;\n`;
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv, { phoneColumns: 'numero' });
    expect(result.kept).toBe('nome;ddd;numero;outro\nIvo;11;2345-6789;\n');
    expect(result.summary.counts).toMatchObject({ droppedRows: 1, invalidPhones: 1, keptRows: 1 });
  });

  it('when a mailing is JSON with a phones array, then invalid phones leave the array and malformed contacts come back apart', async () => {
    const contacts = [
      { id: 1, phones: [DEAD, ALIVE], nome: 'Ana' },
      { id: 2, telefone: DEAD },
      { id: 3, telefone: 'xyz' },
      { id: 4, telefone: SUSPECT },
    ];
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', JSON.stringify(contacts), 'application/json', { phoneColumns: 'phones,telefone' });
    expect(result.status).toBe(200);
    expect(result.lines).toEqual([
      { kept: { id: 1, phones: [ALIVE], nome: 'Ana' } },
      { malformed: { id: 3, telefone: 'xyz' }, reasons: [expect.objectContaining({ column: 'telefone', code: 'INVALID_CHARACTERS' })] },
      { kept: { id: 4, telefone: SUSPECT } },
      { summary: expect.objectContaining({ counts: expect.objectContaining({ totalRows: 4, keptRows: 2, droppedRows: 1, malformedRows: 1, invalidPhones: 2, unconfirmedPhones: 1 }) }) },
    ]);
  });

  it('when a mailing is NDJSON, then it is filtered line by line with the phone field detected by name', async () => {
    const body = [{ nome: 'A', celular: DEAD }, { nome: 'B', celular: ALIVE }].map((c) => JSON.stringify(c)).join('\n') + '\n';
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', body, 'application/x-ndjson');
    expect(result.lines.slice(0, -1)).toEqual([{ kept: { nome: 'B', celular: ALIVE } }]);
  });

  it('when mailings were filtered, then their counts are readable per mailing and per campaign, never their phones', async () => {
    const first = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone\n${DEAD}\n${SUSPECT}\n${ALIVE}\n`, { name: 'lote 1' });
    const mailing = await server.api().get(`/v1/mailings/${first.summary.id}`).set('authorization', tenant.auth('admin')).expect(200);
    expect(mailing.body).toMatchObject({ name: 'lote 1', status: 'completed', hygieneApplied: true, counts: { hygienized: 2, invalidPhones: 1, unconfirmedPhones: 1 } });
    const list = await server.api().get('/v1/campaigns/c/mailings').set('authorization', tenant.auth('admin')).expect(200);
    expect(list.body.mailings[0].id).toBe(first.summary.id);
    expect(list.body.totals.mailings).toBe(list.body.mailings.filter((m: { status: string }) => m.status === 'completed').length);
    expect(list.body.totals.hygienized).toBe(list.body.totals.invalidPhones + list.body.totals.unconfirmedPhones);
    expect(JSON.stringify(list.body)).not.toContain('98765');
    const stats = await server.api().get('/v1/stats/daily').query({ campaignId: 'c' }).set('authorization', tenant.auth('admin')).expect(200);
    expect(stats.body.days.at(-1)).toMatchObject({ invalid: list.body.totals.invalidPhones, unconfirmed: list.body.totals.unconfirmedPhones });
  });

  it('when a number crosses the threshold, then the next mailing already filters it (the index is updated at commit)', async () => {
    const fresh = '31 99876-5432';
    const before = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone\n${fresh}\n`);
    expect(before.summary.counts.keptRows).toBe(1);
    await tenant.report(invalidOutcomes('cross', 'c', fresh, 5));
    const after = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone\n${fresh}\n`);
    expect(after.summary.counts).toMatchObject({ keptRows: 0, droppedRows: 1 });
  });

  it('when the campaign is unknown, then the answer is a 404 and no mailing is recorded', async () => {
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'nao-existe', `telefone\n${ALIVE}\n`);
    expect(result.status).toBe(404);
    expect(result.summary).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('when the CSV breaks after streaming began, then the summary says failed with the line and the mailing is recorded as failed', async () => {
    const rows = Array.from({ length: 5000 }, () => ALIVE).join('\n');
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone\n${rows}\n"unterminated\n`);
    expect(result.status).toBe(200);
    expect(result.summary).toMatchObject({ status: 'failed', error: { code: 'INVALID_CSV' } });
    expect(result.summary.error?.message).toMatch(/line 5002/);
    const stored = await server.api().get(`/v1/mailings/${result.summary.id}`).set('authorization', tenant.auth('admin')).expect(200);
    expect(stored.body.status).toBe('failed');
  });
});
