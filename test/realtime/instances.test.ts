import { STATUS_NAMES } from '../../server/domain/outcomes';
import { buildTenant, invalidOutcomes, type BuiltTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, uniqueId, type TestServer } from '../support/harness';
import { holdRows } from '../support/locks';
import { eventually } from '../support/eventually';
import { filterCsvMailing } from '../support/mailing';


/** The verdict an instance's own status index gives (a check answers "clean" for another tenant's unconfirmed). */
async function statusOn(server: TestServer, _credential: string, phone: string): Promise<string> {
  return STATUS_NAMES[server.services.classifier.classify([phone])[0] as number] ?? 'malformed';
}

/**
 * Holds a campaign's tally row locked (support/locks.ts): a batch of that campaign then takes its transaction id and
 * its status versions and waits on the lock, still uncommitted, until `release()`.
 */
async function holdCampaignTally(server: TestServer, tenant: BuiltTenant, externalId: string) {
  const hold = await holdRows(server, 'SELECT id FROM campaigns WHERE tenant_id = $1::uuid AND external_id = $2 FOR UPDATE', [tenant.id, externalId]);
  return {
    /** Resolves once a batch of the campaign is waiting on the lock (its versions are taken by then). */
    batchWaiting: () => hold.waitedOn('the batch to wait on the held tally lock'),
    release: () => hold.release(),
  };
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
    first = await startTestServer({ schema, redis, redisPrefix, keepSchema: true, env: SINGLE_SOURCE_RULES });
    second = await startTestServer({ schema, redis, redisPrefix, env: SINGLE_SOURCE_RULES });
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

    await eventually(async () => (await statusOn(second, tenant.auth('dialer'), phone)) === 'invalid', 'the other instance to see invalid');
    const filtered = await filterCsvMailing(second, tenant.auth('dialer'), 'c', `telefone\n${phone}\n`);
    expect(filtered.summary.counts).toMatchObject({ droppedRows: 1, invalidPhones: 1 });
  });

  it('when a batch commits after the other instance polled past its status versions, then that instance still applies them', async () => {
    const tenant = await buildTenant(first);
    await tenant.campaign('held', true);
    const phone = '31 98765-1234';
    const hold = await holdCampaignTally(first, tenant, 'held');
    let reported: Promise<unknown> | undefined;
    try {
      reported = tenant.report(invalidOutcomes('held', 'held', phone, 3));
      await hold.batchWaiting();
      // Several polls while the batch holds its versions: each captures or settles a horizon past them.
      for (let i = 0; i < 4; i++) await second.services.statusIndex.poll();
    } finally {
      await hold.release();
    }
    await reported;
    expect(await statusOn(first, tenant.auth('dialer'), phone)).toBe('unconfirmed');
    for (let i = 0; i < 4; i++) await second.services.statusIndex.poll();
    expect(await statusOn(second, tenant.auth('dialer'), phone)).toBe('unconfirmed');
  });

  it('when a batch commits while another instance loads its status index at start, then that instance applies it', async () => {
    const tenant = await buildTenant(first);
    await tenant.campaign('loading', true);
    const phone = '21 98888-7777';
    const hold = await holdCampaignTally(first, tenant, 'loading');
    let third: TestServer | undefined;
    let reported: Promise<unknown> | undefined;
    try {
      reported = tenant.report(invalidOutcomes('load', 'loading', phone, 2));
      await hold.batchWaiting();
      // The third instance starts (captures its horizon and loads) while the batch holds its versions.
      third = await startTestServer({ schema: first.schema, redis, redisPrefix: `${first.schema}:`, keepSchema: true, env: SINGLE_SOURCE_RULES });
    } finally {
      await hold.release();
    }
    try {
      await reported;
      for (let i = 0; i < 4; i++) await third.services.statusIndex.poll();
      expect(await statusOn(third, tenant.auth('dialer'), phone)).toBe('unconfirmed');
    } finally {
      await third.stop();
    }
  });

  it('when a number recovers through one instance, then the other dials it again', async () => {
    const tenant = await buildTenant(second);
    await tenant.campaign('r', true);
    const phone = '51 3456-7890';
    await tenant.report(invalidOutcomes('x', 'r', phone, 3));
    await eventually(async () => (await statusOn(first, tenant.auth('dialer'), phone)) === 'unconfirmed', 'the other instance to see unconfirmed');
    await tenant.report([{ callId: 'human', campaignId: 'r', phone, code: 'sip:200' }]);
    await eventually(async () => (await statusOn(first, tenant.auth('dialer'), phone)) === 'clean', 'the other instance to see clean');
  });
});
