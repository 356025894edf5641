import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../server/generated/prisma/client';
import { Pseudonymizer } from '../../server/domain/pseudonym';
import { MemoryPubSub } from '../../server/infra/pubsub';
import { createLogger } from '../../server/logger';
import { filterCsv } from '../../server/services/mailingFilter/csv';
import { filterJsonContacts, ndjsonContacts } from '../../server/services/mailingFilter/json';
import type { MailingOutput } from '../../server/services/mailingFilter/rowJudge';
import { PhoneClassifier } from '../../server/services/phoneClassifier';
import { StatusIndex } from '../../server/services/statusIndex';
import { loopTurnsDuring } from '../support/loopTurns';

/**
 * One tenant's big mailing must not hold the event loop while other tenants' requests wait (issue 15, isolation).
 * A body that is already buffered (a fast client, a 10M-row upload) reached the filter through promise continuations
 * only, so without turns the loop's I/O phases ran only when the input ran dry (bench: the isolation rows of
 * docs/performance.md). These mailings come from memory, the worst case: every chunk is there at once.
 */

const ROWS = 60_000;

function* chunks(text: string): Generator<Buffer> {
  for (let at = 0; at < text.length; at += 1 << 16) yield Buffer.from(text.slice(at, at + (1 << 16)), 'latin1');
}
async function* buffered(text: string): AsyncGenerator<Buffer> {
  yield* chunks(text);
}

const sink = (): MailingOutput => ({ begin: async () => undefined, kept: async () => undefined, malformed: async () => undefined });

describe('filtering gives the event loop turns', () => {
  // Never started: the filter reads only its in-memory table, empty here (every number clean).
  const index = new StatusIndex(null as unknown as PrismaClient, new MemoryPubSub(), createLogger('silent'), 60_000);
  const classifier = () => new PhoneClassifier(new Pseudonymizer(randomBytes(16)), index).forTenant('tenant-a');
  const csv = `id;nome;telefone\n${Array.from({ length: ROWS }, (_v, i) => `${i};Cliente ${i};(11) 9${String(10_000_000 + i)}`).join('\n')}\n`;
  const batches = Math.floor(ROWS / 4096);

  it('when a CSV mailing is already buffered whole, then other I/O gets a turn between its batches (hygiene on and off)', async () => {
    for (const hygiene of [true, false]) {
      let kept = 0;
      const turns = await loopTurnsDuring(async () => {
        const counts = await filterCsv(buffered(csv), sink(), classifier(), { hygiene, sliceMs: 0 });
        kept = counts.keptRows;
      });
      expect(kept).toBe(ROWS);
      expect(turns).toBeGreaterThanOrEqual(batches);
    }
  });

  it('when an NDJSON mailing is already buffered whole, then other I/O gets a turn between its batches', async () => {
    const ndjson = `${Array.from({ length: ROWS }, (_v, i) => JSON.stringify({ id: i, telefone: `(11) 9${String(10_000_000 + i)}` })).join('\n')}\n`;
    let kept = 0;
    const turns = await loopTurnsDuring(async () => {
      const counts = await filterJsonContacts(ndjsonContacts(buffered(ndjson), 1 << 20), sink(), classifier(), { hygiene: true, sliceMs: 0 });
      kept = counts.keptRows;
    });
    expect(kept).toBe(ROWS);
    expect(turns).toBeGreaterThanOrEqual(batches);
  });
});
