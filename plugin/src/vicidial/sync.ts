import type { OutcomeReport } from '../../contract/protocol';
import { acquireLock, releaseLock } from '../outboxFiles';
import { mkdir } from 'node:fs/promises';
import { StatusBook, decide, type CarrierRow, type ClassifyContext, type LogRow } from './classify';
import type { VicidialConfig } from './config';
import { chunks, placeholders, type VicidialDb } from './db';
import { loadState, saveState, secondsBetween, shiftDateTime, type SyncState } from './state';

/**
 * Incremental sync of VICIdial's calls into the durable outbox.
 *
 * Reads: `vicidial_carrier_log` and `vicidial_log` by `call_date` (indexed in both), in keyed slices of `fatia` rows
 * (`call_date > ? ORDER BY call_date LIMIT n`, then the whole last second by `call_date = ?` so a second is never
 * cut in half), and keyed look-ups by `uniqueid` (primary key of both) for the other half of a call and for calls
 * still waiting. No statement scans: each one holds MyISAM's read lock for a few milliseconds (docs/vicidial.md).
 * Once caught up, every pass re-reads the last `sobreposicaoSegundos` (rows inserted late with an older call_date:
 * unanswered calls logged at hang-up, clock skew between telephony servers); `done` keeps those from going twice.
 * Calls whose final status is not there yet wait in `pending` (by uniqueid) up to `janelaSegundos`.
 */

export interface OutcomeSink {
  reportOutcomes(outcomes: readonly OutcomeReport[]): Promise<void>;
}

export type PassResult = {
  read: number;
  reported: number;
  skipped: number;
  pending: number;
  caughtUp: boolean;
  /** Seconds between the newest call read and the database's clock. */
  lagSeconds: number | null;
  maxQueryMs: number;
};

const CARRIER_COLUMNS = 'uniqueid, call_date, lead_id, hangup_cause, dialstatus, dial_time, answered_time, sip_hangup_cause';
const LOG_COLUMNS = 'uniqueid, lead_id, list_id, campaign_id, call_date, length_in_sec, status, phone_code, phone_number, alt_dial';

type Keyed = { uniqueid: string; call_date: string };

export class VicidialSync {
  private state: SyncState | undefined;
  private statuses: StatusBook | undefined;

  constructor(
    private readonly db: VicidialDb,
    private readonly config: VicidialConfig,
    private readonly sink: OutcomeSink,
    private readonly knownCodes: () => ReadonlySet<string>,
  ) {}

  /** Locks the state directory (one sync per VICIdial system) and loads the place it left off. */
  async open(): Promise<void> {
    await mkdir(this.config.estadoDir, { recursive: true });
    acquireLock(this.config.estadoDir);
    try {
      this.state = await loadState(this.config.estadoDir);
      this.statuses = await StatusBook.load(this.db);
    } catch (error) {
      releaseLock(this.config.estadoDir);
      throw error;
    }
  }

  close(): void {
    releaseLock(this.config.estadoDir);
  }

  /** Re-reads the status flags (a supervisor may add statuses while the daemon runs). */
  async reloadStatuses(): Promise<void> {
    this.statuses = await StatusBook.load(this.db);
  }

  get totals(): SyncState['totals'] {
    return this.state!.totals;
  }

