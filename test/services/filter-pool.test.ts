import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../server/generated/prisma/client';
import type { MailingCounts } from '../../plugin/contract/protocol';
import { parsePhone } from '../../server/domain/phone';
import { Pseudonymizer } from '../../server/domain/pseudonym';
import { STATUS } from '../../server/domain/trust';
import { AppError } from '../../server/errors';
import { MemoryPubSub } from '../../server/infra/pubsub';
import { createLogger } from '../../server/logger';
import { filterCsv } from '../../server/services/mailingFilter/csv';
import { FilterPool } from '../../server/services/mailingFilter/filterPool';
import { giveUp } from '../../server/services/mailingFilter/workerProtocol';
import { filterJsonContacts, jsonArrayContacts, ndjsonContacts } from '../../server/services/mailingFilter/json';
import type { FilterOptions, MailingOutput } from '../../server/services/mailingFilter/rowJudge';
import { PhoneClassifier } from '../../server/services/phoneClassifier';
import { StatusIndex } from '../../server/services/statusIndex';
import { loopTurnsDuring } from '../support/loopTurns';

/**
 * Issue 15, isolation: mailings are filtered in worker threads (FILTER_WORKERS) that read the main thread's status
 * tables through shared memory. These tests run the real worker (the build `npm test` makes first) against an
 * in-memory index: the same answers as on the main thread, statuses written mid-mailing seen (across a table's
 * growth too), errors as on the main thread, and a main thread left free.
 */

const NOW = new Date('2026-12-02T12:00:00Z');
const key = randomBytes(16);
const pseudonymizer = new Pseudonymizer(key);
const phoneOf = (i: number) => `(11) 9${String(10_000_000 + i)}`;
let version = 1n;

function newIndex(): StatusIndex {
  // Never started: the filter reads only its in-memory tables, set here through applyCommitted.
  return new StatusIndex(null as unknown as PrismaClient, new MemoryPubSub(), createLogger('silent'), 60_000);
}

function pseudonymOf(phone: string): bigint {
  const parsed = parsePhone(phone);
  if (!parsed.ok) throw new Error(`bad test phone ${phone}`);
  return pseudonymizer.phone(Number(parsed.e164));
}

function invalidate(index: StatusIndex, phones: readonly string[], source?: bigint): void {
  index.applyCommitted(phones.map((phone) => ({ pseudonym: pseudonymOf(phone), status: STATUS.INVALID, version: version++, ...(source === undefined ? {} : { source }) })));
}

/** What a filter wrote, in order, as one text per part. */
class Recorder implements MailingOutput {
  begun = 0;
  kept: MailingOutput['kept'] = async (data) => {
    this.keptText += Buffer.isBuffer(data) ? data.toString('latin1') : data;
  };
  malformed: MailingOutput['malformed'] = async (data) => {
    this.malformedText += Buffer.isBuffer(data) ? data.toString('latin1') : data;
  };
  keptText = '';
  malformedText = '';
  async begin(): Promise<void> {
    this.begun++;
  }
}

async function* piecesOf(text: string, encoding: BufferEncoding = 'utf8', size = 1 << 14): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, encoding);
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const onMain = (index: StatusIndex) => new PhoneClassifier(pseudonymizer, index, () => NOW).forTenant('tenant-a');

