import { createHmac } from 'node:crypto';
import type { Client } from 'pg';
import { parsePhoneFast } from '../server/domain/phone';
import { Pseudonymizer } from '../server/domain/pseudonym';
import type { StatusTable } from '../server/services/statusTable';

/**
 * The two reference paths the server is compared with, run in the bench process on the same phone cells as the
 * 1M-row mailing.
 */
export type PathCounts = { malformed: number; clean: number; unconfirmed: number; invalid: number };

const BATCH = 4096;

/**
 * The floor: fast parse + one cipher call per 4,096 numbers + in-memory StatusTable lookups, nothing else (no CSV,
 * no HTTP, no output). Nothing that filters a mailing can do less work per number.
 */
export function floorPath(phones: readonly string[], pseudonymizer: Pseudonymizer, table: StatusTable): PathCounts {
  const counts: PathCounts = { malformed: 0, clean: 0, unconfirmed: 0, invalid: 0 };
  const digits = new Float64Array(BATCH);
  for (let start = 0; start < phones.length; start += BATCH) {
    const end = Math.min(phones.length, start + BATCH);
    let valid = 0;
    for (let i = start; i < end; i++) {
      const parsed = parsePhoneFast(phones[i] as string);
      if (parsed > 0) digits[valid++] = parsed;
      else counts.malformed++;
    }
    const batch = pseudonymizer.phones(digits, valid);
    for (let j = 0; j < valid; j++) {
      const status = table.get(batch.hi(j), batch.lo(j));
      if (status === 0) counts.clean++;
      else if (status === 1) counts.unconfirmed++;
      else counts.invalid++;
    }
  }
  return counts;
}

/** Pseudonyms (decimal text) the history holds for each phone cell, '' for a malformed one. Computed untimed. */
export function storedKeys(phones: readonly string[], pseudonymizer: Pseudonymizer): string[] {
  const keys = new Array<string>(phones.length).fill('');
  const digits: number[] = [];
  const positions: number[] = [];
  phones.forEach((phone, i) => {
    const parsed = parsePhoneFast(phone);
    if (parsed > 0) {
      digits.push(parsed);
      positions.push(i);
    }
  });
  const batch = pseudonymizer.phones(digits);
  positions.forEach((position, j) => {
    keys[position] = batch.bigint(j).toString();
  });
  return keys;
}

export const NAIVE_BATCH = 10_000;

/**
 * The naive path: fast parse, one createHmac('sha256') per number, then `= ANY($1)` lookups of 10,000 keys at a time
 * on the 20M-row history's primary key. The HMAC digests are computed and paid for, but the lookups use the keys
 * the history really holds (`keys`, from storedKeys) so that hits and misses, and their heap fetches, are the real
 * ones; a store keyed by HMAC would have the same shape. The fast parser is used (libphonenumber-js would add ~9 s
 * per 1M), so this naive figure is an optimistic one.
 */
export async function naivePath(phones: readonly string[], keys: readonly string[], hmacKey: Buffer, client: Client): Promise<PathCounts & { hmacMs: number; sqlMs: number }> {
  const counts = { malformed: 0, clean: 0, unconfirmed: 0, invalid: 0, hmacMs: 0, sqlMs: 0 };
  let sink = 0;
  for (let start = 0; start < phones.length; start += NAIVE_BATCH) {
    const end = Math.min(phones.length, start + NAIVE_BATCH);
    const hmacStarted = performance.now();
    const batchKeys: string[] = [];
    for (let i = start; i < end; i++) {
      const parsed = parsePhoneFast(phones[i] as string);
      if (parsed <= 0) {
        counts.malformed++;
        continue;
      }
      const digest = createHmac('sha256', hmacKey).update(String(parsed)).digest();
      sink ^= digest[0] as number;
      batchKeys.push(keys[i] as string);
    }
    const sqlStarted = performance.now();
    counts.hmacMs += sqlStarted - hmacStarted;
    const { rows } = await client.query<{ pseudonym: string; status: number }>(
      'SELECT pseudonym, status FROM number_history WHERE pseudonym = ANY($1::bigint[])',
      [batchKeys],
    );
    counts.sqlMs += performance.now() - sqlStarted;
    let found = 0;
    for (const row of rows) {
      found++;
      if (row.status === 1) counts.unconfirmed++;
      else if (row.status === 2) counts.invalid++;
      else counts.clean++;
    }
    counts.clean += batchKeys.length - found;
  }
  if (sink === 256) process.stdout.write(''); // keeps the digests observable
  return counts;
}

export { Pseudonymizer };
