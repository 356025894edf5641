import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';

const N = '(11) 98765-4321';
const M = '+55 21 3456-7890';
const FRESH = '11 2345-6789';

describe('shared history across tenants', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;

  beforeEach(async () => {
    server = await startTestServer();
    a = await buildTenant(server);
    b = await buildTenant(server);
    await a.campaign('cobranca', true);
    await b.campaign('vendas', true);
  });

  afterEach(async () => {
    await server.stop();
  });

  /** A's 10 marks on N over two days (the daily cap counts 5 a day) and 4 on M. */
  async function tenantAMarksNAndM() {
    await a.report(invalidOutcomes('n-day1', 'cobranca', N, 5));
    server.clock.advanceDays(1);
    await a.report([...invalidOutcomes('n-day2', 'cobranca', N, 5), ...invalidOutcomes('m', 'cobranca', M, 4, 'q850:1')]);
  }

  it('when tenant A reports 10 invalid outcomes for N and 4 for M, then B gets its mailing back without N, with hygienized 2 = invalid 1 + unconfirmed 1', async () => {
    await tenantAMarksNAndM();
    const csv = `nome;telefone\nNina;${N}\nMario;${M}\nFabio;${FRESH}\n`;
    const result = await filterCsvMailing(server, b.auth('dialer'), 'vendas', csv);

    expect(result.status).toBe(200);
    expect(result.kept).toBe(`nome;telefone\nMario;${M}\nFabio;${FRESH}\n`);
    expect(result.summary.counts).toMatchObject({ totalRows: 3, keptRows: 2, droppedRows: 1, hygienized: 2, invalidPhones: 1, unconfirmedPhones: 1, malformedPhones: 0 });
  });

  it('when the same outcomes are sent again, then nothing changes: every item is a duplicate and the counts stay', async () => {
    await tenantAMarksNAndM();
    const again = await a.report([...invalidOutcomes('n-day1', 'cobranca', N, 5), ...invalidOutcomes('n-day2', 'cobranca', N, 5), ...invalidOutcomes('m', 'cobranca', M, 4, 'q850:1')]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 14, rejected: 0 });

    const campaign = await server.api().get('/v1/campaigns/cobranca').set('authorization', a.auth('admin')).expect(200);
    expect(campaign.body.reported).toEqual({ invalid: 14, contact: 0, neutral: 0 });
    const result = await filterCsvMailing(server, b.auth('dialer'), 'vendas', `telefone\n${N}\n${M}\n`);
    expect(result.summary.counts).toMatchObject({ invalidPhones: 1, unconfirmedPhones: 1 });
  });

  it('when one tenant sends 50 invalid outcomes for a number in one day, then only 5 count and the number stays unconfirmed (abuse cap)', async () => {
    await a.report(invalidOutcomes('burst', 'cobranca', N, 50));
    const result = await filterCsvMailing(server, b.auth('dialer'), 'vendas', `telefone\n${N}\n`);
    expect(result.summary.counts).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 1 });
    const row = await server.db.prisma.numberHistory.findFirstOrThrow();
    expect(row).toMatchObject({ invalidScore: 5, invalidReports: 50, status: 1 });
  });

  it('when two tenants each report 5 invalid outcomes on the same day, then the number reaches the invalid list', async () => {
    await b.campaign('outra', true);
    await a.report(invalidOutcomes('a', 'cobranca', N, 5));
    await b.report(invalidOutcomes('b', 'outra', N, 5));
    const result = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', `telefone\n${N}\n`);
    expect(result.summary.counts).toMatchObject({ keptRows: 0, droppedRows: 1, invalidPhones: 1 });
  });

  it('when a human answers an invalid number, then its marks reset and it is dialed again (recovery)', async () => {
    await tenantAMarksNAndM();
    await b.report([{ callId: 'human', campaignId: 'vendas', phone: N, code: 'sip:200' }]);
    const result = await filterCsvMailing(server, a.auth('dialer'), 'cobranca', `telefone\n${N}\n`);
    expect(result.summary.counts).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 0, hygienized: 0 });
  });

  it('when invalid marks in a batch come after its last contact, then only those count after the reset', async () => {
    const t0 = Date.parse('2026-11-20T12:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    await a.report([
      { callId: 'x1', campaignId: 'cobranca', phone: N, code: 'sip:404', occurredAt: at(0) },
      { callId: 'x2', campaignId: 'cobranca', phone: N, code: 'sip:200', occurredAt: at(1) },
      { callId: 'x3', campaignId: 'cobranca', phone: N, code: 'sip:404', occurredAt: at(2) },
    ]);
    const row = await server.db.prisma.numberHistory.findFirstOrThrow();
    expect(row).toMatchObject({ invalidScore: 1, status: 1, invalidReports: 2, contactReports: 1 });
  });

  it('when no invalid mark counts for 90 days, then the number leaves the invalid list (expiry)', async () => {
    await tenantAMarksNAndM();
    server.clock.advanceDays(91);
    const report = await server.services.maintenance.run();
    expect(report.expired).toBe(2);
    const result = await filterCsvMailing(server, b.auth('dialer'), 'vendas', `telefone\n${N}\n${M}\n`);
    expect(result.summary.counts).toMatchObject({ keptRows: 2, invalidPhones: 0, unconfirmedPhones: 0 });
  });

  it('when old marks have expired, then a new mark starts the count again from one', async () => {
    await tenantAMarksNAndM();
    server.clock.advanceDays(91);
    await a.report(invalidOutcomes('later', 'cobranca', N, 1));
    const result = await filterCsvMailing(server, b.auth('dialer'), 'vendas', `telefone\n${N}\n`);
    expect(result.summary.counts).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 1 });
  });

  it('when a campaign has hygiene off, then its outcomes do not contribute and its mailings pass through untouched', async () => {
    await a.campaign('sem-higiene', false);
    const result = await a.report(invalidOutcomes('off', 'sem-higiene', N, 10));
    expect(result.results.every((item) => item.status === 'accepted' && item.contributed === false)).toBe(true);
    expect(await server.db.prisma.numberHistory.count()).toBe(0);

    await tenantAMarksNAndM();
    const csv = `nome;telefone\nNina;${N}\nMal;abc\n`;
    const filtered = await filterCsvMailing(server, a.auth('dialer'), 'sem-higiene', csv);
    expect(filtered.headers['x-hygiene-applied']).toBe('false');
    expect(filtered.kept).toBe(csv);
    expect(filtered.malformed).toBe('');
    expect(filtered.summary).toMatchObject({ hygieneApplied: false, counts: { totalRows: 2, keptRows: 2, hygienized: 0 } });
  });

  it('when only neutral outcomes and contacts arrive for numbers without marks, then the history stays empty and the campaign tallies count every one once', async () => {
    await a.report([
      { callId: 'n1', campaignId: 'cobranca', phone: N, code: 'sip:486' },
      { callId: 'n2', campaignId: 'cobranca', phone: M, code: 'q850:18' },
      { callId: 'n3', campaignId: 'cobranca', phone: FRESH, code: 'sip:200' },
    ]);
    expect(await server.db.prisma.numberHistory.count()).toBe(0);
    const campaign = await server.api().get('/v1/campaigns/cobranca').set('authorization', a.auth('admin')).expect(200);
    expect(campaign.body.reported).toEqual({ invalid: 0, contact: 1, neutral: 2 });
  });

  it('when a number with marks gets neutral outcomes, then its score does not move', async () => {
    await a.report(invalidOutcomes('mark', 'cobranca', N, 3));
    await b.report([{ callId: 'busy', campaignId: 'vendas', phone: N, code: 'sip:486' }]);
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 3, status: 1, contactReports: 0 });
  });

  it('when the threshold is configured lower, then fewer marks invalidate a number', async () => {
    await server.stop();
    server = await startTestServer({ env: { INVALID_THRESHOLD: '3', TENANT_DAILY_INVALID_CAP: '3' } });
    a = await buildTenant(server);
    await a.campaign('c', true);
    await a.report(invalidOutcomes('low', 'c', N, 3));
    const result = await filterCsvMailing(server, a.auth('dialer'), 'c', `telefone\n${N}\n`);
    expect(result.summary.counts).toMatchObject({ invalidPhones: 1, droppedRows: 1 });
  });
});
