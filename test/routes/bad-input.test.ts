import type { Response } from 'supertest';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { expectError } from '../support/errors';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';

/**
 * Issue 2, done-when 7: bad input gets a 4xx with a code and the field, in the one error shape, and nothing else
 * in the request is lost (a bad item of a batch costs only that item; a bad row of a mailing only that row).
 */
describe('bad input', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  const api = () => server.api();

  beforeAll(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    await tenant.campaign('cobranca', true);
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('mailings', () => {
    const post = (body: string, contentType: string | undefined, query: Record<string, string> = {}) => {
      let request = api().post('/v1/campaigns/cobranca/mailings').query(query).set('authorization', tenant.auth('dialer'));
      if (contentType) request = request.set('content-type', contentType);
      return request.send(body);
    };

    it('when a CSV has an unterminated quote, then 400 INVALID_CSV names the body and the line, and no mailing is recorded', async () => {
      const before = await server.db.prisma.mailing.count({ where: { tenantId: tenant.id } });
      const response = await post('nome;telefone\nAna;11987654321\n"Bia;21345678901\nCaio;11912345678\n', 'text/csv');
      const error = expectError(response, 400, 'INVALID_CSV', 'body');
      expect(error.message).toMatch(/line 3/);
      expect(await server.db.prisma.mailing.count({ where: { tenantId: tenant.id } })).toBe(before);
    });

    it('when a CSV header has an unterminated quote, then 400 INVALID_CSV with line 1', async () => {
      const error = expectError(await post('"nome;telefone\nAna;11987654321\n', 'text/csv'), 400, 'INVALID_CSV', 'body');
      expect(error.message).toMatch(/line 1/);
    });

    it('when a CSV has no phone column, then 400 VALIDATION_FAILED on phoneColumns listing the columns', async () => {
      const error = expectError(await post('nome;cidade\nAna;Recife\n', 'text/csv'), 400, 'VALIDATION_FAILED', 'phoneColumns');
      expect(error.message).toMatch(/nome, cidade/);
    });

    it('when phoneColumns names a column the CSV does not have, then 400 VALIDATION_FAILED on phoneColumns naming it', async () => {
      const error = expectError(await post('nome;telefone\nAna;11987654321\n', 'text/csv', { phoneColumns: 'telefone,fone2' }), 400, 'VALIDATION_FAILED', 'phoneColumns');
      expect(error.message).toMatch(/"fone2"/);
    });

    it('when phoneColumns names a key the JSON contacts lack, then each such contact comes back apart with NO_PHONE (JSON keys may vary per contact) and none is lost', async () => {
      const body = JSON.stringify([{ nome: 'Ana', telefone: '11987654321' }, { nome: 'Bia', celular: '11912345678' }]);
      const result = await filterJsonMailing(server, tenant.auth('dialer'), 'cobranca', body, 'application/json', { phoneColumns: 'celular' });
      expect(result.status).toBe(200);
      expect(result.lines.slice(0, 2)).toEqual([
        { malformed: { nome: 'Ana', telefone: '11987654321' }, reasons: [expect.objectContaining({ code: 'NO_PHONE' })] },
        { kept: { nome: 'Bia', celular: '11912345678' } },
      ]);
    });

    it('when a later NDJSON line is not JSON, then 400 INVALID_JSON naming that line, and no mailing is recorded', async () => {
      const before = await server.db.prisma.mailing.count({ where: { tenantId: tenant.id } });
      const error = expectError(await post('{"telefone":"11987654321"}\n{"telefone": 11912345678 x}\n', 'application/x-ndjson'), 400, 'INVALID_JSON', 'body');
      expect(error.message).toMatch(/line 2/);
      expect(await server.db.prisma.mailing.count({ where: { tenantId: tenant.id } })).toBe(before);
    });

    it('when a large CSV breaks after its answer has started streaming, then the summary carries INVALID_CSV with the line and the mailing is marked failed', async () => {
      const rows = Array.from({ length: 5000 }, (_v, i) => `Contato ${i};(11) 9${String(1000_0000 + i)}`);
      const csv = ['nome;telefone', ...rows, '"Quebrado;11987654321', 'Depois;11912345678'].join('\n') + '\n';
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'cobranca', csv);
      expect(result.status).toBe(200);
      expect(result.summary).toMatchObject({ status: 'failed', error: { code: 'INVALID_CSV', field: 'body' } });
      expect(result.summary.error!.message).toMatch(/line 5002/);
      const stored = await api().get(`/v1/mailings/${result.summary.id}`).set('authorization', tenant.auth('admin')).expect(200);
      expect(stored.body.status).toBe('failed');
    });

    it('when a mailing body is empty, then 400 in each format (CSV: header required; JSON: invalid JSON; NDJSON: no contacts)', async () => {
      expect(expectError(await post('', 'text/csv'), 400, 'INVALID_CSV', 'body').message).toMatch(/empty/);
      expectError(await post('', 'application/json'), 400, 'INVALID_JSON', 'body');
      expectError(await post('', 'application/x-ndjson'), 400, 'VALIDATION_FAILED', 'body');
      expectError(await post('{"not":"contacts"}', 'application/json'), 400, 'VALIDATION_FAILED', 'body');
    });

    it('when the first NDJSON line is not JSON, then 400 INVALID_JSON naming the line', async () => {
      const error = expectError(await post('{"telefone": "11987654321"\n', 'application/x-ndjson'), 400, 'INVALID_JSON', 'body');
      expect(error.message).toMatch(/line 1/);
    });

    it('when the content type is not CSV, NDJSON or JSON, then 415 UNSUPPORTED_MEDIA_TYPE on content-type', async () => {
      expectError(await post('telefone\n11987654321\n', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type');
      expectError(await post('telefone\n11987654321\n', undefined), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-type');
    });

    it('when some rows have malformed phones, then only those rows come back apart with their reason and every other row is kept', async () => {
      const csv = 'nome;telefone;celular\nAna;(11) 3456-7890;11987654321\nBia;12345;\nCaio;;11912345678\nDani;;\n';
      const result = await filterCsvMailing(server, tenant.auth('dialer'), 'cobranca', csv);
      expect(result.status).toBe(200);
      expect(result.kept).toBe('nome;telefone;celular\nAna;(11) 3456-7890;11987654321\nCaio;;11912345678\n');
      const malformed = result.malformed.split('\n').filter(Boolean);
      expect(malformed[0]).toBe('nome;telefone;celular;hygiene_error');
      expect(malformed[1]).toMatch(/^Bia;12345;;.*linha 3: telefone: TOO_SHORT/);
      expect(malformed[2]).toMatch(/^Dani;;;.*linha 5: \*: NO_PHONE/);
      expect(result.summary.counts).toMatchObject({ totalRows: 4, keptRows: 2, malformedRows: 2, malformedPhones: 1 });
    });

    it('when a JSON contact is not an object or has a malformed phone, then it comes back apart with its reason and the others are kept', async () => {
      const result = await filterJsonMailing(server, tenant.auth('dialer'), 'cobranca', JSON.stringify([{ nome: 'Ana', telefone: '11987654321' }, 'oops', { nome: 'Bia', telefone: 'abc' }]), 'application/json');
      expect(result.status).toBe(200);
      expect(result.lines[0]).toEqual({ kept: { nome: 'Ana', telefone: '11987654321' } });
      expect(result.lines[1]).toMatchObject({ malformed: 'oops', reasons: [{ code: 'NOT_AN_OBJECT' }] });
      expect(result.lines[2]).toMatchObject({ malformed: { nome: 'Bia' }, reasons: [{ column: 'telefone', code: 'INVALID_CHARACTERS' }] });
      expect(result.lines[3]).toMatchObject({ summary: { counts: { totalRows: 3, keptRows: 1, malformedRows: 2 } } });
    });
  });

  describe('outcomes', () => {
    const report = (body: unknown) => api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send(body as object);
    const reported = async () => (await api().get('/v1/campaigns/cobranca').set('authorization', tenant.auth('admin')).expect(200)).body.reported as Record<string, number>;

    it('when one item has a bad phone, an unknown code or wrong types, then only that item is rejected with its code and field, and the others are accepted and counted', async () => {
      const before = await reported();
      const response = await report({
        outcomes: [
          { callId: 'ok-1', campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404' },
          { callId: 'bad-phone', campaignId: 'cobranca', phone: '(11) 98765-432', code: 'sip:404' },
          { callId: 'bad-code', campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'não existe esse código' },
          { callId: { nested: true }, campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404' },
          { campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404' },
          { callId: 'bad-date', campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404', occurredAt: 'yesterday' },
          'not an object',
          { callId: 'ok-2', campaignId: 'cobranca', phone: '21 3456-7890', code: 'sip:200' },
        ],
      }).expect(200);
      expect(response.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 6 });
      const errors = (response.body.results as { status: string; error?: { code: string; field: string } }[]).map((result) => result.error ?? result.status);
      expect(errors).toEqual([
        'accepted',
        expect.objectContaining({ code: 'INVALID_PHONE', field: 'outcomes[1].phone' }),
        expect.objectContaining({ code: 'UNKNOWN_TABULATION', field: 'outcomes[2].code' }),
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes[3].callId' }),
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes[4].callId' }),
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes[5].occurredAt' }),
        expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'outcomes[6].' }),
        'accepted',
      ]);
      expect(await reported()).toEqual({ invalid: before.invalid! + 1, contact: before.contact! + 1, neutral: before.neutral });
      // The rejected ones were not recorded: fixed and sent again, they are accepted (not duplicates).
      const retry = await report({ outcomes: [{ callId: 'bad-phone', campaignId: 'cobranca', phone: '(11) 98765-4322', code: 'sip:404' }, { callId: 'bad-code', campaignId: 'cobranca', phone: '(11) 98765-4321', code: 'sip:404' }] }).expect(200);
      expect(retry.body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
    });

    it('when outcomes is not an array, is empty, or the body is not an object, then 400 VALIDATION_FAILED on the field', async () => {
      expectError(await report({ outcomes: { callId: 'x' } }), 400, 'VALIDATION_FAILED', 'outcomes');
      expectError(await report({ outcomes: [] }), 400, 'VALIDATION_FAILED', 'outcomes');
      expectError(await report({}), 400, 'VALIDATION_FAILED', 'outcomes');
      expectError(await report([{ callId: 'x' }]), 400, 'VALIDATION_FAILED', 'body');
    });

    it('when the body is empty, then 400 naming the missing outcomes', async () => {
      const response = await api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).set('content-type', 'application/json');
      expectError(response, 400, 'VALIDATION_FAILED', 'outcomes');
    });

    it('when the body is not valid JSON, then 400 INVALID_JSON on body', async () => {
      const response = await api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).set('content-type', 'application/json').send('{"outcomes": [');
      expectError(response, 400, 'INVALID_JSON', 'body');
      // Whatever the content type says, the body is read as JSON: a form body is an INVALID_JSON too, not a silent {}.
      const form = await api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).set('content-type', 'application/x-www-form-urlencoded').send('outcomes=1');
      expectError(form, 400, 'INVALID_JSON', 'body');
    });
  });

  describe('other routes: wrong types get VALIDATION_FAILED with the field', () => {
    const cases: [string, (credential: { admin: string; dialer: string }) => Promise<Response>, string][] = [
      ['hygiene enabled as "yes"', (c) => api().put('/v1/campaigns/cobranca/hygiene').set('authorization', c.admin).send({ enabled: 'yes' }), 'enabled'],
      ['hygiene without enabled', (c) => api().put('/v1/campaigns/cobranca/hygiene').set('authorization', c.admin).send({}), 'enabled'],
      ['campaign id as a number', (c) => api().post('/v1/campaigns').set('authorization', c.dialer).send({ id: 42 }), 'id'],
      ['campaign id too long', (c) => api().post('/v1/campaigns').set('authorization', c.dialer).send({ id: 'x'.repeat(201) }), 'id'],
      ['tabulation outcome not canonical', (c) => api().put('/v1/tabulations/meu-codigo').set('authorization', c.admin).send({ outcome: 'maybe' }), 'outcome'],
      ['numbers to check not an array', (c) => api().post('/v1/numbers/check').set('authorization', c.dialer).send({ phones: '11987654321' }), 'phones'],
      ['a number to check not a string', (c) => api().post('/v1/numbers/check').set('authorization', c.dialer).send({ phones: [11987654321] }), 'phones.0'],
      ['watch tokens of an empty list', (c) => api().post('/v1/watch-tokens').set('authorization', c.dialer).send({ phones: [] }), 'phones'],
      ['stats days not a number', (c) => api().get('/v1/stats/daily').query({ days: 'abc' }).set('authorization', c.admin), 'days'],
      ['dialer key id not a uuid', (c) => api().delete('/v1/dialer-keys/not-a-uuid').set('authorization', c.admin), 'keyId'],
      ['dialer key without a name', (c) => api().post('/v1/dialer-keys').set('authorization', c.admin).send({}), 'name'],
      ['withdraw without a phone', (c) => api().post('/v1/privacy/withdraw').set('authorization', c.admin).send({ phone: 5511987654321 }), 'phone'],
      ['login with a bad email', () => api().post('/v1/auth/login').send({ email: 'not-an-email', password: 'x' }), 'email'],
      ['mailing name empty', (c) => api().post('/v1/campaigns/cobranca/mailings').query({ name: ' ' }).set('authorization', c.dialer).set('content-type', 'text/csv').send('telefone\n11987654321\n'), 'name'],
    ];

    it.each(cases)('when %s, then 400 VALIDATION_FAILED naming the field', async (_name, call, field) => {
      expectError(await call({ admin: tenant.auth('admin'), dialer: tenant.auth('dialer') }), 400, 'VALIDATION_FAILED', field);
    });

    it('when a hygiene switch was refused, then the campaign is unchanged', async () => {
      const campaign = await api().get('/v1/campaigns/cobranca').set('authorization', tenant.auth('admin')).expect(200);
      expect(campaign.body.hygieneEnabled).toBe(true);
    });
  });

  describe('routes and error shape', () => {
    it('when a route does not exist, then 404 NOT_FOUND with or without a credential', async () => {
      expect(expectError(await api().get('/v1/nope'), 404, 'NOT_FOUND').message).toMatch(/GET \/v1\/nope/);
      expectError(await api().delete('/v1/campaigns').set('authorization', tenant.auth('admin')), 404, 'NOT_FOUND');
    });

    it('when the client sends X-Request-Id, then the error echoes it in the body and the header; otherwise one is made', async () => {
      const given = await api().put('/v1/campaigns/cobranca/hygiene').set('authorization', tenant.auth('admin')).set('x-request-id', 'dialer-42.retry-1').send({ enabled: 'yes' });
      expect(given.headers['x-request-id']).toBe('dialer-42.retry-1');
      expect(expectError(given, 400, 'VALIDATION_FAILED', 'enabled').requestId).toBe('dialer-42.retry-1');
      const made = await api().get('/v1/nope').set('x-request-id', 'bad id with spaces');
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expectError(made, 404, 'NOT_FOUND');
    });
  });

  describe('size limits', () => {
    let small: TestServer;
    let smallTenant: BuiltTenant;

    beforeAll(async () => {
      small = await startTestServer({ env: { MAX_JSON_BODY_BYTES: '1024', MAX_MAILING_BYTES: '2048', MAX_BATCH_SIZE: '5' } });
      smallTenant = await buildTenant(small);
      await smallTenant.campaign('c', true);
    });

    afterAll(async () => {
      await small.stop();
    });

    it('when a JSON body is over MAX_JSON_BODY_BYTES, then 413 PAYLOAD_TOO_LARGE on body and nothing of it is recorded', async () => {
      const outcomes = Array.from({ length: 4 }, (_v, i) => ({ callId: `big-${i}`, campaignId: 'c', phone: '11987654321', code: 'sip:404', note: 'x'.repeat(300) }));
      const response = await small.api().post('/v1/outcomes').set('authorization', smallTenant.auth('dialer')).send({ outcomes });
      expectError(response, 413, 'PAYLOAD_TOO_LARGE', 'body');
      expect(await small.db.prisma.callReceipt.count()).toBe(0);
    });

    it('when a batch has more than MAX_BATCH_SIZE outcomes, then 413 BATCH_TOO_LARGE on outcomes naming the limit', async () => {
      const outcomes = Array.from({ length: 6 }, (_v, i) => ({ callId: `n-${i}`, campaignId: 'c', phone: '11987654321', code: 'sip:404' }));
      const error = expectError(await small.api().post('/v1/outcomes').set('authorization', smallTenant.auth('dialer')).send({ outcomes }), 413, 'BATCH_TOO_LARGE', 'outcomes');
      expect(error.message).toMatch(/at most 5/);
    });

    it('when a CSV mailing is over MAX_MAILING_BYTES, then 413 PAYLOAD_TOO_LARGE on body and no mailing is recorded', async () => {
      const csv = 'nome;telefone\n' + Array.from({ length: 200 }, (_v, i) => `Contato ${i};(11) 9${String(1000_0000 + i)}\n`).join('');
      const response = await small.api().post('/v1/campaigns/c/mailings').set('authorization', smallTenant.auth('dialer')).set('content-type', 'text/csv').send(csv);
      expectError(response, 413, 'PAYLOAD_TOO_LARGE', 'body');
      expect(await small.db.prisma.mailing.count()).toBe(0);
    });

    it('when a JSON mailing is over MAX_JSON_BODY_BYTES, then 413 PAYLOAD_TOO_LARGE', async () => {
      const contacts = Array.from({ length: 60 }, (_v, i) => ({ nome: `Contato ${i}`, telefone: `(11) 9${String(1000_0000 + i)}` }));
      const response = await small.api().post('/v1/campaigns/c/mailings').set('authorization', smallTenant.auth('dialer')).set('content-type', 'application/json').send(JSON.stringify(contacts));
      expectError(response, 413, 'PAYLOAD_TOO_LARGE', 'body');
    });

    it('when a body is within the limits, then it goes through (control)', async () => {
      const result = await filterCsvMailing(small, smallTenant.auth('dialer'), 'c', 'telefone\n(11) 91234-5678\n');
      expect(result.status).toBe(200);
    });
  });
});