describe('filter workers (FILTER_WORKERS)', () => {
  let index: StatusIndex;
  let pool: FilterPool;

  beforeEach(() => {
    index = newIndex();
    pool = new FilterPool(1, key, index, () => NOW, createLogger('silent'));
  });

  afterEach(async () => {
    await pool.close();
  });

  const options = (extra: Partial<FilterOptions> = {}): FilterOptions => ({ hygiene: true, ninthDigit: true, maxRecordBytes: 1 << 20, ...extra });

  it('when a CSV mailing is filtered in a worker, then its kept and malformed parts and counts are those of the main thread', async () => {
    const rows = Array.from({ length: 10_000 }, (_v, i) => {
      if (i % 97 === 0) return `${i};Joséfina ${i};12345;`; // malformed phone
      if (i % 101 === 0) return `${i};Cliente ${i};(11) 8${String(1_000_000 + i)};`; // legacy 8-digit mobile
      return `${i};Cliente ${i};${phoneOf(i)};${phoneOf(i + 50_000)}`;
    });
    const csv = `id;nome;telefone;celular\r\n${rows.join('\r\n')}\r\n`;
    invalidate(index, Array.from({ length: 3_000 }, (_v, i) => phoneOf(i * 3)));
    const expected = new Recorder();
    const expectedCounts = await filterCsv(piecesOf(csv, 'latin1'), expected, onMain(index), options({ ninthDigitColumn: 'nono' }));
    const got = new Recorder();
    const counts = await pool.run('csv', { tenantId: 'tenant-a', input: piecesOf(csv, 'latin1'), output: got, options: options({ ninthDigitColumn: 'nono' }) });
    expect(counts).toEqual(expectedCounts);
    expect(counts.invalidPhones).toBeGreaterThan(2_900);
    expect(counts.malformedRows).toBeGreaterThan(100);
    expect(counts.ninthDigitAdded).toBeGreaterThan(90);
    expect(got.keptText).toBe(expected.keptText);
    expect(got.malformedText).toBe(expected.malformedText);
    expect(got.begun).toBe(1);
  });

  it('when body pieces are given up (the route\'s own), then they move to the worker without a copy; any other piece is copied and left intact', async () => {
    const csv = `telefone\n${Array.from({ length: 4_000 }, (_v, i) => phoneOf(i)).join('\n')}\n`;
    const wholePieces = (given: boolean) => {
      // Each piece spans an ArrayBuffer of its own, as Node's HTTP parser hands body pieces over.
      const bytes = Buffer.from(csv);
      const pieces = Array.from({ length: Math.ceil(bytes.length / 8_192) }, (_v, i) =>
        Buffer.from(bytes.buffer.slice(bytes.byteOffset + i * 8_192, bytes.byteOffset + Math.min(bytes.length, (i + 1) * 8_192))),
      );
      if (given) for (const piece of pieces) giveUp(piece);
      return pieces;
    };
    const run = async (pieces: Buffer[]) => {
      const got = new Recorder();
      await pool.run('csv', { tenantId: 'tenant-a', input: (async function* () { yield* pieces; })(), output: got, options: options() });
      return got.keptText;
    };
    const lengths = (pieces: Buffer[]) => pieces.map((piece) => piece.byteLength);
    const mine = wholePieces(false);
    expect(await run(mine)).toBe(csv);
    expect(Buffer.concat(mine).toString()).toBe(csv);
    const given = wholePieces(true);
    expect(await run(given)).toBe(csv);
    // Transferred: each piece's ArrayBuffer now belongs to the worker, so it is detached here.
    expect(lengths(given).every((length) => length === 0)).toBe(true);
  });

  it('when NDJSON and JSON-array mailings are filtered in a worker, then their answers and counts are those of the main thread', async () => {
    const contacts = Array.from({ length: 5_000 }, (_v, i) => ({ id: i, nome: `Cliente ${i}`, telefone: i % 50 === 0 ? 'sem telefone' : phoneOf(i) }));
    invalidate(index, Array.from({ length: 1_000 }, (_v, i) => phoneOf(i * 5)));
    const ndjson = `${contacts.map((contact) => JSON.stringify(contact)).join('\n')}\n`;
    const array = JSON.stringify(contacts);
    for (const [kind, text] of [['ndjson', ndjson], ['json', array]] as const) {
      const expected = new Recorder();
      const source = kind === 'ndjson' ? ndjsonContacts(piecesOf(text), 1 << 20) : jsonArrayContacts(piecesOf(text));
      const expectedCounts = await filterJsonContacts(source, expected, onMain(index), options());
      const got = new Recorder();
      const counts = await pool.run(kind, { tenantId: 'tenant-a', input: piecesOf(text), output: got, options: options() });
      expect(counts).toEqual(expectedCounts);
      expect(counts.invalidPhones).toBe(900); // every fifth phone, less the contacts without one
      expect(got.keptText).toBe(expected.keptText);
      expect(got.malformedText).toBe(expected.malformedText);
    }
  });

  it('when numbers turn invalid mid-mailing, after the status table grew and a tenant got its first own view, then the worker removes them from its later batches', async () => {
    const rows = 20_000;
    const csv = `id;telefone\n${Array.from({ length: rows }, (_v, i) => `${i};${phoneOf(i)}`).join('\n')}\n`;
    const bytes = Buffer.from(csv);
    const half = bytes.indexOf('\n', bytes.length / 2) + 1;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let firstHalfRead: () => void = () => undefined;
    const firstHalf = new Promise<void>((resolve) => {
      firstHalfRead = resolve;
    });
    async function* input(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, half);
      firstHalfRead();
      await held;
      yield bytes.subarray(half);
    }
    const progress: MailingCounts[] = [];
    const capacityBefore = index.table.arrays.statuses.length;
    const output = new Recorder();
    const running = pool.run('csv', { tenantId: 'tenant-a', input: input(), output, options: options({ onProgress: (counts) => progress.push({ ...counts }) }) });
    await firstHalf;
    // The second half's numbers: 100,000 others first, so the pool's table grows (new arrays) before these are set.
    invalidate(index, Array.from({ length: 100_000 }, (_v, i) => phoneOf(1_000_000 + i)));
    invalidate(index, Array.from({ length: 100 }, (_v, i) => phoneOf(rows - 1 - i)));
    expect(index.table.arrays.statuses.length).toBeGreaterThan(capacityBefore);
    // And tenant-a's own view of one more number: the first table of that view, made now.
    const viewer = pseudonymizer.source('tenant-a');
    expect(index.hasOverrides(viewer)).toBe(false);
    invalidate(index, [phoneOf(rows - 200)], viewer);
    release();
    const counts = await running;
    expect(counts.totalRows).toBe(rows);
    expect(counts.invalidPhones).toBe(101);
    expect(output.keptText).not.toContain(`;${phoneOf(rows - 1)}`);
    expect(output.keptText).not.toContain(`;${phoneOf(rows - 200)}`);
    expect(output.keptText).toContain(`;${phoneOf(rows - 201)}`);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('when a mailing has no phone column, then the worker refuses it with the AppError the main thread gives (code, field, message)', async () => {
    const csv = 'id;nome\n1;Ana\n';
    const onThisThread = await filterCsv(piecesOf(csv), new Recorder(), onMain(index), options()).catch((error: unknown) => error);
    const inWorker = await pool.run('csv', { tenantId: 'tenant-a', input: piecesOf(csv), output: new Recorder(), options: options() }).catch((error: unknown) => error);
    expect(onThisThread).toBeInstanceOf(AppError);
    expect(inWorker).toBeInstanceOf(AppError);
    const [a, b] = [onThisThread as AppError, inWorker as AppError];
    expect({ code: b.code, field: b.field, message: b.message, status: b.status }).toEqual({ code: a.code, field: a.field, message: a.message, status: a.status });
  });

  it('when the body fails mid-stream or the answer cannot be written, then the job fails with that error and the worker goes on serving', async () => {
    const gone = new Error('aborted: the client went away');
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from(`id;telefone\n${Array.from({ length: 5_000 }, (_v, i) => `${i};${phoneOf(i)}`).join('\n')}\n`);
      throw gone;
    }
    await expect(pool.run('csv', { tenantId: 'tenant-a', input: broken(), output: new Recorder(), options: options() })).rejects.toBe(gone);

    const closed = new Error('write after end');
    const failing: MailingOutput = { begin: async () => undefined, kept: async () => Promise.reject(closed), malformed: async () => undefined };
    const csv = `id;telefone\n${Array.from({ length: 30_000 }, (_v, i) => `${i};${phoneOf(i)}`).join('\n')}\n`;
    await expect(pool.run('csv', { tenantId: 'tenant-a', input: piecesOf(csv), output: failing, options: options() })).rejects.toBe(closed);

    const output = new Recorder();
    const counts = await pool.run('csv', { tenantId: 'tenant-a', input: piecesOf('id;telefone\n1;(11) 91234-5678\n'), output, options: options() });
    expect(counts.keptRows).toBe(1);
  });

  it('when the body fails after several batches filtered within one progress interval, then the last counts reported before the failure are those of every whole batch, and their rows were written', async () => {
    // Progress is posted at most every 100 ms; the counts of the batches since are posted before the error, as the
    // route's failure summary says how many rows were filtered (services/mailings.ts keeps the last counts).
    const rows = 3 * 4096 + 100;
    const gone = new Error('aborted: the client went away');
    async function* broken(): AsyncGenerator<Buffer> {
      // The third batch has no malformed row: its kept part is the one a worker holds when the body fails.
      yield Buffer.from(`id;telefone\n${Array.from({ length: rows }, (_v, i) => `${i};${i % 50 === 0 && i < 2 * 4096 ? '123' : phoneOf(i)}`).join('\n')}\n`);
      throw gone;
    }
    const reported: MailingCounts[] = [];
    const output = new Recorder();
    await expect(pool.run('csv', { tenantId: 'tenant-a', input: broken(), output, options: options({ onProgress: (counts) => reported.push(counts) }) })).rejects.toBe(gone);
    expect(reported.at(-1)?.totalRows).toBe(3 * 4096);
    expect(reported.at(-1)?.keptRows).toBe(output.keptText.split('\n').length - 2); // the header and the last line break
    // Each batch's kept rows come before its malformed ones, batch after batch.
    expect(output.malformedText.split('\n').filter((line) => line.includes('linha')).length).toBe(reported.at(-1)?.malformedRows);
  });

  it('when a worker dies, then the mailings it was filtering fail and a new worker filters the next one', async () => {
    let hold: () => void = () => undefined;
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.from('id;telefone\n1;(11) 91234-5678\n');
      await new Promise<void>((resolve) => {
        hold = resolve;
      });
    }
    const running = pool.run('csv', { tenantId: 'tenant-a', input: slow(), output: new Recorder(), options: options() });
    const threads = (pool as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads;
    await threads[0]!.worker.terminate();
    await expect(running).rejects.toThrow(/filter worker exited/);
    hold();
    const counts = await pool.run('csv', { tenantId: 'tenant-a', input: piecesOf('id;telefone\n1;(11) 91234-5678\n'), output: new Recorder(), options: options() });
    expect(counts.keptRows).toBe(1);
    expect(pool.size).toBe(1);
    // The dead worker no longer gets the tables: only its replacement is told of them.
    expect((index as unknown as { tableListeners: Set<unknown> }).tableListeners.size).toBe(1);
  });

  it('when a worker filters a large buffered mailing, then the main thread keeps turning its event loop far more often than once per batch', async () => {
    const rows = 200_000;
    const csv = `id;nome;telefone\n${Array.from({ length: rows }, (_v, i) => `${i};Cliente ${i};${phoneOf(i)}`).join('\n')}\n`;
    const countTurns = async (work: () => Promise<MailingCounts>) => {
      let counts: MailingCounts | undefined;
      const turns = await loopTurnsDuring(async () => {
        counts = await work();
      });
      return { turns, counts: counts! };
    };
    // On the main thread, a turn per batch at most (sliceMs 0): the filtering itself holds the loop in between.
    const main = await countTurns(() => filterCsv(piecesOf(csv, 'utf8', 1 << 20), new Recorder(), onMain(index), options({ sliceMs: 0 })));
    const worker = await countTurns(() => pool.run('csv', { tenantId: 'tenant-a', input: piecesOf(csv, 'utf8', 1 << 20), output: new Recorder(), options: options({ sliceMs: 0 }) }));
    expect(worker.counts).toEqual(main.counts);
    expect(worker.turns).toBeGreaterThan(10 * main.turns);
  });
});
