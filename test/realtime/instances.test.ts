import { buildTenant, invalidOutcomes } from '../support/factories';
import { startTestServer, uniqueId, type TestServer } from '../support/harness';
import { filterCsvMailing } from '../support/mailing';

/** Polls until the condition holds; only jest's timeout bounds it (no timing assertion). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function statusOn(server: TestServer, credential: string, phone: string): Promise<string> {
  const response = await server.api().post('/v1/numbers/check').set('authorization', credential).send({ phones: [phone] }).expect(200);
  return response.body.results[0].status as string;
}

describe.each([
  ['with Redis (nudged at once)', true],
  ['without Redis (polling only)', false],
])('several server instances on one database, %s', (_label, redis) => {
  let first: TestServer;
  let second: TestServer;

  beforeAll(async () => {
    const schema = uniqueId('hyg');
    const redisPrefix = `${schema}:`;
    first = await startTestServer({ schema, redis, redisPrefix, keepSchema: true });
    second = await startTestServer({ schema, redis, redisPrefix });
  });

  afterAll(async () => {
    await first.stop();
    await second.stop();
  });

  it('when a number is invalidated through one instance, then the other filters it too', async () => {
    const tenant = await buildTenant(first);
    await tenant.campaign('c', true);
    const phone = '41 99876-5432';
    expect(await statusOn(second, tenant.auth('dialer'), phone)).toBe('clean');

    await tenant.report(invalidOutcomes('a', 'c', phone, 5));
    first.clock.advanceDays(1);
    second.clock.advanceDays(1);
    await tenant.report(invalidOutcomes('b', 'c', phone, 5));
    expect(await statusOn(first, tenant.auth('dialer'), phone)).toBe('invalid');

    await eventually(async () => (await statusOn(second, tenant.auth('dialer'), phone)) === 'invalid');
    const filtered = await filterCsvMailing(second, tenant.auth('dialer'), 'c', `telefone\n${phone}\n`);
    expect(filtered.summary.counts).toMatchObject({ droppedRows: 1, invalidPhones: 1 });
  });

  it('when a number recovers through one instance, then the other dials it again', async () => {
    const tenant = await buildTenant(second);
    await tenant.campaign('r', true);
    const phone = '51 3456-7890';
    await tenant.report(invalidOutcomes('x', 'r', phone, 3));
    await eventually(async () => (await statusOn(first, tenant.auth('dialer'), phone)) === 'unconfirmed');
    await tenant.report([{ callId: 'human', campaignId: 'r', phone, code: 'sip:200' }]);
    await eventually(async () => (await statusOn(first, tenant.auth('dialer'), phone)) === 'clean');
  });
});
