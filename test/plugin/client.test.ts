import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { HygieneApiError, HygieneClient, HygieneConfigError, HygieneFilterError } from '../../plugin/src/index';
import { backoffDelay, withRetry } from '../../plugin/src/http';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { freePort } from '../support/processes';

const fastRetry = { baseMs: 10, maxMs: 50, maxAttempts: 3 };

describe('HygieneClient options', () => {
  it('when options are missing or out of range, then the constructor names every bad one', () => {
    expect(() => new HygieneClient({ serverUrl: 'not a url', apiKey: '' })).toThrow(HygieneConfigError);
    try {
      new HygieneClient({ serverUrl: 'ftp://x', apiKey: 'hyg_a b', batchSize: 20_000, retry: { baseMs: 100, maxMs: 10 }, filterFailurePolicy: 'maybe' as never });
      throw new Error('no error');
    } catch (error) {
      const message = (error as Error).message;
      for (const field of ['serverUrl', 'apiKey', 'batchSize', 'retry.maxMs', 'filterFailurePolicy']) expect(message).toContain(field);
    }
  });

  it('when only the server and key are given, then the documented defaults apply', () => {
    const client = new HygieneClient({ serverUrl: 'http://127.0.0.1:1', apiKey: 'hyg_x_y' });
    expect(client.options).toMatchObject({ batchSize: 1000, flushIntervalMs: 1000, requestTimeoutMs: 15_000, filterFailurePolicy: 'fail-closed', retry: { baseMs: 250, maxMs: 30_000, maxAttempts: 5 } });
    expect(client.options.outboxDir).toBe(path.resolve('hygiene-outbox'));
  });
});

