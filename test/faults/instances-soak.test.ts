import { Pool } from 'pg';
import { prng } from '../../plugin/contract/prng';
import { splitPseudonym } from '../../server/services/statusTable';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, testDatabaseUrl, TestClock, uniqueId, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';
import { recordFault } from '../support/reliability';

/**
 * Several instances under mixed load: tabulations (with retried batches) and mailings sent to random instances,
 * two instances nudged through Redis and one polling only, the shared clock moving a day every two seconds so
 * numbers cross the daily cap, the threshold and the expiry. At the end every instance must hold the verdict
 * PostgreSQL holds for every number, and every campaign must have counted each call id exactly once.
 *
 * `npm test` runs it for SOAK_SECONDS (default 40); `npm run soak` runs it for 5 minutes.
 */

const SECONDS = Number(process.env.SOAK_SECONDS ?? 40);
const POOL = 3000;
const CODES = ['sip:404', 'sip:404', 'q850:1', 'sip:200', 'NA', 'q850:17', 'sip:486', 'sip:404'];

const phoneOf = (i: number) => `11 9${String(70_000_000 + i)}`;

describe('several instances under mixed load', () => {
  jest.setTimeout((SECONDS + 120) * 1000);
  const clock = new TestClock();
  let instances: TestServer[] = [];

  beforeAll(async () => {
    const schema = uniqueId('hyg');
    const redisPrefix = `${schema}:`;
    instances = [
      await startTestServer({ schema, redisPrefix, clock, keepSchema: true }),
      await startTestServer({ schema, redisPrefix, clock, keepSchema: true }),
      await startTestServer({ schema, redis: false, clock }),
    ];
  });

  afterAll(async () => {
    // The last one drops the schema.
    for (const instance of instances) await instance.stop();
  });

  it(`when ${instances.length || 3} instances take tabulations and mailings for a while, then every instance ends with the verdict of the database for every number and every call is counted once`, async () => {
    const random = prng(20261202);
    const pick = () => instances[Math.floor(random() * instances.length)]!;
    const tenants: BuiltTenant[] = [];
    for (let t = 0; t < 3; t++) {
      const tenant = await buildTenant(instances[t]!);
      await tenant.campaign('soak', true);
      tenants.push(tenant);
    }
    const sent = new Map<BuiltTenant, number>(tenants.map((tenant) => [tenant, 0]));
    const deadline = Date.now() + SECONDS * 1000;
    let batches = 0;
    let retries = 0;
    let mailings = 0;
    let callSeq = 0;

    async function ingest(tenant: BuiltTenant): Promise<void> {
      while (Date.now() < deadline) {
        const outcomes = Array.from({ length: 200 }, () => ({
          callId: `soak-${callSeq++}`,
          campaignId: 'soak',
          phone: phoneOf(Math.floor(random() * POOL)),
          code: CODES[Math.floor(random() * CODES.length)]!,
        }));
        const response = await pick().api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes });
        expect(response.status).toBe(200);
        sent.set(tenant, sent.get(tenant)! + outcomes.length);
        batches++;
        if (random() < 0.15) {
          // A retry of a batch whose answer the dialer "lost", through another instance: all duplicates.
          const again = await pick().api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes });
          expect(again.body).toMatchObject({ accepted: 0, duplicates: outcomes.length });
          retries++;
        }
      }
    }

    async function filter(tenant: BuiltTenant): Promise<void> {
      while (Date.now() < deadline) {
        const rows = Array.from({ length: 500 }, () => phoneOf(Math.floor(random() * POOL)));
        const result = await filterCsvMailing(pick(), tenant.auth('dialer'), 'soak', `telefone\n${rows.join('\n')}\n`);
        expect(result.status).toBe(200);
        mailings++;
      }
    }

    async function moveClock(): Promise<void> {
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        clock.advanceDays(1);
      }
    }

    await Promise.all([...tenants.map(ingest), filter(tenants[0]!), filter(tenants[1]!), moveClock()]);
    const loadEndedAt = Date.now();

    // Every campaign counted each call id once, whichever instance took it and however often it was sent.
    let counted = 0;
    let totalSent = 0;
    for (const tenant of tenants) {
      const campaign = await instances[0]!.api().get('/v1/campaigns/soak').set('authorization', tenant.auth('dialer')).expect(200);
      const reported = campaign.body.reported as { invalid: number; contact: number; neutral: number };
      const total = reported.invalid + reported.contact + reported.neutral;
      expect(total).toBe(sent.get(tenant));
      counted += total;
      totalSent += sent.get(tenant)!;
    }

    const pool = new Pool({ connectionString: testDatabaseUrl, max: 1 });
    try {
      const { rows } = await pool.query<{ p: string; s: number }>(`SELECT pseudonym::text AS p, status AS s FROM "${instances[2]!.schema}".number_history`);
      const disagreements = () =>
        instances.map((instance) =>
          rows.filter((row) => {
            const { hi, lo } = splitPseudonym(BigInt(row.p));
            return instance.services.statusIndex.table.get(hi, lo) !== Number(row.s);
          }).length,
        );
      const convergeDeadline = Date.now() + 30_000;
      for (;;) {
        await Promise.all(instances.map((instance) => instance.services.statusIndex.poll()));
        const wrong = disagreements();
        if (wrong.every((count) => count === 0)) break;
        if (Date.now() > convergeDeadline) throw new Error(`instances still disagree with the database on ${wrong.join(' / ')} numbers`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const convergedMs = Date.now() - loadEndedAt;
      const nonClean = rows.filter((row) => Number(row.s) > 0).length;
      // The load must have moved verdicts both ways, or agreement would prove little.
      expect(nonClean).toBeGreaterThan(100);
      recordFault({
        fault: `${instances.length} instances under ${SECONDS} s of mixed load (2 nudged by Redis, 1 polling only)`,
        load: `${SECONDS} s: ${batches} batches of 200 tabulations (${retries} re-sent through another instance), ${mailings} mailings of 500 rows, clock +1 day every 2 s`,
        sent: totalSent,
        counted,
        lost: Math.max(0, totalSent - counted),
        doubled: Math.max(0, counted - totalSent),
        clientSaw: `every answer 200; ${rows.length} numbers in the history, ${nonClean} not clean; every instance held the database's verdict for each`,
        recoveryMs: convergedMs,
      });
    } finally {
      await pool.end();
    }
  });
});
