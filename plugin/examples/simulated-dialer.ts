/**
 * A simulated dialer, end to end: load a mailing → register the campaign → filter it → "dial" every kept number
 * with seeded random outcomes (SIP responses, Asterisk hangups, VICIdial statuses, agent tabulations) while
 * watching for numbers that die mid-campaign → report every outcome through the durable outbox → flush.
 *
 * Run it (after `npm run build`):
 *   HYGIENE_URL=http://127.0.0.1:3000 HYGIENE_API_KEY=hyg_… node dist/plugin/examples/simulated-dialer.js mailing.csv [campaignId] [seed]
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HygieneClient, outcomeCode, type DialerSignal, type FilterResult, type OutboxStatus } from '../src/index';
import { CsvReader } from '../contract/csv';
import { prng } from '../contract/prng';

export type SimulatedDialerOptions = {
  serverUrl: string;
  apiKey: string;
  campaignId: string;
  mailingFile: string;
  /** Filtered files and the outbox go here. */
  workDir: string;
  seed?: number;
  /** Phone columns of the mailing; detected by the server when absent. */
  phoneColumns?: string[];
  log?: (line: string) => void;
};

export type SimulatedDialerResult = {
  filter: FilterResult;
  dialed: number;
  /** Calls skipped because their number was invalidated while the campaign ran. */
  skipped: number;
  /** Tabulation codes reported, with counts. */
  reported: Record<string, number>;
  outbox: OutboxStatus;
};

/** What a call "returns", with the share of calls it gets. */
const SIGNALS: Array<[DialerSignal, number]> = [
  [{ sip: 200 }, 0.3],
  [{ sip: 486 }, 0.15],
  [{ sip: 404 }, 0.1],
  [{ asteriskHangup: { Event: 'Hangup', Cause: '1', 'Cause-txt': 'Unallocated (unassigned) number' } }, 0.05],
  [{ asteriskHangup: { Event: 'Hangup', Cause: '17', 'Cause-txt': 'User busy' } }, 0.1],
  [{ vicidial: 'NA' }, 0.15],
  [{ vicidial: 'DC' }, 0.05],
  [{ code: 'atendeu' }, 0.1],
];


function pick(random: () => number): DialerSignal {
  let r = random();
  for (const [signal, share] of SIGNALS) {
    if (r < share) return signal;
    r -= share;
  }
  return SIGNALS[0]![0];
}

/** Phones of the filtered mailing, in order (the dial queue). */
async function loadDialQueue(file: string, phoneColumns: string[] | undefined): Promise<string[]> {
  const reader = new CsvReader();
  const phones: string[] = [];
  let columns: number[] | undefined;
  const take = (rows: ReturnType<CsvReader['push']>) => {
    for (const row of rows) {
      if (!columns) {
        const header = row.fields.map((name) => name.trim().toLowerCase());
        columns = header
          .map((name, index) => ((phoneColumns ? phoneColumns.map((c) => c.toLowerCase()).includes(name) : /telefone|celular|phone|fone/.test(name)) ? index : -1))
          .filter((index) => index >= 0);
        continue;
      }
      for (const index of columns) {
        const phone = row.fields[index]?.trim();
        if (phone) phones.push(phone);
      }
    }
  };
  for await (const chunk of createReadStream(file, { encoding: 'latin1' })) take(reader.push(chunk as string));
  take(reader.end());
  return phones;
}

export async function runSimulatedDialer(options: SimulatedDialerOptions): Promise<SimulatedDialerResult> {
  const log = options.log ?? (() => undefined);
  await mkdir(options.workDir, { recursive: true });
  const client = new HygieneClient({
    serverUrl: options.serverUrl,
    apiKey: options.apiKey,
    outboxDir: path.join(options.workDir, 'outbox'),
    batchSize: 500,
    flushIntervalMs: 200,
    logger: (level, message, fields) => log(`[${level}] ${message} ${fields ? JSON.stringify(fields) : ''}`),
  });
  try {
    await client.registerCampaign(options.campaignId, `Simulação ${options.campaignId}`);
    const kept = path.join(options.workDir, 'filtrado.csv');
    const filter = await client.filterMailing(options.mailingFile, {
      campaignId: options.campaignId,
      name: path.basename(options.mailingFile),
      kept,
      malformed: path.join(options.workDir, 'rejeitados.csv'),
      ...(options.phoneColumns ? { phoneColumns: options.phoneColumns } : {}),
    });
    log(`filtered: ${JSON.stringify(filter.counts)}`);

    const queue = await loadDialQueue(kept, options.phoneColumns);
    const stopped = new Set<string>();
    const watcher = client.watchCampaign(options.campaignId, queue, (phones) => {
      for (const phone of phones) stopped.add(phone);
      log(`stop dialing ${phones.length} number(s) that became invalid`);
    });
    await watcher.ready();

    const random = prng(options.seed ?? 1);
    const runId = `${Date.now().toString(36)}`;
    const reported: Record<string, number> = {};
    let dialed = 0;
    let skipped = 0;
    for (const [index, phone] of queue.entries()) {
      if (stopped.has(phone)) {
        skipped++;
        continue;
      }
      const code = outcomeCode(pick(random));
      dialed++;
      reported[code] = (reported[code] ?? 0) + 1;
      await client.reportOutcome({ callId: `${options.campaignId}-${runId}-${index}`, campaignId: options.campaignId, phone, code, occurredAt: new Date().toISOString() });
      watcher.remove([phone]);
    }
    const outbox = await client.flush();
    log(`dialed ${dialed}, skipped ${skipped}; outbox: ${JSON.stringify(outbox)}`);
    return { filter, dialed, skipped, reported, outbox };
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  const [mailingFile, campaignId = 'simulacao', seed = '1'] = process.argv.slice(2);
  const serverUrl = process.env.HYGIENE_URL;
  const apiKey = process.env.HYGIENE_API_KEY;
  if (!mailingFile || !serverUrl || !apiKey) {
    process.stderr.write('usage: HYGIENE_URL=… HYGIENE_API_KEY=… simulated-dialer <mailing.csv> [campaignId] [seed]\n');
    process.exit(2);
  }
  runSimulatedDialer({ serverUrl, apiKey, campaignId, mailingFile, workDir: path.resolve('simulacao'), seed: Number(seed), log: (line) => process.stdout.write(`${line}\n`) }).then(
    (result) => process.stdout.write(`${JSON.stringify({ counts: result.filter.counts, dialed: result.dialed, reported: result.reported }, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
