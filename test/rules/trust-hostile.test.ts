import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';

/**
 * Issue 9, tried as a hostile tenant would: each attack below worked against the pool before the trust model
 * (server/domain/trust.ts) and must now fail to reach any other tenant.
 */

const N = '(11) 98765-4321';
const BUDGET = 200_000;

describe('a hostile tenant against the shared history', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  let adversary: BuiltTenant;
  let victim: BuiltTenant;

  beforeEach(async () => {
    server = await startTestServer({ env: { READ_BUDGET_BASE: String(BUDGET), READ_BUDGET_PER_TABULATION: '1' } });
    [a, b, adversary, victim] = [await buildTenant(server), await buildTenant(server), await buildTenant(server), await buildTenant(server)];
    await a.campaign('a', true);
    await b.campaign('b', true);
    await adversary.campaign('x', true);
    await victim.campaign('v', true);
  });

  afterEach(async () => {
    await server.stop();
  });

  const victimCounts = async (phones: string[]) =>
    (await filterCsvMailing(server, victim.auth('dialer'), 'v', `telefone\n${phones.join('\n')}\n`)).summary.counts;
  const operator = (method: 'get' | 'put', route: string) => server.operatorApi()[method](route).set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`);

  /** A and B, honest, prove N dead over two days. */
  async function honestTenantsInvalidateN() {
    await a.report(invalidOutcomes('a', 'a', N, 5));
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('b', 'b', N, 5));
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 1 });
  }

  it('when one tenant sends 5 marks at 23:59 and 5 at 00:01 (Brazilian time), then the number is not invalid for anybody else', async () => {
    const beforeMidnight = Date.parse('2026-12-03T02:59:00Z'); // 23:59 in Brasília
    server.clock.advanceMs(beforeMidnight - server.clock.now().getTime());
    await adversary.report(invalidOutcomes('late', 'x', N, 5));
    server.clock.advanceMs(2 * 60_000);
    await adversary.report(invalidOutcomes('early', 'x', N, 5));
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 0, unconfirmedPhones: 1, keptRows: 1 });
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 5, invalidReports: 10 });
  });

  it('when one tenant sends 1,000 marks on a number every day for a week, then it counts 5 and the number stays dialable for the others', async () => {
    for (let day = 0; day < 7; day++) {
      await adversary.report(invalidOutcomes(`flood-${day}`, 'x', N, 1000));
      server.clock.advanceDays(1);
    }
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 0, keptRows: 1 });
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ invalidScore: 5, status: 1, invalidReports: 7000 });
  });

  it('when one tenant fakes one contact, or 1,000, on a number others proved dead, then it stays off everybody else\'s mailings', async () => {
    await honestTenantsInvalidateN();
    await adversary.report([{ callId: 'fake-1', campaignId: 'x', phone: N, code: 'sip:200' }]);
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 1, keptRows: 0 });
    await adversary.report(Array.from({ length: 1000 }, (_v, i) => ({ callId: `fake-many-${i}`, campaignId: 'x', phone: N, code: 'sip:200' })));
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 1, keptRows: 0 });
    expect(await server.db.prisma.numberHistory.findFirstOrThrow()).toMatchObject({ status: 2, contactReports: 1001 });
  });

  it('when a tenant admin tries to erase a number from the pool, then the route is gone and withdrawing leaves the others\' evidence', async () => {
    await honestTenantsInvalidateN();
    await server.api().post('/v1/privacy/forget').set('authorization', adversary.auth('admin')).send({ phone: N }).expect(404);
    await server.api().post('/v1/privacy/withdraw').set('authorization', adversary.auth('admin')).send({ phone: N }).expect(200);
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 1 });
  });

  it('when a tenant walks 2M consecutive numbers through /v1/numbers/check, then it reads no more than its budget, gets 429 with Retry-After, and is flagged to the operator', async () => {
    let read = 0;
    let refused = 0;
    for (let start = 0; start < 2_000_000; start += 100_000) {
      const phones = Array.from({ length: 100_000 }, (_v, i) => `55119${String(10_000_000 + start + i)}`);
      const response = await server.api().post('/v1/numbers/check').set('authorization', adversary.auth('dialer')).send({ phones });
      if (response.status === 200) read += (response.body.results as unknown[]).length;
      else {
        expect(response.status).toBe(429);
        expect(response.body.error.code).toBe('RATE_LIMITED');
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        refused++;
      }
    }
    expect(read).toBeLessThanOrEqual(BUDGET);
    expect(refused).toBeGreaterThanOrEqual(18);
    expect(await server.db.prisma.auditEvent.count({ where: { action: 'enumeration.flagged', tenantId: adversary.id } })).toBeGreaterThan(0);
  });

  it('when a tenant fires its checks in parallel at the edge of its budget, then together they still read no more than the budget', async () => {
    const check = (phones: string[]) => server.api().post('/v1/numbers/check').set('authorization', adversary.auth('dialer')).send({ phones });
    const phones = (offset: number, count: number) => Array.from({ length: count }, (_v, i) => `55419${String(10_000_000 + offset + i)}`);
    // 1,000 reads left, then forty 100-phone checks at once: each one's "does it fit?" must see the others' charges.
    await check(phones(0, 100_000)).expect(200);
    await check(phones(100_000, BUDGET - 101_000)).expect(200);
    const responses = await Promise.all(Array.from({ length: 40 }, (_v, i) => check(phones(BUDGET + i * 100, 100))));
    const answered = responses.filter((response) => response.status === 200);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(40 - answered.length);
    expect(answered.length).toBe(10);
  });

  it('when a tenant asks watch tokens for numbers it never filtered, then they draw on the same budget and are refused past it', async () => {
    const phones = (offset: number) => Array.from({ length: 100_000 }, (_v, i) => `55219${String(30_000_000 + offset + i)}`);
    await server.api().post('/v1/watch-tokens').set('authorization', adversary.auth('dialer')).send({ phones: phones(0) }).expect(200);
    await server.api().post('/v1/numbers/check').set('authorization', adversary.auth('dialer')).send({ phones: phones(100_000) }).expect(200);
    const refused = await server.api().post('/v1/watch-tokens').set('authorization', adversary.auth('dialer')).send({ phones: phones(200_000) });
    expect(refused.status).toBe(429);
    // A contributing tenant's budget grows with what it gives the pool: honest dialing buys honest reads.
    for (let batch = 0; batch < 5; batch++) {
      await victim.report(Array.from({ length: 10_000 }, (_v, i) => ({ callId: `honest-${batch}-${i}`, campaignId: 'v', phone: `55319${String(40_000_000 + batch * 10_000 + i)}`, code: 'NA' })));
    }
    await server.api().post('/v1/numbers/check').set('authorization', victim.auth('dialer')).send({ phones: phones(0) }).expect(200);
    await server.api().post('/v1/numbers/check').set('authorization', victim.auth('dialer')).send({ phones: phones(100_000) }).expect(200);
    await server.api().post('/v1/numbers/check').set('authorization', victim.auth('dialer')).send({ phones: phones(200_000).slice(0, 40_000) }).expect(200);
  });

  it('when a tenant enumerates through mailings instead of checks, then the phones it filtered draw on the same budget and the next mailing is refused', async () => {
    const rows = (offset: number) => Array.from({ length: 100_000 }, (_v, i) => `55219${String(70_000_000 + offset + i)}`);
    expect((await filterCsvMailing(server, adversary.auth('dialer'), 'x', `telefone\n${rows(0).join('\n')}\n`)).status).toBe(200);
    expect((await filterCsvMailing(server, adversary.auth('dialer'), 'x', `telefone\n${rows(100_000).join('\n')}\n`)).status).toBe(200);
    const refused = await server.api().post('/v1/campaigns/x/mailings').set('authorization', adversary.auth('dialer')).set('content-type', 'text/csv').send(`telefone\n${rows(200_000).slice(0, 10).join('\n')}\n`);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // Checks share the budget: nothing is left for them either.
    await server.api().post('/v1/numbers/check').set('authorization', adversary.auth('dialer')).send({ phones: [N] }).expect(429);
  });

  it('when the operator quarantines a tenant, then its evidence stops counting at once (verdicts recomputed), the act is audited, and release restores it', async () => {
    await honestTenantsInvalidateN();
    const quarantined = await operator('put', `/v1/operator/tenants/${b.slug}/quarantine`).send({ quarantined: true, reason: 'trunk reports cause 1 for no-answer' }).expect(200);
    expect(quarantined.body).toEqual({ recomputed: 1, changed: 1 });
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 0, unconfirmedPhones: 1 });
    const sources = await operator('get', '/v1/operator/trust/sources').expect(200);
    expect(sources.body.sources).toContainEqual(expect.objectContaining({ slug: b.slug, quarantined: true, marks: 5 }));
    expect(await server.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'source.quarantined' } })).toMatchObject({ tenantId: b.id, reason: 'trunk reports cause 1 for no-answer' });
    await operator('put', `/v1/operator/tenants/${b.slug}/quarantine`).send({ quarantined: false, reason: 'trunk fixed by the carrier' }).expect(200);
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 1 });
  });

  it('when a trunk\'s invalid marks are contradicted by two other tenants\' contacts, then its weight falls and the operator sees it; one tenant\'s contacts alone drain nobody', async () => {
    const phones = Array.from({ length: 30 }, (_v, i) => `55419${String(50_000_000 + i)}`);
    await adversary.report(phones.map((phone, i) => ({ callId: `cause1-${i}`, campaignId: 'x', phone, code: 'q850:1' })));
    // Half of those "dead" numbers answer for two other tenants (one tenant's contacts alone contradict nobody).
    await a.report(phones.slice(0, 15).map((phone, i) => ({ callId: `human-a-${i}`, campaignId: 'a', phone, code: 'sip:200' })));
    await b.report(phones.slice(0, 15).map((phone, i) => ({ callId: `human-b-${i}`, campaignId: 'b', phone, code: 'sip:200' })));
    const sources = await operator('get', '/v1/operator/trust/sources').expect(200);
    const trunk = (sources.body.sources as Array<{ slug: string; marks: number; contradicted: number; weightFactor: number }>).find((source) => source.slug === adversary.slug)!;
    expect(trunk).toMatchObject({ marks: 30, contradicted: 15 });
    expect(trunk.weightFactor).toBe(0);
    // The adversary's fake contacts on numbers only A marked do not cost A anything.
    const marked = Array.from({ length: 25 }, (_v, i) => `55419${String(60_000_000 + i)}`);
    await a.report(marked.map((phone, i) => ({ callId: `a-mark-${i}`, campaignId: 'a', phone, code: 'sip:404' })));
    await adversary.report(marked.map((phone, i) => ({ callId: `fake-contact-${i}`, campaignId: 'x', phone, code: 'sip:200' })));
    const after = await operator('get', '/v1/operator/trust/sources').expect(200);
    expect((after.body.sources as Array<{ slug: string; contradicted: number }>).find((source) => source.slug === a.slug)).toMatchObject({ contradicted: 0 });
  });

  /** The adversary fakes 5 carrier marks on each of 20 working numbers nobody else reports: 100 weight nobody corroborates. */
  async function adversaryFakesUncorroboratedMarks() {
    const working = Array.from({ length: 20 }, (_v, i) => `55419${String(70_000_000 + i)}`);
    await adversary.report(working.flatMap((phone, i) => invalidOutcomes(`fake-${i}`, 'x', phone, 5)));
  }

  it('when an adversary whose marks nobody corroborates and a trunk that labels no-answers as cause 1 mark the same working number, then it stays dialable for everybody else', async () => {
    await adversaryFakesUncorroboratedMarks();
    await adversary.report(invalidOutcomes('target', 'x', N, 5));
    server.clock.advanceDays(1);
    // Five stray cause 1 from one honest tenant's trunk: with the adversary's 5, that was 10 marks from 2 tenants over a day.
    await a.report(invalidOutcomes('stray', 'a', N, 5, 'q850:1'));
    expect(await victimCounts([N])).toMatchObject({ invalidPhones: 0, unconfirmedPhones: 1, keptRows: 1 });
    const sources = await operator('get', '/v1/operator/trust/sources').expect(200);
    const standing = (sources.body.sources as Array<{ slug: string; corroboratedShare: number; weightFactor: number }>).find((source) => source.slug === adversary.slug)!;
    expect(standing.weightFactor).toBe(0);
    expect(standing.corroboratedShare).toBeLessThan(0.1);
  });

  it("when the adversary's fake contact follows an honest tenant's real one on a number that died since, then the marks before them are not wiped", async () => {
    await adversaryFakesUncorroboratedMarks();
    await a.report(invalidOutcomes('stray', 'a', N, 2));
    server.clock.advanceDays(1);
    await b.report([{ callId: 'human-b', campaignId: 'b', phone: N, code: 'sip:200' }]); // it worked then; one contact clears nobody's marks but b's
    server.clock.advanceDays(1);
    await adversary.report([{ callId: 'fake-contact', campaignId: 'x', phone: N, code: 'sip:200' }]);
    expect(await victimCounts([N])).toMatchObject({ unconfirmedPhones: 1 });
  });
});