describe('HygieneClient against a real server', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let dir: string;
  let client: HygieneClient;

  beforeEach(async () => {
    server = await startTestServer();
    tenant = await buildTenant(server);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-client-'));
    client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox'), retry: fastRetry, flushIntervalMs: 50 });
  });

  afterEach(async () => {
    await client.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('when contacts are objects with two phone columns, then kept and malformed contacts come back as objects with every field', async () => {
    await tenant.campaign('objetos', true);
    async function* contacts() {
      yield { nome: 'Ana', celular: '11 91234-5678', fixo: '(11) 3456-7890', saldo: 10.5 };
      yield { nome: 'Bia', celular: '12345', fixo: '11 3456-7891', saldo: 0 };
    }
    const kept: unknown[] = [];
    const malformed: unknown[] = [];
    const sink = (into: unknown[]) =>
      new Writable({
        objectMode: true,
        write: (item, _e, cb) => {
          into.push(item);
          cb();
        },
      });
    const result = await client.filterMailing(contacts(), { campaignId: 'objetos', phoneColumns: ['celular', 'fixo'], kept: sink(kept), malformed: sink(malformed) });
    expect(kept).toEqual([{ nome: 'Ana', celular: '11 91234-5678', fixo: '(11) 3456-7890', saldo: 10.5 }]);
    expect(malformed).toEqual([{ contact: { nome: 'Bia', celular: '12345', fixo: '11 3456-7891', saldo: 0 }, reasons: [expect.objectContaining({ column: 'celular' })] }]);
    expect(result).toMatchObject({ hygieneApplied: true, unfiltered: null, counts: { totalRows: 2, keptRows: 1, malformedRows: 1, phonesTotal: 4 } });
  });

  it('when a 200k-row CSV streams in, then kept rows come back before the input has been read to its end (it streams, memory stays bounded)', async () => {
    await tenant.campaign('grande', true);
    const ROWS = 200_000;
    let keptBytes = 0;
    let keptBytesBeforeLastChunk = -1;
    let expectedBytes = 0;
    async function* mailing() {
      const header = Buffer.from('nome;telefone\n', 'latin1');
      expectedBytes += header.length;
      yield header;
      for (let i = 0; i < ROWS; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) chunk += `Cliente ${j};11 9${70_000_000 + j}\n`;
        if (i + 1000 >= ROWS) {
          // The last chunk is held until kept rows come back (20 s at most): a side that buffered the whole mailing
          // would answer nothing before it, however fast the rest was sent. (Timing alone could not tell: the whole
          // body fits in loopback's socket buffers before a filter on a busy machine answers its first batch.)
          const until = Date.now() + 20_000;
          while (keptBytes === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
          keptBytesBeforeLastChunk = keptBytes;
        }
        expectedBytes += chunk.length;
        yield Buffer.from(chunk, 'latin1');
      }
    }
    const kept = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        keptBytes += chunk.length;
        cb();
      },
    });
    const result = await client.filterMailing(Readable.from(mailing(), { objectMode: false }), { campaignId: 'grande', kept });
    expect(result.counts).toMatchObject({ totalRows: ROWS, keptRows: ROWS });
    expect(keptBytes).toBe(expectedBytes);
    // Had either side buffered the mailing, nothing would have come back before the input ended.
    expect(keptBytesBeforeLastChunk).toBeGreaterThan(0);
  });

  it('when the campaign does not exist, then filtering fails with the 404 and writes nothing', async () => {
    const kept = path.join(dir, 'kept.csv');
    await writeFile(path.join(dir, 'in.csv'), 'telefone\n11912345678\n');
    await expect(client.filterMailing(path.join(dir, 'in.csv'), { campaignId: 'nope', kept })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(existsSync(kept)).toBe(false);
  });

  it('when an outcome has a code the tenant map does not know, then it goes to the dead letters with its error and the others are counted', async () => {
    await client.reportOutcomes([
      { callId: 'ok-1', campaignId: 'c1', phone: '11 91234-5678', code: 'sip:404' },
      { callId: 'bad-1', campaignId: 'c1', phone: '11 91234-5679', code: 'CODIGO_DESCONHECIDO' },
      { callId: 'ok-2', campaignId: 'c1', phone: '11 91234-5670', code: 'atendeu' },
    ]);
    const status = await client.flush();
    expect(status).toMatchObject({ pending: 0, deadLetters: 1, delivered: { accepted: 2, rejected: 1 } });
    const letters = await client.deadLetters();
    expect(letters).toEqual([expect.objectContaining({ outcome: expect.objectContaining({ callId: 'bad-1' }), error: expect.objectContaining({ code: 'UNKNOWN_TABULATION' }) })]);
    const campaign = await client.getCampaign('c1');
    expect(campaign.reported).toEqual({ invalid: 1, contact: 1, neutral: 0 });
  });

  it('when an outcome lacks a field, then reportOutcomes throws before anything is queued', async () => {
    await expect(client.reportOutcomes([{ callId: 'x', campaignId: 'c', phone: '', code: 'sip:404' }])).rejects.toThrow(/phone/);
    expect((await client.outboxStatus()).pending).toBe(0);
  });

  it('when the outbox directory is held by another live client, then a second one is refused', async () => {
    await client.reportOutcome({ callId: 'lock', campaignId: 'c1', phone: '11 91234-5678', code: 'sip:486' });
    const second = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox') });
    await expect(second.outboxStatus()).rejects.toThrow(/in use by process/);
    await second.close();
  });
});

