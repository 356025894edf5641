import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { VALID_DDDS } from '../server/domain/phone';
import { Pseudonymizer } from '../server/domain/pseudonym';
import { StatusTable } from '../server/services/statusTable';
import { prng } from '../plugin/contract/prng';

export { prng };

/**
 * Synthetic data for the bench: a bijection from an index to a valid Brazilian mobile number, so the history, the
 * mailings and the tabulations can name "the same numbers" without storing lists of them.
 *
 * - index < historySize: the number is in the shared history; every 10th is not clean (every 20th invalid, the
 *   others unconfirmed with a score of 1-9), so 10% of the history is loaded into every server's status index.
 *   `nonCleanEvery` changes that share (5: every 5th not clean, every 10th invalid, 20% in the index: the
 *   national bench).
 * - index >= historySize: a number the history has never seen ("fresh").
 */
const DDDS = [...VALID_DDDS];
const STRIDE = 48_271; // prime, coprime with 10^8: k -> (k * STRIDE + 12345) mod 10^8 is a bijection

export function numberAt(index: number): number {
  const ddd = DDDS[index % DDDS.length] as number;
  const k = Math.floor(index / DDDS.length);
  const subscriber = (k * STRIDE + 12_345) % 100_000_000;
  return 5_500_000_000_000 + ddd * 1_000_000_000 + 900_000_000 + subscriber;
}

/** 0 clean, 1 unconfirmed, 2 invalid: the status the generated history gives this index (one in `nonCleanEvery` not clean). */
export function statusAt(index: number, historySize: number, nonCleanEvery = 10): number {
  if (index >= historySize || index % nonCleanEvery !== 0) return 0;
  return index % (2 * nonCleanEvery) === 0 ? 2 : 1;
}


/** The spellings a CRM export holds: bare digits, (DDD) masks, +55, trunk 0. */
export function spell(digits: number, style: number): string {
  const national = String(digits - 5_500_000_000_000);
  switch (style % 4) {
    case 0:
      return national;
    case 1:
      return `(${national.slice(0, 2)}) ${national.slice(2, 7)}-${national.slice(7)}`;
    case 2:
      return `+55 ${national.slice(0, 2)} ${national.slice(2, 7)}-${national.slice(7)}`;
    default:
      return `0${national}`;
  }
}

export type MailingMix = { fromHistory: number; fresh: number; malformed: number };
export const MAILING_MIX: MailingMix = { fromHistory: 0.8, fresh: 0.19, malformed: 0.01 };

/**
 * Phone cells of a mailing: 80% numbers of the history (so ~8% hygienized), 19% fresh, 1% malformed (a mobile
 * written without its DDD, or an empty cell). `freshBase` keeps different mailings' fresh numbers apart.
 */
export class PhoneDraw {
  private readonly random: () => number;
  private fresh: number;
  constructor(seed: number, private readonly historySize: number, freshBase: number) {
    this.random = prng(seed);
    this.fresh = historySize + freshBase;
  }
  next(): string {
    const r = this.random();
    const style = Math.floor(this.random() * 4);
    if (r < MAILING_MIX.fromHistory) return spell(numberAt(Math.floor(this.random() * this.historySize)), style);
    if (r < MAILING_MIX.fromHistory + MAILING_MIX.fresh) return spell(numberAt(this.fresh++), style);
    return style === 0 ? '' : String(numberAt(this.fresh++) - 5_500_000_000_000).slice(2);
  }
}

export const MAILING_HEADER = 'id;nome;telefone\n';

