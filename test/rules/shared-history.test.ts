import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';
import { probationVerdict } from '../../server/services/phoneClassifier';
import { splitPseudonym } from '../../server/services/statusTable';

const WEEK_MS = 7 * 86_400_000;

/**
 * The shared history as the pool sees it (server/domain/trust.ts, docs/rules.md), through the real server:
 * 10 counted marks from at least 2 tenants spanning a day put a number on the invalid list; 1–9 leave it
 * "não confirmado". Each tenant counts at most 5 marks on a number, 5 per rolling 24 h.
 */

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

  const counts = async (tenant: BuiltTenant, campaign: string, phones: string[]) =>
    (await filterCsvMailing(server, tenant.auth('dialer'), campaign, `telefone\n${phones.join('\n')}\n`)).summary.counts;

  /** A's 5 marks on N today and 4 on M, B's 5 marks on N a day later: N invalid, M unconfirmed. */
  async function twoTenantsMarkN() {
    await a.report([...invalidOutcomes('n-a', 'cobranca', N, 5), ...invalidOutcomes('m', 'cobranca', M, 4, 'q850:1')]);
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('n-b', 'vendas', N, 5));
  }

  it('when two tenants report 5 invalid outcomes each for N a day apart and one reports 4 for M, then a mailing loses N, with hygienized 2 = invalid 1 + unconfirmed 1', async () => {
    await twoTenantsMarkN();
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    const csv = `nome;telefone\nNina;${N}\nMario;${M}\nFabio;${FRESH}\n`;
    const result = await filterCsvMailing(server, c.auth('dialer'), 'terceira', csv);
    expect(result.status).toBe(200);
    expect(result.kept).toBe(`nome;telefone\nMario;${M}\nFabio;${FRESH}\n`);
    expect(result.summary.counts).toMatchObject({ totalRows: 3, keptRows: 2, droppedRows: 1, hygienized: 2, invalidPhones: 1, unconfirmedPhones: 1, malformedPhones: 0 });
  });

  it('when a tenant past its benefit of the doubt has its marks corroborated by another tenant, then the verdicts of that very batch count them', async () => {
    // 10 numbers × 5 marks: 50 weight from A that nobody has corroborated yet (A weighs nothing until somebody does).
    const phones = Array.from({ length: 10 }, (_v, i) => `55419${String(80_000_000 + i)}`);
    await a.report(phones.flatMap((phone, i) => invalidOutcomes(`a-${i}`, 'cobranca', phone, 5)));
    server.clock.advanceDays(1);
    await b.report(phones.flatMap((phone, i) => invalidOutcomes(`b-${i}`, 'vendas', phone, 5)));
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    expect(await counts(c, 'terceira', phones)).toMatchObject({ invalidPhones: 10, keptRows: 0 });
  });

  it('when the same outcomes are sent again, then nothing changes: every item is a duplicate and the counts stay', async () => {
    await twoTenantsMarkN();
    const again = await a.report([...invalidOutcomes('n-a', 'cobranca', N, 5), ...invalidOutcomes('m', 'cobranca', M, 4, 'q850:1')]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 9, rejected: 0 });
    const campaign = await server.api().get('/v1/campaigns/cobranca').set('authorization', a.auth('admin')).expect(200);
    expect(campaign.body.reported).toEqual({ invalid: 9, contact: 0, neutral: 0 });
    expect(await counts(b, 'vendas', [N, M])).toMatchObject({ invalidPhones: 1, unconfirmedPhones: 1 });
  });

  it('when two tenants report within the same hour, then the number is only unconfirmed until their evidence spans a day', async () => {
    await a.report(invalidOutcomes('a', 'cobranca', N, 5));
    server.clock.advanceMs(30 * 60_000);
    await b.report(invalidOutcomes('b', 'vendas', N, 5));
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ invalidPhones: 0, unconfirmedPhones: 1 });
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('b-later', 'vendas', N, 1));
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ invalidPhones: 1, droppedRows: 1 });
  });

  it('when the pool has marks from one tenant only, then a check by another tenant answers clean: "não confirmado" shows only in mailing counts', async () => {
    await a.report(invalidOutcomes('a', 'cobranca', M, 3));
    const check = await server.api().post('/v1/numbers/check').set('authorization', b.auth('dialer')).send({ phones: [M] }).expect(200);
    expect(check.body).toEqual({ results: [{ status: 'clean' }] });
    expect(await counts(b, 'vendas', [M])).toMatchObject({ unconfirmedPhones: 1, keptRows: 1 });
  });

  it('when the reporting tenant reaches a number, then its own marks are cleared at once', async () => {
    await a.report(invalidOutcomes('a', 'cobranca', N, 3));
    await a.report([{ callId: 'human', campaignId: 'cobranca', phone: N, code: 'sip:200' }]);
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 0, status: 0, invalidReports: 3, contactReports: 1 });
  });

  it('when contacts from two tenants reach an invalid number, then it is dialed again by everybody (recovery)', async () => {
    await twoTenantsMarkN();
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    const d = await buildTenant(server);
    await d.campaign('quarta', true);
    await c.report([{ callId: 'human-c', campaignId: 'terceira', phone: N, code: 'sip:200' }]);
    await d.report([{ callId: 'human-d', campaignId: 'quarta', phone: N, code: 'sip:200' }]);
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 0, hygienized: 0 });
  });

  it('when invalid marks in a batch come after its last contact, then only those count after the reset', async () => {
    const t0 = Date.parse('2026-11-20T12:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    await a.report([
      { callId: 'x1', campaignId: 'cobranca', phone: N, code: 'sip:404', occurredAt: at(0) },
      { callId: 'x2', campaignId: 'cobranca', phone: N, code: 'sip:200', occurredAt: at(1) },
      { callId: 'x3', campaignId: 'cobranca', phone: N, code: 'sip:404', occurredAt: at(2) },
    ]);
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 1, status: 1, invalidReports: 2, contactReports: 1 });
  });

  it('when an agent tabulates "número inexistente", then it weighs half a carrier\'s permanent answer', async () => {
    await a.report(invalidOutcomes('agent', 'cobranca', N, 4, 'número inexistente'));
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 2, status: 1, invalidReports: 4 });
  });

  it('when the evidence is older than the 180-day quarantine, then the number goes on probation, and contacts from two tenants then clear it', async () => {
    await twoTenantsMarkN();
    server.clock.advanceDays(182);
    const report = await server.services.maintenance.run();
    expect(report.transitioned).toBe(2); // N to probation, M back to clean
    const row = await server.db.prisma.numberHistory.findFirstOrThrow({ where: { status: 3 } });
    expect(row.probationUntilMs).toBeGreaterThan(0);
    // On probation a number is let through in some weeks and not in others: find one of each for N and check both.
    const { lo } = splitPseudonym(row.pseudonym);
    const probationStart = server.clock.now().getTime();
    const thisWeek = Math.floor(probationStart / WEEK_MS);
    const weeks = Array.from({ length: 20 }, (_v, i) => thisWeek + i);
    const open = weeks.find((week) => probationVerdict(lo, week) === 1)!;
    const closed = weeks.find((week) => probationVerdict(lo, week) === 2)!;
    for (const [week, kept] of [[open, 1], [closed, 0]] as const) {
      server.clock.advanceMs(week * WEEK_MS + WEEK_MS / 2 - server.clock.now().getTime());
      expect(await counts(a, 'cobranca', [N])).toMatchObject({ keptRows: kept });
    }
    server.clock.advanceMs(probationStart + 86_400_000 - server.clock.now().getTime());
    // One contact brings it back for the tenant that made it; the pool needs a second tenant's (an adversary's
    // fake contact alone cannot rescue a dead number from probation).
    await a.report([{ callId: 'probation-contact', campaignId: 'cobranca', phone: N, code: 'sip:200' }]);
    expect(await server.db.prisma.numberHistory.count({ where: { status: 3 } })).toBe(1);
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 0 });
    await b.report([{ callId: 'probation-contact-b', campaignId: 'vendas', phone: N, code: 'sip:200' }]);
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    expect(await counts(c, 'terceira', [N])).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 0 });
    expect(await server.db.prisma.numberHistory.count({ where: { status: 0, reassignedAtMs: { gt: 0 } } })).toBe(1);
  });

  it('when a number on probation gets permanent answers from two tenants, then it goes back to the invalid list with a strike (a longer quarantine)', async () => {
    await twoTenantsMarkN();
    server.clock.advanceDays(182);
    await server.services.maintenance.run();
    await a.report(invalidOutcomes('again-a', 'cobranca', N, 1));
    expect(await server.db.prisma.numberHistory.count({ where: { status: 3 } })).toBe(1); // one tenant alone cannot
    await b.report(invalidOutcomes('again-b', 'vendas', N, 1));
    expect(await server.db.prisma.numberHistory.findFirstOrThrow({ where: { strikes: 1 } })).toMatchObject({ status: 2 });
  });

  it('when a tenant alone reports 10 invalid tabulations for a number, then it leaves that tenant\'s own mailings (its single-tenant rule) and nobody else\'s, and the counts say so', async () => {
    await a.report(invalidOutcomes('own', 'cobranca', N, 10));
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ invalidPhones: 1, droppedRows: 1 });
    expect(await counts(b, 'vendas', [N])).toMatchObject({ invalidPhones: 0, unconfirmedPhones: 1, keptRows: 1 });
    const why = await server.api().post('/v1/numbers/explain').set('authorization', a.auth('dialer')).send({ phone: N }).expect(200);
    expect(why.body).toMatchObject({ removed: true, status: 'invalid', by: 'own', distinctTenants: 1 });
  });

  it('when a tenant reaches a number the pool holds invalid, then that tenant dials it again while the others still do not', async () => {
    await twoTenantsMarkN();
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    await c.report([{ callId: 'reached', campaignId: 'terceira', phone: N, code: 'sip:200' }]);
    expect(await counts(c, 'terceira', [N])).toMatchObject({ keptRows: 1, invalidPhones: 0 });
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ keptRows: 0, invalidPhones: 1 });
  });

  it('when a tenant asks why a number left its mailing and contests it, then it sees counts without identities and the number goes on probation for it alone, audited', async () => {
    await twoTenantsMarkN();
    const c = await buildTenant(server);
    await c.campaign('terceira', true);
    const why = await server.api().post('/v1/numbers/explain').set('authorization', c.auth('dialer')).send({ phone: N }).expect(200);
    expect(why.body).toEqual({
      removed: true,
      status: 'invalid',
      by: 'pool',
      countedMarks: 10,
      distinctTenants: 2,
      distinctDays: 2,
      lastSeenAt: expect.any(String),
      expiresAt: expect.any(String),
      possiblyReassigned: false,
      contested: false,
    });
    expect(JSON.stringify(why.body)).not.toMatch(new RegExp(`${a.id}|${b.id}|${a.slug}|${b.slug}`));
    await server.api().post('/v1/numbers/contest').set('authorization', c.auth('dialer')).send({ phone: N, reason: 'o devedor atendeu neste número' }).expect(403);
    await server.api().post('/v1/numbers/contest').set('authorization', c.auth('admin')).send({ phone: N, reason: 'o devedor atendeu neste número' }).expect(200);
    const after = await server.api().post('/v1/numbers/explain').set('authorization', c.auth('dialer')).send({ phone: N }).expect(200);
    expect(after.body).toMatchObject({ removed: true, status: 'probation', contested: true });
    expect(await server.db.prisma.auditEvent.count({ where: { action: 'number.contested', tenantId: c.id } })).toBe(1);
    // The others' view is unchanged.
    expect(await counts(a, 'cobranca', [N])).toMatchObject({ invalidPhones: 1 });
  });

  it('when a number was cleared and nothing new came for a quarantine, then maintenance deletes its evidence and its row (retention)', async () => {
    await a.report(invalidOutcomes('a', 'cobranca', N, 3));
    await a.report([{ callId: 'reached', campaignId: 'cobranca', phone: N, code: 'sip:200' }]);
    expect(await server.db.prisma.numberHistory.count()).toBe(1);
    server.clock.advanceDays(31);
    expect((await server.services.maintenance.run()).retired).toBe(0); // evidence (a recent contact) still there
    server.clock.advanceDays(181);
    const report = await server.services.maintenance.run();
    expect(report).toMatchObject({ evidencePruned: 1, retired: 1 });
    expect(await server.db.prisma.numberHistory.count()).toBe(0);
    expect(await server.db.prisma.numberEvidence.count()).toBe(0);
  });

  it('when a campaign has hygiene off, then its outcomes do not contribute and its mailings pass through untouched', async () => {
    await a.campaign('sem-higiene', false);
    const result = await a.report(invalidOutcomes('off', 'sem-higiene', N, 10));
    expect(result.results.every((item) => item.status === 'accepted' && item.contributed === false)).toBe(true);
    expect(await server.db.prisma.numberHistory.count()).toBe(0);

    await twoTenantsMarkN();
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
});
