import { Pool } from 'pg';
import { parsePhone } from '../../server/domain/phone';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, testDatabaseUrl, type TestServer } from '../support/harness';
import { dumpSchema, findPhones } from '../support/dump';
import { memoryLogger } from '../support/logs';
import { filterCsvMailing, filterJsonMailing } from '../support/mailing';

/**
 * The LGPD rules (docs/rules.md, "Privacy (LGPD)"): no raw phone number is stored anywhere in the database or written
 * to the logs, and a number's history can be erased on request.
 */
const MOBILE = { canonical: '(11) 98765-4321', spellings: ['+55 (11) 98765-4321', '011987654321', '5511987654321', '11 98765 4321', '0 15 11 98765-4321', '11 9876-54321'] };
const LANDLINE = { canonical: '(21) 3456-7890', spellings: ['+55 21 3456-7890', '021 3456-7890', '0 21 21 3456-7890', '2134567890'] };
const OTHER_MOBILE = { canonical: '+55 41 99123-4567', spellings: ['41991234567', '(41) 99123-4567'] };
const OFF_CAMPAIGN = { canonical: '(31) 3222-1100', spellings: ['031 3222-1100', '+55 31 3222 1100'] };
const PHONES = [MOBILE, LANDLINE, OTHER_MOBILE, OFF_CAMPAIGN].map((phone) => phone.canonical);

const cellsOf = (dump: Awaited<ReturnType<typeof dumpSchema>>) => dump.cells.map((cell) => ({ value: cell.value, where: `${cell.table}.${cell.column}` }));