describe('backoff', () => {
  it('when attempts grow, then each delay stays between half and all of min(maxMs, baseMs*2^(n-1))', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('when a call keeps failing with 5xx, then withRetry stops after maxAttempts; with a 4xx it stops after one', async () => {
    let calls = 0;
    const failing = (error: Error) => async () => {
      calls++;
      throw error;
    };
    await expect(withRetry({ baseMs: 1, maxMs: 2, maxAttempts: 4 }, failing(new HygieneApiError(503, 'UNAVAILABLE', 'down')))).rejects.toThrow(/503/);
    expect(calls).toBe(4);
    calls = 0;
    await expect(withRetry({ baseMs: 1, maxMs: 2, maxAttempts: 4 }, failing(new HygieneApiError(422, 'VALIDATION_FAILED', 'bad')))).rejects.toThrow(/422/);
    expect(calls).toBe(1);
  });
});

describe('HygieneClient retry and failure policies', () => {
  let dir: string;
  let stub: Server | undefined;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), 'hyg-policy-'))));
  afterEach(async () => {
    await new Promise((resolve) => (stub ? stub.close(resolve) : resolve(undefined)));
    stub = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A server that answers every request with `status` and counts the requests. */
  async function answering(status: number): Promise<{ url: string; hits: () => number }> {
    let hits = 0;
    stub = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: status >= 500 ? 'UNAVAILABLE' : 'VALIDATION_FAILED', message: 'stub', requestId: 'r1' } }));
    });
    await new Promise<void>((resolve) => stub!.listen(0, '127.0.0.1', resolve));
    const address = stub.address() as { port: number };
    return { url: `http://127.0.0.1:${address.port}`, hits: () => hits };
  }

  it('when the server answers 400 to a batch, then it is sent once and the batch is dead-lettered, not retried', async () => {
    const target = await answering(400);
    const client = new HygieneClient({ serverUrl: target.url, apiKey: 'hyg_x_y', outboxDir: path.join(dir, 'o'), retry: fastRetry, flushIntervalMs: 10_000 });
    await client.reportOutcomes([{ callId: 'a', campaignId: 'c', phone: '11912345678', code: 'sip:404' }]);
    const status = await client.flush();
    expect(target.hits()).toBe(1);
    expect(status).toMatchObject({ pending: 0, deadLetters: 1, lastError: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
    await client.close();
  });

  it('when the server answers 503, then flush retries up to maxAttempts and the outcomes stay pending on disk', async () => {
    const target = await answering(503);
    const client = new HygieneClient({ serverUrl: target.url, apiKey: 'hyg_x_y', outboxDir: path.join(dir, 'o'), retry: fastRetry, flushIntervalMs: 10_000 });
    await client.reportOutcomes([{ callId: 'a', campaignId: 'c', phone: '11912345678', code: 'sip:404' }]);
    await expect(client.flush()).rejects.toMatchObject({ status: 503 });
    expect(target.hits()).toBeGreaterThanOrEqual(3); // flush's 3 attempts, plus any of the background flusher
    expect(await client.outboxStatus()).toMatchObject({ pending: 1, deadLetters: 0 });
    await client.close();
  });

  it('when the server is unreachable and the policy is fail-closed (default), then filtering refuses and writes nothing', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const input = path.join(dir, 'in.csv');
    await writeFile(input, 'nome;telefone\nAna;11912345678\n');
    const client = new HygieneClient({ serverUrl: url, apiKey: 'hyg_x_y', outboxDir: path.join(dir, 'o'), retry: fastRetry });
    await expect(client.filterMailing(input, { campaignId: 'c', kept: path.join(dir, 'kept.csv') })).rejects.toThrow(HygieneFilterError);
    expect(existsSync(path.join(dir, 'kept.csv'))).toBe(false);
    await client.close();
  });

  it('when the server is unreachable and the policy is fail-open, then the mailing is copied untouched and the result says unfiltered', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const input = path.join(dir, 'in.csv');
    const csv = 'nome;telefone\r\nAna;11912345678\r\nBia;123\r\n';
    await writeFile(input, csv);
    const client = new HygieneClient({ serverUrl: url, apiKey: 'hyg_x_y', outboxDir: path.join(dir, 'o'), retry: fastRetry, filterFailurePolicy: 'fail-open' });
    const result = await client.filterMailing(input, { campaignId: 'c', kept: path.join(dir, 'kept.csv') });
    expect(result).toMatchObject({ hygieneApplied: false, mailing: null, unfiltered: { reason: expect.stringContaining('ECONNREFUSED') }, counts: { totalRows: 2, keptRows: 2 } });
    expect(await readFile(path.join(dir, 'kept.csv'), 'utf8')).toBe(csv);
    await client.close();
  });
});
