import http from 'node:http';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';
import { MAX_COLUMNS } from '../../server/services/mailingFilter/rowJudge';

/**
 * Issue 10, "authenticated exhaustion": what one dialer key could make an instance hold or chew on. Each case failed
 * on the code before the bound (the request was taken whole: 200), and is refused naming the bound now.
 */
const MAX_RECORD_BYTES = 4096;
const PHONE = '(11) 2345-6789';

describe('security: bounds on what one tenant can make the server hold', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let other: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({
      redis: false,
      env: { MAX_RECORD_BYTES: String(MAX_RECORD_BYTES), MAX_NEW_CAMPAIGNS_PER_BATCH: '3', MAX_CONCURRENT_MAILINGS_PER_TENANT: '1' },
    });
    tenant = await buildTenant(server);
    other = await buildTenant(server);
    await tenant.campaign('c', false);
    await other.campaign('c', false);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when the first NDJSON line is longer than MAX_RECORD_BYTES, then the mailing is refused with a 413 naming the line', async () => {
    const long = JSON.stringify({ telefone: PHONE, obs: 'x'.repeat(MAX_RECORD_BYTES) });
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', `${JSON.stringify({ telefone: PHONE })}\n${long}\n`, 'application/x-ndjson');
    expect(result.status).toBe(413);
    expect(result.error).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', field: 'body' } });
    expect(result.error!.error.message).toContain('line 2');
    expect(result.error!.error.message).toContain('MAX_RECORD_BYTES');
  });

  it('when a line without end keeps growing past MAX_RECORD_BYTES, then the refusal comes without the rest of the body', async () => {
    // No newline at all: the former reader held the whole body as one line (a 40 MB line: 74 s of CPU).
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', `{"telefone":"${PHONE}","obs":"${'y'.repeat(200_000)}`, 'application/x-ndjson');
    expect(result.status).toBe(413);
    expect(result.error!.error.message).toContain('line 1');
  });

  it('when a long NDJSON line comes after the answer started, then the summary carries the error naming the line', async () => {
    const rows = Array.from({ length: 5000 }, () => JSON.stringify({ telefone: PHONE })).join('\n');
    const long = JSON.stringify({ telefone: PHONE, obs: 'z'.repeat(MAX_RECORD_BYTES) });
    const result = await filterJsonMailing(server, tenant.auth('dialer'), 'c', `${rows}\n${long}\n`, 'application/x-ndjson');
    expect(result.status).toBe(200);
    const summary = result.lines[result.lines.length - 1]!.summary as { status: string; error?: { code: string; message: string } };
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(summary.error!.message).toContain('line 5001');
  });

  it('when a CSV record is longer than MAX_RECORD_BYTES, then the mailing is refused with a 413 naming its line', async () => {
    const csv = `nome;telefone\nAna;${PHONE}\n"${'q'.repeat(MAX_RECORD_BYTES)}";${PHONE}\n`;
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', csv);
    expect(result.status).toBe(413);
    const error = (result.summary as unknown as { error: { code: string; field: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: 'body' });
    expect(error.message).toContain('line 3');
  });

  it('when one outcome batch names more new campaigns than MAX_NEW_CAMPAIGNS_PER_BATCH, then only that many are registered and the rest are refused item by item', async () => {
    const fresh = await buildTenant(server);
    const outcomes = Array.from({ length: 6 }, (_v, i) => ({ callId: `new-${i}`, campaignId: `made-up-${i}`, phone: PHONE, code: 'sip:404' }));
    const result = await fresh.report(outcomes);
    expect(result.accepted).toBe(3);
    expect(result.rejected).toBe(3);
    for (const index of [3, 4, 5]) {
      expect(result.results[index]).toMatchObject({ status: 'rejected', error: { code: 'TOO_MANY_NEW_CAMPAIGNS', field: `outcomes[${index}].campaignId` } });
    }
    const listed = await server.api().get('/v1/campaigns').set('authorization', fresh.auth('dialer')).expect(200);
    expect((listed.body.campaigns as { externalId: string }[]).map((campaign) => campaign.externalId).sort()).toEqual(['made-up-0', 'made-up-1', 'made-up-2']);
    // Known campaigns never count against the bound: the next batch takes them, and three more new ones.
    const next = await fresh.report([...outcomes.slice(0, 3).map((outcome) => ({ ...outcome, callId: `again-${outcome.callId}` })), ...outcomes.slice(3)]);
    expect(next.accepted).toBe(6);
  });

  it('when a tenant already has MAX_CONCURRENT_MAILINGS_PER_TENANT mailings running, then another one gets 429 with Retry-After, and other tenants are not held', async () => {
    const url = new URL(server.url);
    const request = http.request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/v1/campaigns/c/mailings',
      headers: { authorization: tenant.auth('dialer'), 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
    });
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', resolve);
      request.on('error', reject);
    });
    // More than one batch of rows: the answer (a 200) starts, and the body stays open.
    request.write(`nome;telefone\n${`Ana;${PHONE}\n`.repeat(5000)}`);
    const running = await answered;
    expect(running.statusCode).toBe(200);
    running.resume();
    try {
      const refused = await server.api().post('/v1/campaigns/c/mailings').set('authorization', tenant.auth('dialer')).set('content-type', 'text/csv').send(`telefone\n${PHONE}\n`);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      const elsewhere = await filterCsvMailing(server, other.auth('dialer'), 'c', `telefone\n${PHONE}\n`);
      expect(elsewhere.status).toBe(200);
    } finally {
      request.end();
      await new Promise((resolve) => running.on('end', resolve));
    }
    // The slot is given back when the mailing ends.
    const after = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `telefone\n${PHONE}\n`);
    expect(after.status).toBe(200);
  });
});

describe('security: CSV headers of a hostile width (default limits)', () => {
  let server: TestServer;
  let tenant: BuiltTenant;

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
    await tenant.campaign('c', false);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when a CSV header has 100k columns, then the mailing is refused naming the limit of columns, before any name is classified', async () => {
    const header = Array.from({ length: 100_000 }, (_v, i) => `tel${i}`).join(';');
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `${header}\n${PHONE}\n`);
    expect(result.status).toBe(400);
    const error = (result.summary as unknown as { error: { code: string; field: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
    expect(error.message).toBe(`body: line 1: the header has 100000 columns, more than the limit of ${MAX_COLUMNS}`);
  });

  it('when a CSV header has 4,000 phone-named columns (under the column limit), then the mailing is refused naming the limit of phone columns', async () => {
    const header = Array.from({ length: 4_000 }, (_v, i) => `tel${i}`).join(';');
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `${header}\n${PHONE}\n`);
    expect(result.status).toBe(400);
    const error = (result.summary as unknown as { error: { code: string; field: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'phoneColumns' });
    expect(error.message).toContain('limit of 64');
    expect(error.message.length).toBeLessThan(2000);
  });

  it('when phoneColumns names more columns than the limit, then the mailing is refused naming it', async () => {
    const header = Array.from({ length: 65 }, (_v, i) => `tel${i}`);
    const result = await filterCsvMailing(server, tenant.auth('dialer'), 'c', `${header.join(';')}\n${PHONE}\n`, { phoneColumns: header.join(',') });
    expect(result.status).toBe(400);
    expect((result.summary as unknown as { error: { message: string } }).error.message).toContain('at most 64 phone columns');
  });
});
