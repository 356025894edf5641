import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../outboxFiles';

/**
 * The sync's place, in `<estadoDir>/sync.json`, replaced atomically and fdatasynced after the outcomes of a pass
 * are durable in the outbox. A crash in between re-reads those calls at the next start and queues them again
 * under the same call ids: the server counts a call id once, so nothing is lost and nothing counted twice.
 */
export type SyncState = {
  version: 1;
  /** Newest `call_date` read from each table (VICIdial's server time), or null before the first pass. */
  carrier: string | null;
  log: string | null;
  /** The previous pass read everything there was (the next one re-reads the overlap). */
  caughtUp: boolean;
  /** uniqueid → call_date of calls already queued (or skipped), kept while a re-read may meet them again. */
  done: Record<string, string>;
  /** uniqueid → call_date of calls waiting for their final status (or their carrier row). */
  pending: Record<string, string>;
  totals: { reported: number; skipped: number; expiredWithoutLog: number };
};

export const emptyState = (): SyncState => ({ version: 1, carrier: null, log: null, caughtUp: false, done: {}, pending: {}, totals: { reported: 0, skipped: 0, expiredWithoutLog: 0 } });

export const stateFile = (dir: string) => path.join(dir, 'sync.json');

export async function loadState(dir: string): Promise<SyncState> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(dir), 'utf8')) as SyncState;
    if (parsed.version !== 1) throw new Error(`${stateFile(dir)}: versão de estado desconhecida ${String(parsed.version)}`);
    return { ...emptyState(), ...parsed };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
}

export async function saveState(dir: string, state: SyncState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(stateFile(dir), JSON.stringify(state), true);
}

/** "YYYY-MM-DD hh:mm:ss" ± seconds, as naive wall-clock arithmetic (VICIdial's DATETIMEs carry no zone). */
export function shiftDateTime(value: string, seconds: number): string {
  const ms = Date.parse(`${value.replace(' ', 'T')}Z`) + seconds * 1000;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Seconds from `earlier` to `later` (both VICIdial DATETIMEs). */
export const secondsBetween = (earlier: string, later: string): number => (Date.parse(`${later.replace(' ', 'T')}Z`) - Date.parse(`${earlier.replace(' ', 'T')}Z`)) / 1000;
