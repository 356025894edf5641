import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect } from 'socket.io-client';
import { HygieneClient } from '../../plugin/src/index';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { memoryLogger } from '../support/logs';
import { killAllChildren, spawnChild } from '../support/processes';
import { recordFault } from '../support/reliability';
import { expectedCounters, outcomeFor } from './fixtures/outcomes';

/**
 * A server whose MAX_BATCH_SIZE is below the plugin's batchSize: the batch is split and re-sent, never
 * dead-lettered for its size, the smaller size is remembered, and refusals that do happen are unmistakable.
 */

const BIN = path.resolve(__dirname, '..', '..', 'plugin', 'bin', 'hygiene.js');

describe('a server batch limit below the plugin batch size', () => {
  let server: TestServer;
  let logs: ReturnType<typeof memoryLogger>;
  let tenant: BuiltTenant;
  let dir: string;

  beforeEach(async () => {
    logs = memoryLogger();
    server = await startTestServer({ env: { MAX_BATCH_SIZE: '500' }, logger: logs.logger });
    tenant = await buildTenant(server);
    dir = await mkdtemp(path.join(tmpdir(), 'hyg-batch-'));
  });

  afterEach(async () => {
    await killAllChildren();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const tooLarge = () => logs.lines().filter((line) => line.msg === 'request rejected' && line.code === 'BATCH_TOO_LARGE').length;

  it('when a batch is over MAX_BATCH_SIZE, then HTTP answers 413 BATCH_TOO_LARGE on outcomes naming the limit, and so does the socket', async () => {
    const batch = Array.from({ length: 501 }, (_v, i) => outcomeFor('big', 'campanha', i));
    const response = await server.api().post('/v1/outcomes').set('authorization', tenant.auth('dialer')).send({ outcomes: batch }).expect(413);
    expect(response.body.error).toMatchObject({ code: 'BATCH_TOO_LARGE', field: 'outcomes', message: expect.stringMatching(/at most 500 outcomes per batch \(got 501\)/) });

    const socket = connect(server.url, { transports: ['websocket'], reconnection: false, auth: { token: tenant.dialerKey } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const ack = await socket.timeout(30_000).emitWithAck('outcomes:report', { outcomes: batch });
      expect(ack).toMatchObject({ ok: false, error: { code: 'BATCH_TOO_LARGE', field: 'outcomes', message: expect.stringContaining('at most 500') } });
    } finally {
      socket.close();
    }
  });

  it('when the plugin batch is 1000 and the server takes 500, then all 2,000 outcomes are counted, none dead-lettered, and the limit is learned once', async () => {
    const client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'outbox'), batchSize: 1000, flushIntervalMs: 60_000, retry: { baseMs: 10, maxMs: 50, maxAttempts: 3 } });
    try {
      await client.reportOutcomes(Array.from({ length: 2000 }, (_v, i) => outcomeFor('lim', 'campanha', i)));
      const status = await client.flush();
      expect(status).toMatchObject({ pending: 0, deadLetters: 0, deadLettered: 0, delivered: { accepted: 2000, duplicates: 0, rejected: 0 } });
      expect(await client.deadLetters()).toEqual([]);
      // Later batches go out at the learned size: the server refused a size only once.
      await client.reportOutcomes(Array.from({ length: 2000 }, (_v, i) => outcomeFor('lim', 'campanha', 2000 + i)));
      expect(await client.flush()).toMatchObject({ pending: 0, deadLetters: 0, delivered: { accepted: 4000 } });
      expect(tooLarge()).toBe(1);
      const counters = (await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer')).expect(200)).body.reported;
      expect(counters).toEqual(expectedCounters(4000));
      const counted = counters.invalid + counters.contact + counters.neutral;
      recordFault({
        fault: 'server MAX_BATCH_SIZE 500 below the plugin batch of 1000',
        load: '4,000 tabulations in two flushes',
        sent: 4000,
        counted,
        lost: 4000 - counted,
        doubled: Math.max(0, counted - 4000),
        clientSaw: `${tooLarge()} batch refused with 413 BATCH_TOO_LARGE, split to 500 and remembered; 0 dead letters`,
        recoveryMs: null,
      });
    } finally {
      await client.close();
    }
  });

  it('when the server refuses outcomes into the dead letters, then flush says how many and "reportar" exits 1 saying so in pt-BR', async () => {
    const client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'lib-outbox'), flushIntervalMs: 60_000 });
    try {
      await client.reportOutcomes([outcomeFor('dl', 'campanha', 0), { ...outcomeFor('dl', 'campanha', 1), code: 'CODIGO_DESCONHECIDO' }]);
      expect(await client.flush()).toMatchObject({ pending: 0, deadLettered: 1, deadLetters: 1, delivered: { accepted: 1, rejected: 1 } });
      expect(await client.flush()).toMatchObject({ deadLettered: 0, deadLetters: 1 }); // this flush refused nothing new
    } finally {
      await client.close();
    }

    const file = path.join(dir, 'tabulacoes.csv');
    await writeFile(file, ['id_chamada;telefone;codigo', 'cli-1;11 91234-5678;sip:404', 'cli-2;11 91234-5679;CODIGO_DESCONHECIDO'].join('\n'));
    const child = spawnChild([BIN, 'reportar', file, '--campanha', 'campanha'], { HYGIENE_LANG: '', HYGIENE_URL: server.url, HYGIENE_API_KEY: tenant.dialerKey, HYGIENE_OUTBOX: path.join(dir, 'cli-outbox') });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    expect(child.stdout()).toContain('Enviadas: 1 aceitas, 0 duplicadas (já contadas), 1 rejeitadas.');
    expect(child.stderr()).toContain('ATENÇÃO: 1 tabulações foram RECUSADAS pelo servidor e NÃO foram contadas');
    expect(child.stderr()).toContain(path.join(dir, 'cli-outbox', 'dead-letters.ndjson'));
  });
});
