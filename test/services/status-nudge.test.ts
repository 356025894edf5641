import { MemoryPubSub } from '../../server/infra/pubsub';
import { createLogger } from '../../server/logger';
import { decodeNudge, encodeNudge, StatusIndex } from '../../server/services/statusIndex';
import { STATUS } from '../../server/domain/trust';
import { splitPseudonym } from '../../server/services/statusTable';
import { startTestServer, type TestServer } from '../support/harness';

/**
 * Issue 15, cross-instance: an instance's committed changes travel in the nudge itself, so the other instances apply
 * them without waiting for a database round trip (their poll still follows, and stays the system of record).
 */
describe('status nudges between instances', () => {
  let server: TestServer;
  const indexes: StatusIndex[] = [];

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
  });

  afterAll(async () => {
    for (const index of indexes) await index.stop();
    await server.stop();
  });

  const startIndex = async (pubsub: MemoryPubSub) => {
    // A poll interval longer than the test: only nudges move the index.
    const index = new StatusIndex(server.db.prisma, pubsub, createLogger('silent'), 3_600_000);
    indexes.push(index);
    await index.start();
    return index;
  };
  const statusIn = (index: StatusIndex, pseudonym: bigint) => {
    const { hi, lo } = splitPseudonym(pseudonym);
    return index.table.get(hi, lo);
  };

  it('when one instance commits a change, then another applies it from the nudge alone, before any poll could have read it', async () => {
    const pubsub = new MemoryPubSub();
    const [one, two] = [await startIndex(pubsub), await startIndex(pubsub)];
    const invalidated: bigint[][] = [];
    two.onInvalidated((pseudonyms) => invalidated.push([...pseudonyms]));
    // Never written to the database: the nudge is the only way instance two can learn it.
    const pseudonym = 0x1234_5678_9abc_def0n;
    one.applyCommitted([{ pseudonym, status: STATUS.INVALID, version: 9_000_000_000n }]);
    expect(statusIn(two, pseudonym)).toBe(STATUS.INVALID);
    expect(invalidated).toEqual([[pseudonym]]);
    // An older version arriving late changes nothing.
    one.applyCommitted([{ pseudonym, status: STATUS.CLEAN, version: 8_000_000_000n }]);
    expect(statusIn(two, pseudonym)).toBe(STATUS.INVALID);
  });

  it('when a nudge is encoded, then it decodes to the same changes (tenant views too); a large batch, or an older build\'s nudge, carries none', () => {
    const changes = [
      { pseudonym: -5n, status: STATUS.INVALID, version: 7n },
      { pseudonym: 42n, status: STATUS.CLEAN, version: 8n, source: -99n },
    ];
    expect(decodeNudge(encodeNudge('instance-a', changes))).toEqual({ sender: 'instance-a', changes });
    const many = Array.from({ length: 1001 }, (_v, i) => ({ pseudonym: BigInt(i), status: STATUS.INVALID, version: BigInt(i) }));
    expect(decodeNudge(encodeNudge('instance-a', many))).toEqual({ sender: 'instance-a', changes: [] });
    expect(decodeNudge('instance-b')).toEqual({ sender: 'instance-b', changes: [] });
  });
});