  /** One pass: read what is new, decide, queue durably, then move the place forward. */
  async pass(): Promise<PassResult> {
    const state = this.state!;
    const queriesBefore = this.db.meter.maxMs;
    this.db.meter.maxMs = 0;
    const now = (await this.db.query<{ now: string }>('SELECT NOW() AS now'))[0]!.now;
    const start = this.config.inicio ? (this.config.inicio.length === 10 ? `${this.config.inicio} 00:00:00` : this.config.inicio) : `${now.slice(0, 10)} 00:00:00`;
    const from = (mark: string | null) => (mark === null ? shiftDateTime(start, -1) : state.caughtUp ? shiftDateTime(mark, -this.config.sobreposicaoSegundos) : mark);

    const carrierRead = await this.readByDate<CarrierRow>('vicidial_carrier_log', CARRIER_COLUMNS, from(state.carrier));
    const logRead = await this.readByDate<LogRow>('vicidial_log', LOG_COLUMNS, from(state.log));

    const carriers = new Map<string, CarrierRow>();
    const logs = new Map<string, LogRow>();
    const firstSeen = new Map<string, string>(Object.entries(state.pending));
    for (const row of carrierRead.rows) if (!(row.uniqueid in state.done)) carriers.set(row.uniqueid, row);
    for (const row of logRead.rows) if (!(row.uniqueid in state.done)) logs.set(row.uniqueid, row);
    for (const row of [...carriers.values(), ...logs.values()]) {
      const seen = firstSeen.get(row.uniqueid);
      if (!seen || row.call_date < seen) firstSeen.set(row.uniqueid, row.call_date);
    }
    // The other half of each call, and a fresh look at the ones waiting (their status may have changed).
    const candidates = [...firstSeen.keys()];
    const waiting = Object.keys(state.pending);
    const logsToFetch = [...new Set([...candidates.filter((id) => !logs.has(id)), ...waiting])];
    for (const row of await this.byUniqueid<LogRow>('vicidial_log', LOG_COLUMNS, logsToFetch)) logs.set(row.uniqueid, row);
    for (const row of await this.byUniqueid<CarrierRow>('vicidial_carrier_log', CARRIER_COLUMNS, candidates.filter((id) => !carriers.has(id)))) carriers.set(row.uniqueid, row);

    const context: ClassifyContext = {
      statuses: this.statuses!,
      knownCodes: this.knownCodes(),
      statusMap: this.config.mapaStatus,
      campaigns: this.config.campanhas,
      onlyMapped: this.config.somenteMapeadas,
      callIdPrefix: this.config.idSistema,
      utcOffset: this.config.fusoHorario,
    };
    const outcomes: OutcomeReport[] = [];
    const nextPending: Record<string, string> = {};
    const done: Record<string, string> = {};
    let skipped = 0;
    for (const [uniqueid, since] of firstSeen) {
      const age = secondsBetween(since, now);
      const expired = age > this.config.janelaSegundos;
      const decision = decide(carriers.get(uniqueid), logs.get(uniqueid), context, age > this.config.esperaOperadoraSegundos, expired);
      if (decision.kind === 'report') {
        outcomes.push(decision.outcome);
        done[uniqueid] = since;
      } else if (decision.kind === 'skip') {
        skipped++;
        done[uniqueid] = since;
      } else if (expired) {
        state.totals.expiredWithoutLog++;
        done[uniqueid] = since;
      } else {
        nextPending[uniqueid] = since;
      }
    }

    // Durable in the outbox first, the place second: a crash between the two re-queues the same call ids.
    for (const batch of chunks(outcomes, 5000)) await this.sink.reportOutcomes(batch);

    const carrierMark = carrierRead.last ?? state.carrier;
    const logMark = logRead.last ?? state.log;
    // `done` only has to cover what the next re-read meets: the overlap below each table's mark. A table that went
    // quiet (carrier logging switched off) keeps its mark, so its small window is kept, not everything after it.
    const windows = [carrierMark, logMark].filter((v): v is string => v !== null).map((mark) => [shiftDateTime(mark, -this.config.sobreposicaoSegundos - 60), mark] as const);
    const newest = windows.map(([, mark]) => mark).sort().pop();
    const keptDone: Record<string, string> = {};
    for (const [id, date] of Object.entries({ ...state.done, ...done })) {
      if (windows.some(([from, mark]) => date >= from && (date <= mark || mark === newest))) keptDone[id] = date;
    }
    const caughtUp = carrierRead.complete && logRead.complete;
    this.state = {
      ...state,
      carrier: carrierMark,
      log: logMark,
      caughtUp,
      done: keptDone,
      pending: nextPending,
      totals: { ...state.totals, reported: state.totals.reported + outcomes.length, skipped: state.totals.skipped + skipped },
    };
    await saveState(this.config.estadoDir, this.state);
    const result: PassResult = {
      read: carrierRead.rows.length + logRead.rows.length,
      reported: outcomes.length,
      skipped,
      pending: Object.keys(nextPending).length,
      caughtUp,
      lagSeconds: newest ? Math.max(0, secondsBetween(newest, now)) : null,
      maxQueryMs: this.db.meter.maxMs,
    };
    this.db.meter.maxMs = Math.max(queriesBefore, this.db.meter.maxMs);
    return result;
  }

  /** Rows with call_date > after, in keyed slices, whole seconds only, up to maxPorPassada rows. */
  private async readByDate<T extends Keyed>(table: string, columns: string, after: string): Promise<{ rows: T[]; last: string | null; complete: boolean }> {
    const rows: T[] = [];
    let cursor = after;
    let last: string | null = null;
    const slice = this.config.fatia;
    for (;;) {
      let batch = await this.db.query<T>(`SELECT SQL_BUFFER_RESULT ${columns} FROM ${table} WHERE call_date > ? ORDER BY call_date LIMIT ${slice}`, [cursor]);
      if (batch.length === 0) return { rows, last, complete: true };
      const boundary = batch[batch.length - 1]!.call_date;
      const full = batch.length === slice;
      if (full) {
        // The last second may go on past the slice: take all of it by equality (indexed, as big as one second's calls).
        batch = [...batch.filter((row) => row.call_date < boundary), ...(await this.db.query<T>(`SELECT SQL_BUFFER_RESULT ${columns} FROM ${table} WHERE call_date = ?`, [boundary]))];
      }
      rows.push(...batch);
      cursor = boundary;
      last = boundary;
      if (!full) return { rows, last, complete: true };
      if (rows.length >= this.config.maxPorPassada) return { rows, last, complete: false };
    }
  }

  private async byUniqueid<T>(table: string, columns: string, ids: readonly string[]): Promise<T[]> {
    const out: T[] = [];
    for (const part of chunks(ids, this.config.fatia)) {
      out.push(...(await this.db.query<T & Record<string, unknown>>(`SELECT SQL_BUFFER_RESULT ${columns} FROM ${table} WHERE uniqueid IN (${placeholders(part.length)})`, part)));
    }
    return out;
  }
}
