import type { VicidialDb } from './db';

/**
 * Reading `vicidial_list` without stalling the dialer. The table is MyISAM: a SELECT holds its read lock until the
 * last row is sent, and the dialer's UPDATEs (called_count, status…) queue behind it. So the leads of a list are
 * read by primary-key windows (`lead_id BETWEEN a AND b AND list_id IN (…)`, FORCE INDEX (PRIMARY)): each statement
 * touches at most one window of rows whatever the list's size or density, and the window adapts to stay near
 * `targetMs` (halved when a slice is slow, doubled when it is quick). The list_id index would read a big list in
 * index order but not in lead_id order, and ORDER BY over it sorts the whole list on every slice.
 * SQL_BUFFER_RESULT: the server copies the slice to a temporary table and frees the table lock before sending it,
 * so a slow network or a busy client never stretches the lock.
 */

export type LeadRow = {
  lead_id: number;
  list_id: string;
  status: string | null;
  phone_code: string | null;
  phone_number: string;
  alt_phone: string | null;
  address3: string | null;
  modify_date: string | null;
};

export type AltPhoneRow = { alt_phone_id: number; lead_id: number; phone_code: string | null; phone_number: string | null; active: string };

export type ScanOptions = { targetMs?: number; initialWindow?: number; minWindow?: number; maxWindow?: number };

/** `timings`, when given, receives every slice's milliseconds (benchmarks). */
export type ScanStats = { slices: number; rows: number; maxSliceMs: number; slicesOver50Ms?: number; timings?: number[] };

export const LEAD_COLUMNS = 'lead_id, list_id, status, phone_code, phone_number, alt_phone, address3, modify_date';

/** Yields the leads of `listIds` one window at a time; `stats` is filled as it goes. */
export async function* scanLeads(db: VicidialDb, listIds: readonly string[], stats: ScanStats, options: ScanOptions = {}): AsyncGenerator<LeadRow[]> {
  if (listIds.length === 0) return;
  const targetMs = options.targetMs ?? 15;
  const minWindow = options.minWindow ?? 200;
  const maxWindow = options.maxWindow ?? 4000;
  let window = options.initialWindow ?? 500;
  const [bounds] = await db.query<{ low: number | null; high: number | null }>('SELECT MIN(lead_id) AS low, MAX(lead_id) AS high FROM vicidial_list');
  if (!bounds || bounds.low === null || bounds.high === null) return;
  const lists = listIds.map(() => '?').join(', ');
  for (let low = Number(bounds.low); low <= Number(bounds.high); ) {
    const high = low + window - 1;
    const started = process.hrtime.bigint();
    const rows = await db.query<LeadRow>(
      `SELECT SQL_BUFFER_RESULT ${LEAD_COLUMNS} FROM vicidial_list FORCE INDEX (PRIMARY) WHERE lead_id BETWEEN ? AND ? AND list_id IN (${lists}) ORDER BY lead_id`,
      [low, high, ...listIds],
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    stats.slices++;
    stats.rows += rows.length;
    stats.maxSliceMs = Math.max(stats.maxSliceMs, ms);
    if (ms > 50) stats.slicesOver50Ms = (stats.slicesOver50Ms ?? 0) + 1;
    stats.timings?.push(ms);
    if (ms > targetMs) window = Math.max(minWindow, Math.floor(window / 2));
    else if (ms < targetMs / 3) window = Math.min(maxWindow, window * 2);
    low = high + 1;
    if (rows.length > 0) yield rows;
  }
}

/** The active extended alternate phones (`vicidial_list_alt_phones`) of some leads, by the indexed lead_id. */
export async function altPhonesOf(db: VicidialDb, leadIds: readonly number[]): Promise<AltPhoneRow[]> {
  if (leadIds.length === 0) return [];
  return db.query<AltPhoneRow>(
    `SELECT alt_phone_id, lead_id, phone_code, phone_number, active FROM vicidial_list_alt_phones WHERE lead_id IN (${leadIds.map(() => '?').join(', ')}) AND active = 'Y' ORDER BY lead_id, alt_phone_count`,
    leadIds,
  );
}

/** A phone as the server reads it: Brazilian numbers as stored, others with their country code. */
export function phoneForServer(number: string | null, phoneCode: string | null): string | null {
  const text = (number ?? '').trim();
  if (!text) return null;
  const code = (phoneCode ?? '').trim();
  return code === '' || code === '55' ? text : `+${code}${text.replace(/^\+/, '')}`;
}

/**
 * address3 is an address line VICIdial reuses as a third phone (auto-alt ADDR3): it counts as a phone only when it
 * is one (digits with the usual punctuation, 8 to 13 digits); a street address is never sent to the server.
 */
export function address3Phone(address3: string | null): string | null {
  const text = (address3 ?? '').trim();
  if (!/^[\d\s()+.-]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  return digits.length >= 8 && digits.length <= 13 ? text : null;
}