/** One CSV mailing as a Buffer (and its phone cells, for the floor and naive paths). */
export function buildMailing(rows: number, draw: PhoneDraw, keepPhones = false): { csv: Buffer; phones: string[] } {
  const phones: string[] = [];
  const parts: string[] = [MAILING_HEADER];
  let chunk = '';
  for (let r = 1; r <= rows; r++) {
    const phone = draw.next();
    if (keepPhones) phones.push(phone);
    chunk += `${r};Cliente ${r};${phone}\n`;
    if (chunk.length > 1 << 16) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return { csv: Buffer.from(parts.join(''), 'latin1'), phones };
}

/** A mailing generated while it is sent (never held whole in memory nor written to disk). */
export function streamMailing(rows: number, draw: PhoneDraw): Readable {
  let r = 0;
  let headerSent = false;
  return new Readable({
    read() {
      let chunk = headerSent ? '' : MAILING_HEADER;
      headerSent = true;
      while (r < rows && chunk.length < 1 << 16) {
        r++;
        chunk += `${r};Cliente ${r};${draw.next()}\n`;
      }
      if (chunk) this.push(Buffer.from(chunk, 'latin1'));
      if (r >= rows) this.push(null);
    },
  });
}

// ---- history load (PostgreSQL COPY, binary format) ----

const PG_EPOCH_US = 946_684_800_000_000n; // 2000-01-01 in µs since 1970
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const CHUNK = 1 << 18; // numbers per cipher call / COPY chunk

export type HistoryLoad = { rows: number; nonClean: number; generateMs: number; indexMs: number; analyzeMs: number; table: StatusTable };

/**
 * Streams `historySize` rows into number_history with COPY ... (FORMAT binary), pseudonymized in-process with the
 * server's key (one cipher call per 262,144 numbers). Indexes are dropped during the load and rebuilt after, as
 * any bulk load does. Returns the non-clean part as a StatusTable (the floor's in-memory set).
 */
export async function loadHistory(
  client: Client,
  pseudonymKey: Buffer,
  historySize: number,
  log: (line: string) => void,
  /** The share of the history that is not clean: 0.1 (one number in 10) unless told, 0.2 for the national bench. */
  nonCleanShare = 0.1,
): Promise<HistoryLoad> {
  const nonCleanEvery = Math.round(1 / nonCleanShare);
  const pseudonymizer = new Pseudonymizer(pseudonymKey);
  // Sized for the whole non-clean part up front: growing a 20M-number table doubles it while both copies live.
  const table = new StatusTable(StatusTable.capacityFor(Math.ceil(historySize / nonCleanEvery)));
  const markedAt = BigInt(Date.now() - 10 * 86_400_000) * 1000n - PG_EPOCH_US; // ten days ago: old enough to be past every poll margin
  let version = 0;
  let nonClean = 0;
  const started = performance.now();
  // Whatever secondary indexes the migrations define today are dropped and recreated from their own definitions.
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'number_history' AND indexname <> 'number_history_pkey'",
  );
  await client.query('ALTER TABLE number_history DROP CONSTRAINT number_history_pkey');
  for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
  const columns = 'pseudonym, status, invalid_score, invalid_reports, contact_reports, last_invalid_at, status_version, status_changed_at';
  async function* rows(): AsyncGenerator<Buffer> {
    const header = Buffer.alloc(19);
    COPY_SIGNATURE.copy(header, 0);
    yield header; // flags and extension length are 0
    const digits = new Float64Array(CHUNK);
    for (let base = 0; base < historySize; base += CHUNK) {
      const count = Math.min(CHUNK, historySize - base);
      for (let j = 0; j < count; j++) digits[j] = numberAt(base + j);
      const batch = pseudonymizer.phones(digits, count);
      const ROW = 2 + 8 * 4 + 8 + 2 + 3 * 4 + 8 + 8 + 8; // a field count, 8 lengths, the values (last_invalid_at may be NULL)
      const out = Buffer.allocUnsafe(count * ROW);
      let o = 0;
      for (let j = 0; j < count; j++) {
        const index = base + j;
        const status = statusAt(index, historySize, nonCleanEvery);
        const score = status === 2 ? 10 : status === 1 ? 1 + ((index / nonCleanEvery) % 9) : 0;
        o = out.writeInt16BE(8, o);
        o = out.writeInt32BE(8, o);
        o = out.writeInt32BE(batch.hi(j), o); // the 64-bit pseudonym, big-endian, without a BigInt
        o = out.writeInt32BE(batch.lo(j), o);
        o = out.writeInt32BE(2, o);
        o = out.writeInt16BE(status, o);
        for (const value of [score, status ? score + 2 : 0, index % 7]) {
          o = out.writeInt32BE(4, o);
          o = out.writeInt32BE(value, o);
        }
        if (status) {
          o = out.writeInt32BE(8, o);
          o = out.writeBigInt64BE(markedAt, o);
        } else {
          o = out.writeInt32BE(-1, o);
        }
        o = out.writeInt32BE(8, o);
        o = out.writeInt32BE(0, o);
        o = out.writeInt32BE(status ? ++version : 0, o);
        o = out.writeInt32BE(8, o);
        o = out.writeBigInt64BE(markedAt, o);
        if (status) {
          table.set(batch.hi(j), batch.lo(j), status, 0);
          nonClean++;
        }
      }
      yield out.subarray(0, o);
      if ((base / CHUNK) % 16 === 15) log(`  history: ${((base + count) / 1e6).toFixed(1)}M rows`);
    }
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1, 0);
    yield trailer;
  }
  // FREEZE (table truncated in the same transaction): rows are written all-visible, so no VACUUM is needed after.
  await client.query('BEGIN');
  await client.query('TRUNCATE number_history');
  await pipeline(Readable.from(rows()), client.query(copyFrom(`COPY number_history (${columns}) FROM STDIN WITH (FORMAT binary, FREEZE)`)));
  await client.query('COMMIT');
  const generateMs = performance.now() - started;
  const indexStarted = performance.now();
  await client.query("SET maintenance_work_mem = '1GB'");
  await client.query('ALTER TABLE number_history ADD CONSTRAINT number_history_pkey PRIMARY KEY (pseudonym)');
  for (const index of indexes) await client.query(index.definition);
  await client.query(`SELECT setval('status_version_seq', ${version + 1})`);
  const indexMs = performance.now() - indexStarted;
  const analyzeStarted = performance.now();
  await client.query('ANALYZE number_history');
  return { rows: historySize, nonClean, generateMs, indexMs, analyzeMs: performance.now() - analyzeStarted, table };
}
