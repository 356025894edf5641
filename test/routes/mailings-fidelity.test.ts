/**
 * Issue 12, the fidelity half: what comes back of a mailing is what went in, except the cells the filter changes
 * (an invalid phone blanked, a legacy mobile given its ninth digit), in whatever encoding the mailing came, and every
 * Brazilian spelling of a phone is read as the number it is.
 */
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer, SINGLE_SOURCE_RULES } from '../support/harness';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';

const DEAD = '11 98765-4321';
const ALIVE = '(11) 2345-6789';
/** DEAD written before the ninth digit: upgraded, it is DEAD. */
const DEAD_LEGACY = '11 8765-4321';
const EN_DASH = '\u2013';
const NBSP = '\u00a0';
const NNBSP = '\u202f';
const NB_HYPHEN = '\u2011';

const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('mailing fidelity and spellings (issue 12)', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ env: { ...SINGLE_SOURCE_RULES, INVALID_THRESHOLD: '5' } });
    tenant = await buildTenant(server);
    await tenant.campaign('c', true);
    await tenant.campaign('strict', true);
    await server.api().put('/v1/campaigns/strict/ninth-digit').set('authorization', tenant.auth('admin')).send({ enabled: false }).expect(200);
    await tenant.report(invalidOutcomes('dead', 'c', DEAD, 5));
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('byte fidelity of kept rows', () => {
    it('when a row has an invalid phone blanked, then only that cell changes: the other fields keep their quotes and spacing', async () => {
      const header = 'id;nome;tel1;tel2;obs\r\n';
      const row = `1;"Maria José";"${DEAD}";${ALIVE}; "sem aspas" ;"a ""citação"""\r\n`;
      const csv = Buffer.from(header + row, 'latin1');
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
      expect(result.kept).toBe(`${header}1;"Maria José";"";${ALIVE}; "sem aspas" ;"a ""citação"""\r\n`);
      expect(result.summary.counts).toMatchObject({ keptRows: 1, invalidPhones: 1 });
    });

    it('when the blanked phone is unquoted, last, or in a row with an embedded line break, then the rest of the row is untouched', async () => {
      const csv = `nome,obs,telefone,celular\n"Ana","linha 1\nlinha 2",${ALIVE},${DEAD}\nBia,,  ${DEAD}  ,"${ALIVE}"\n`;
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
      expect(result.kept).toBe(`nome,obs,telefone,celular\n"Ana","linha 1\nlinha 2",${ALIVE},\nBia,,,"${ALIVE}"\n`);
    });
  });

  describe('encodings', () => {
    it('when a UTF-8 mailing writes its phones with an en dash, NBSP, narrow NBSP or non-breaking hyphen, then they are read as numbers and the bytes come back as they were', async () => {
      const text =
        'nome;endereço;telefone\n' +
        `José;Rua São João;(11)${NBSP}2345${EN_DASH}6789\n` +
        `Zoë;Praça Sé;11${NNBSP}2345${NB_HYPHEN}6789\n` +
        `Ângela;Av. Paulista;11${NBSP}98765${EN_DASH}4321\n`;
      const input = Buffer.from(text, 'utf8');
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', input);
      expect(result.malformed).toBe('');
      expect(result.summary.counts).toMatchObject({ totalRows: 3, keptRows: 2, droppedRows: 1, malformedRows: 0, invalidPhones: 1 });
      const kept = Buffer.from(result.kept, 'latin1');
      expect(kept.equals(input.subarray(0, input.indexOf(Buffer.from('Ângela', 'utf8'))))).toBe(true);
    });

    it('when a UTF-8 header names the phone column with an accent, then phoneColumns finds it', async () => {
      const input = Buffer.from(`\ufeffnome;nº celular\nJosé;${ALIVE}\n`, 'utf8');
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', input, { phoneColumns: 'nº celular' });
      expect(result.status).toBe(200);
      expect(Buffer.from(result.kept, 'latin1').equals(input)).toBe(true);
    });

    it('when a Windows-1252 mailing separates digits with its en dash (0x96), then the phone is read and the bytes come back as they were', async () => {
      const input = Buffer.concat([Buffer.from('nome;telefone\nJoão;11 2345', 'latin1'), Buffer.from([0x96]), Buffer.from('6789\n', 'latin1')]);
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', input);
      expect(result.malformed).toBe('');
      expect(Buffer.from(result.kept, 'latin1').equals(input)).toBe(true);
    });

    it.each([
      ['UTF-16 LE', (text: string) => Buffer.from(text, 'utf16le')],
      ['UTF-16 BE', utf16be],
    ])('when a %s mailing with a BOM is sent, then its phone column is found and it comes back in the same encoding, only the blanked cell changed', async (_name, encode) => {
      const header = '\ufeffnome;telefone;celular\r\n';
      const input = encode(`${header}Ana;${ALIVE};"${DEAD}"\r\nBia;${DEAD};\r\nCid;"${ALIVE}";\r\nDé;${ALIVE};\r\n`);
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', input);
      expect(result.status).toBe(200);
      expect(result.summary.counts).toMatchObject({ totalRows: 4, keptRows: 3, droppedRows: 1, malformedRows: 0, invalidPhones: 2 });
      expect(Buffer.from(result.kept, 'latin1').equals(encode(`${header}Ana;${ALIVE};""\r\nCid;"${ALIVE}";\r\nDé;${ALIVE};\r\n`))).toBe(true);
    });

    it('when a UTF-16 mailing has a malformed row, then the malformed part is UTF-16 too', async () => {
      const input = Buffer.from('\ufefftelefone\r\nabc\r\n', 'utf16le');
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', input);
      const malformed = Buffer.from(result.malformed, 'latin1').toString('utf16le');
      expect(malformed).toMatch(/^\ufefftelefone;?,?hygiene_error\r\nabc[,;]"?linha 2: telefone: INVALID_CHARACTERS/);
    });

    it('when NDJSON or a JSON array starts with a UTF-8 BOM, then it is read like any other', async () => {
      const ndjson = await filterJsonMailing(server, tenant.auth('dialer'), 'c', `\ufeff${JSON.stringify({ nome: 'A', celular: ALIVE })}\n`, 'application/x-ndjson');
      expect(ndjson.status).toBe(200);
      expect(ndjson.lines[0]).toEqual({ kept: { nome: 'A', celular: ALIVE } });
      const array = await filterJsonMailing(server, tenant.auth('dialer'), 'c', `\ufeff${JSON.stringify([{ celular: ALIVE }])}`, 'application/json');
      expect(array.status).toBe(200);
      expect(array.lines[0]).toEqual({ kept: { celular: ALIVE } });
    });
  });

  describe('spellings', () => {
    it('when phones are written 0xx11 / (0XX11), then they are read as DDD 11 numbers', async () => {
      const csv = `telefone\n0xx11 98765-4321\n(0XX11) 2345-6789\n`;
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
      expect(result.kept).toBe('telefone\n(0XX11) 2345-6789\n');
      expect(result.summary.counts).toMatchObject({ keptRows: 1, droppedRows: 1, malformedRows: 0 });
    });

    it('when "0" + two digits that are no carrier code precede 11 digits, then the phone is TOO_LONG, not another subscriber', async () => {
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', 'telefone\n0 30 11 98765-4321\n0 21 11 98765-4321\n');
      expect(result.malformed).toMatch(/linha 2: telefone: TOO_LONG/);
      expect(result.summary.counts).toMatchObject({ malformedRows: 1, droppedRows: 1 });
    });
  });

  describe('legacy 8-digit mobiles (ninth digit)', () => {
    it('when a mobile is written before the ninth digit, then it goes out with the 9 in its own spelling, flagged and counted', async () => {
      const csv = `nome;telefone;fixo\n"Ana";(21) 8765-4321;${ALIVE}\nBia;"0xx31 7654-3210";\nCid;${ALIVE};\n`;
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv, { ninthDigitColumn: 'nono_digito' });
      expect(result.kept).toBe(`nome;telefone;fixo;nono_digito\n"Ana";(21) 98765-4321;${ALIVE};telefone\nBia;"0xx31 97654-3210";;telefone\nCid;${ALIVE};;\n`);
      expect(result.summary.counts).toMatchObject({ keptRows: 3, malformedRows: 0, ninthDigitAdded: 2 });
      const saved = await server.api().get(`/v1/mailings/${result.summary.id}`).set('authorization', tenant.auth('admin')).expect(200);
      expect(saved.body.counts.ninthDigitAdded).toBe(2);
      const list = await server.api().get('/v1/campaigns/c/mailings').set('authorization', tenant.auth('admin')).expect(200);
      expect(list.body.totals.ninthDigitAdded).toBeGreaterThanOrEqual(2);
    });

    it('when the upgraded number is invalid, then it is removed like any invalid phone and not counted as upgraded', async () => {
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone;celular\n${DEAD_LEGACY};${ALIVE}\n`);
      expect(result.kept).toBe(`telefone;celular\n;${ALIVE}\n`);
      expect(result.summary.counts).toMatchObject({ invalidPhones: 1, ninthDigitAdded: 0 });
    });

    it('when a DDD column completes a legacy mobile, then the 9 goes into the phone cell', async () => {
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', 'nome;ddd;numero\nHugo;21;8765-4321\n', { phoneColumns: 'numero' });
      expect(result.kept).toBe('nome;ddd;numero\nHugo;21;98765-4321\n');
    });

    it('when the campaign turned the ninth digit off, then the legacy mobile is set apart as MOBILE_MISSING_NINTH_DIGIT', async () => {
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'strict', 'telefone\n(21) 8765-4321\n');
      expect(result.malformed).toMatch(/MOBILE_MISSING_NINTH_DIGIT/);
      expect(result.summary.counts).toMatchObject({ malformedRows: 1, ninthDigitAdded: 0 });
    });

    it('when a JSON contact has a legacy mobile, then the kept contact holds the upgraded spelling and the line names it', async () => {
      const body = `${JSON.stringify({ nome: 'A', celular: '(21) 8765-4321', tel: [1187651234, ALIVE] })}\n`;
      const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', body, 'application/x-ndjson', { phoneColumns: 'celular,tel' });
      expect(result.lines[0]).toEqual({ kept: { nome: 'A', celular: '(21) 98765-4321', tel: [11987651234, ALIVE] }, ninthDigitAdded: ['celular', 'tel[0]'] });
      expect(result.lines[1]).toMatchObject({ summary: { counts: { ninthDigitAdded: 2 } } });
    });

    it('when a legacy mobile is checked, then the answer is about the upgraded number and says so', async () => {
      const response = await server.api().post('/v1/numbers/check').set('authorization', tenant.auth('dialer')).send({ phones: [DEAD_LEGACY, ALIVE] }).expect(200);
      expect(response.body.results).toEqual([{ status: 'invalid', ninthDigitAdded: true }, { status: 'clean' }]);
    });

    it('when an admin switches the ninth digit, then the campaign shows it; a dialer may not', async () => {
      const campaign = await server.api().get('/v1/campaigns/c').set('authorization', tenant.auth('admin')).expect(200);
      expect(campaign.body.ninthDigit).toBe(true);
      const off = await server.api().put('/v1/campaigns/strict/ninth-digit').set('authorization', tenant.auth('admin')).send({ enabled: false }).expect(200);
      expect(off.body.ninthDigit).toBe(false);
      await server.api().put('/v1/campaigns/c/ninth-digit').set('authorization', tenant.auth('dialer')).send({ enabled: false }).expect(403);
      const bad = await server.api().put('/v1/campaigns/c/ninth-digit').set('authorization', tenant.auth('admin')).send({ enabled: 'yes' }).expect(400);
      expect(bad.body.error.field).toBe('enabled');
    });
  });
});