describe('no raw phone numbers in the database or the logs; LGPD erasure', () => {
  let server: TestServer;
  let a: BuiltTenant;
  let b: BuiltTenant;
  let logs: ReturnType<typeof memoryLogger>;
  /** The operator API with its token (how `npm run admin` calls it). */
  const operator = () => ({
    post: (route: string) => server.operatorApi().post(route).set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`),
  });

  beforeEach(async () => {
    logs = memoryLogger();
    server = await startTestServer({ logger: logs.logger });
    a = await buildTenant(server);
    b = await buildTenant(server);
  });

  afterEach(async () => {
    await server.stop();
  });

  /** Everything that touches phones: outcomes (HTTP, many spellings, good and bad), mailings (CSV, JSON, NDJSON), checks, tokens, erasure. */
  async function exerciseEveryPhonePath() {
    const on = await a.campaign('cobranca', true);
    const off = await a.campaign('sem-higiene', false);
    const bOn = await b.campaign('vendas', true);
    // Dialers sometimes build call ids from the number: the server must not keep those either.
    const mobileCalls = MOBILE.spellings.map((phone, i) => ({ callId: `5511987654321-${i}`, campaignId: on, phone, code: 'sip:404' }));
    const result = await a.report([
      ...mobileCalls,
      ...LANDLINE.spellings.map((phone, i) => ({ callId: `land-${i}`, campaignId: on, phone, code: 'q850:1' })),
      ...OTHER_MOBILE.spellings.map((phone, i) => ({ callId: `other-${i}`, campaignId: on, phone, code: 'sip:200' })),
      ...OFF_CAMPAIGN.spellings.map((phone, i) => ({ callId: `off-${i}`, campaignId: off, phone, code: 'sip:404' })),
      { callId: 'bad-phone', campaignId: on, phone: '(11) 98765-432', code: 'sip:404' },
      { callId: 'bad-code', campaignId: on, phone: MOBILE.canonical, code: 'no-such-code' },
    ]);
    expect(result.rejected).toBe(2);
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('b', bOn, '5511987654321', 5));

    const csv = ['nome;telefone;celular', `Ana;${MOBILE.spellings[0]};${LANDLINE.spellings[0]}`, `Bia;${OTHER_MOBILE.canonical};(11) 98765-432`, `Caio;${OFF_CAMPAIGN.canonical};`].join('\n') + '\n';
    expect((await filterCsvMailing(server, b.auth('dialer'), bOn, csv, { name: 'lote 1' })).status).toBe(200);
    expect((await filterCsvMailing(server, a.auth('dialer'), off, csv)).status).toBe(200);
    const contacts = [{ nome: 'Ana', phones: [MOBILE.canonical, LANDLINE.canonical] }, { nome: 'Bia', telefone: OTHER_MOBILE.spellings[0] }];
    expect((await filterJsonMailing(server, a.auth('dialer'), on, JSON.stringify(contacts), 'application/json')).status).toBe(200);
    expect((await filterJsonMailing(server, a.auth('dialer'), on, contacts.map((c) => JSON.stringify(c)).join('\n'), 'application/x-ndjson')).status).toBe(200);
    await server.api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: PHONES }).expect(200);
    await server.api().post('/v1/watch-tokens').set('authorization', a.auth('dialer')).send({ phones: PHONES }).expect(200);
    // Suppression lists (issue 13): tenant entries, a tenant's file, a shared list's file, the dial-time check.
    await server.api().post('/v1/suppression/entries').set('authorization', a.auth('admin')).send({ phones: PHONES, source: 'pedido do titular' }).expect(200);
    await server.api().post('/v1/suppression/import').query({ source: 'planilha', campaignId: on }).set('authorization', a.auth('admin')).set('content-type', 'text/csv').send(csv).expect(200);
    await operator().post('/v1/operator/suppression-lists/nmp/import').set('content-type', 'text/csv').send(csv).expect(200);
    await server.api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: PHONES, campaignId: on }).expect(200);
    await server.api().post('/v1/privacy/withdraw').set('authorization', a.auth('admin')).send({ phone: OTHER_MOBILE.spellings[0] }).expect(200);
    await operator().post('/v1/operator/forget').send({ phone: OTHER_MOBILE.spellings[1] ?? OTHER_MOBILE.canonical, reason: 'titular pediu exclusão' }).expect(200);
    await server.services.maintenance.run();
  }

  it('when outcomes and mailings with numbers in several spellings went through, then no spelling of any number is in any column of any table', async () => {
    await exerciseEveryPhonePath();
    const dump = await dumpSchema(server.schema);

    // The dump really covers the tables that saw the numbers, and the migrations table.
    expect([...dump.tables.keys()]).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'call_receipts', 'campaigns', 'mailings', 'number_evidence', 'number_history', 'tabulation_codes', 'tenants']),
    );
    expect(dump.tables.get('number_history')).toBeGreaterThanOrEqual(2);
    expect(dump.tables.get('call_receipts')).toBeGreaterThanOrEqual(15);
    expect(dump.tables.get('mailings')).toBe(4);
    expect(dump.tables.get('suppression_entries')).toBeGreaterThanOrEqual(8);
    expect(dump.tables.get('_prisma_migrations')).toBeGreaterThanOrEqual(1);

    expect(findPhones(cellsOf(dump), PHONES)).toEqual([]);
  });

  it('when a raw number is put in a text column (control), then the same scan finds it', async () => {
    await exerciseEveryPhonePath();
    // Through the API: a campaign named after a number (the tenant's own text, stored as given).
    await server.api().post('/v1/campaigns').set('authorization', a.auth('dialer')).send({ id: 'ctrl', name: 'ligar 11 98765-4321 hoje' }).expect(201);
    // And straight into the migrations table, to show that table is scanned too.
    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    try {
      await pool.query(`UPDATE "${server.schema}"."_prisma_migrations" SET logs = '+55 21 3456-7890'`);
    } finally {
      await pool.end();
    }
    const hits = findPhones(cellsOf(await dumpSchema(server.schema)), PHONES);
    expect(hits).toEqual(expect.arrayContaining([expect.stringMatching(/^campaigns\.name: .* of \(11\) 98765-4321$/), expect.stringMatching(/^_prisma_migrations\.logs: .* of \(21\) 3456-7890$/)]));
    expect(hits.every((hit) => hit.startsWith('campaigns.name') || hit.startsWith('_prisma_migrations.logs'))).toBe(true);
  });

  it('when requests fail on bad phones and bad input, then the server logs hold no digits of any number', async () => {
    await exerciseEveryPhonePath();
    const api = () => server.api();
    await api().post('/v1/privacy/withdraw').set('authorization', a.auth('admin')).send({ phone: '(11) 98765-432' }).expect(400);
    await api().post('/v1/numbers/check').set('authorization', a.auth('dialer')).send({ phones: ['+55 (11) 98765-43210', '(21) 3456-78'] }).expect(200);
    await api().post('/v1/outcomes').set('authorization', a.auth('dialer')).set('content-type', 'application/json').send('{"outcomes":[{"phone":"5511987654321",').expect(400);
    await api().post('/v1/outcomes').set('authorization', a.auth('dialer')).send({ outcomes: [{ callId: 'x', campaignId: 'cobranca', phone: { number: '5521345678900' }, code: 'sip:404' }] }).expect(200);
    await filterJsonMailing(server, a.auth('dialer'), 'cobranca', `{"telefone":"5511987654321"}\n{"telefone": 5521345678900 x}\n`, 'application/x-ndjson');
    await filterCsvMailing(server, a.auth('dialer'), 'cobranca', 'telefone\n"5511987654321\n');
    await filterCsvMailing(server, a.auth('dialer'), 'nope', 'telefone\n5511987654321\n');

    const lines = logs.lines();
    // The capture works: the rejected requests were logged (with their field, without their values).
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request rejected', code: 'VALIDATION_FAILED', field: 'phone' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request rejected', code: 'INVALID_JSON' }));
    expect(findPhones([{ value: logs.text(), where: 'logs' }], PHONES)).toEqual([]);
    // …and the scan would see a number that reached a log line.
    logs.logger.info({ phone: '11 98765-4321' }, 'control line');
    expect(findPhones([{ value: logs.text(), where: 'logs' }], PHONES)).not.toEqual([]);
  });

  it('when the operator erases a number with a reason, then its history is emptied at once, its row deleted by the next maintenance after 5 minutes, and the erasure audited', async () => {
    const on = await a.campaign('cobranca', true);
    const bOn = await b.campaign('vendas', true);
    await a.report(invalidOutcomes('day1', on, MOBILE.canonical, 5));
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('day2', bOn, MOBILE.spellings[2]!, 5));
    const pseudonym = server.services.pseudonymizer.phone((parsePhone(MOBILE.canonical) as { digits: number }).digits);
    expect(await server.db.prisma.numberHistory.findUnique({ where: { pseudonym } })).toMatchObject({ status: 2, invalidReports: 10 });
    expect((await filterCsvMailing(server, b.auth('dialer'), bOn, `telefone\n${MOBILE.canonical}\n`)).summary.counts).toMatchObject({ invalidPhones: 1, keptRows: 0 });

    // Tenants cannot erase the pool's history: that route is gone, and the operator's needs its token and a reason.
    await server.api().post('/v1/privacy/forget').set('authorization', b.auth('admin')).send({ phone: MOBILE.canonical }).expect(404);
    await server.operatorApi().post('/v1/operator/forget').set('authorization', b.auth('admin')).send({ phone: MOBILE.canonical, reason: 'pedido do titular' }).expect(401);
    const noReason = await operator().post('/v1/operator/forget').send({ phone: MOBILE.canonical }).expect(400);
    expect(noReason.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'reason' });
    const erased = await operator().post('/v1/operator/forget').send({ phone: '+55 11 98765 4321', reason: 'pedido do titular (LGPD art. 18)' }).expect(200);
    expect(erased.body).toEqual({ erased: true });

    const emptied = await server.db.prisma.numberHistory.findUniqueOrThrow({ where: { pseudonym } });
    expect(emptied).toMatchObject({ status: 0, invalidScore: 0, invalidReports: 0, contactReports: 0, lastInvalidAt: null, lastContactAt: null });
    expect(await server.db.prisma.numberEvidence.count({ where: { pseudonym } })).toBe(0);
    const filtered = await filterCsvMailing(server, b.auth('dialer'), bOn, `telefone\n${MOBILE.canonical}\n`);
    expect(filtered.summary.counts).toMatchObject({ keptRows: 1, invalidPhones: 0, unconfirmedPhones: 0, hygienized: 0 });
    expect(await server.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'number.erased' } })).toMatchObject({ actor: 'operator', reason: 'pedido do titular (LGPD art. 18)', tenantId: null, target: null });

    // Too early for the sweep: every instance must first have polled the clean status.
    expect((await server.services.maintenance.run()).erased).toBe(0);
    expect(await server.db.prisma.numberHistory.count({ where: { pseudonym } })).toBe(1);
    server.clock.advanceMs(6 * 60_000);
    expect((await server.services.maintenance.run()).erased).toBe(1);
    expect(await server.db.prisma.numberHistory.count({ where: { pseudonym } })).toBe(0);

    // Erasing an unknown number answers the same (no oracle); a malformed one is a 400 naming the field.
    const again = await operator().post('/v1/operator/forget').send({ phone: MOBILE.canonical, reason: 'pedido repetido' }).expect(200);
    expect(again.body).toEqual({ erased: true });
    const bad = await operator().post('/v1/operator/forget').send({ phone: '12345', reason: 'pedido do titular' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'phone' });
  });

  it('when a tenant withdraws its contributions to a number, then only its own evidence goes, the answer is the same for a number it never reported, and the withdrawal is audited for it', async () => {
    const c = await buildTenant(server);
    await a.campaign('cobranca', true);
    await b.campaign('vendas', true);
    await c.campaign('outra', true);
    await a.report(invalidOutcomes('a', 'cobranca', MOBILE.canonical, 5));
    server.clock.advanceDays(1);
    await b.report(invalidOutcomes('b', 'vendas', MOBILE.canonical, 5));
    const pseudonym = server.services.pseudonymizer.phone((parsePhone(MOBILE.canonical) as { digits: number }).digits);
    // A tenant that never reported the number cannot bring it back, and learns nothing from the answer.
    const fromC = await server.api().post('/v1/privacy/withdraw').set('authorization', c.auth('admin')).send({ phone: MOBILE.canonical }).expect(200);
    const unknown = await server.api().post('/v1/privacy/withdraw').set('authorization', c.auth('admin')).send({ phone: LANDLINE.canonical }).expect(200);
    expect(fromC.body).toEqual(unknown.body);
    expect(await server.db.prisma.numberHistory.findUniqueOrThrow({ where: { pseudonym } })).toMatchObject({ status: 2 });
    // B withdraws its own five: A's five alone leave the number unconfirmed.
    await server.api().post('/v1/privacy/withdraw').set('authorization', b.auth('admin')).send({ phone: MOBILE.spellings[1] }).expect(200);
    expect(await server.db.prisma.numberHistory.findUniqueOrThrow({ where: { pseudonym } })).toMatchObject({ status: 1, invalidScore: 5 });
    expect(await server.db.prisma.numberEvidence.count({ where: { pseudonym } })).toBe(1);
    expect(await server.db.prisma.auditEvent.count({ where: { action: 'number.withdrawn', tenantId: b.id } })).toBe(1);
    await server.api().post('/v1/privacy/withdraw').set('authorization', b.auth('dialer')).send({ phone: MOBILE.canonical }).expect(403);
  });
});
