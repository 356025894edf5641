import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, readdir, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { OutcomeReport } from '../contract/protocol';
import { OutboxLockedError } from './errors';

/**
 * The outbox's disk primitives. The rule they share: a write is either whole and durable, or undone. A write(2)
 * may write fewer bytes than asked (a filling disk writes what fits, then fails with ENOSPC); a record cut there
 * and followed later by other records would be unreadable in the middle of a file, and everything after it with
 * it. So every append loops until all its bytes are written, syncs, and on any failure truncates the file back to
 * its size before the append.
 */

export type Line = { q: number; o: OutcomeReport };
export type DeadLetter = {
  at: string;
  /** The refused outcome; absent only for a record that could not be read back (then `raw` holds its text). */
  outcome?: OutcomeReport;
  raw?: string;
  error: { status?: number; code: string; message: string; field?: string };
};
export type SavedState = { lastError?: { at: string; message: string; code?: string } | null; lastDeliveryAt?: string | null; blockedBy?: string | null };
export type LoadedSegment = { seq: number; file: string; count: number; bytes: number; firstQueuedAt: number | null };

export const SEGMENT = /^seg-(\d{12})\.ndjson$/;
export const DEAD_LETTERS = 'dead-letters.ndjson';
export const STATE = 'state.json';
const LOCK = 'LOCK';

export const segmentName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.ndjson`;

/** Writes all of `data` at the handle's position (O_APPEND: the end), looping over short writes. */
export async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    // A zero-byte write without an error would loop forever; treat it as the full disk it almost surely is.
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device (zero-byte write)'), { code: 'ENOSPC' });
    offset += bytesWritten;
  }
}

/** Cuts `file` back to `size` bytes and syncs; used to undo a failed append. Throws if even that fails. */
export async function truncateDurably(file: string, size: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(size);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Appends `data` to `file` whole and durable, or not at all (the file is cut back to its previous size). */
export async function appendDurably(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, 'a');
  let sizeBefore: number | undefined;
  try {
    sizeBefore = (await handle.stat()).size;
    await writeFully(handle, data);
    await handle.datasync();
  } catch (error) {
    if (sizeBefore !== undefined) {
      await handle.truncate(sizeBefore).then(() => handle.datasync()).catch(() => undefined);
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `text` atomically: a reader sees the old content or the new, never a half. The temporary
 * file is removed when anything fails (a full disk must not fill up with leftovers).
 */
export async function writeFileAtomic(file: string, text: string, durable: boolean): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'w');
    try {
      await writeFully(handle, Buffer.from(text, 'utf8'));
      if (durable) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Splits a segment's bytes into records. Only whole lines count: bytes after the last line feed are a torn write. */
export function parseRecords(buffer: Buffer): { lines: Line[]; corrupt: string[] } {
  const lines: Line[] = [];
  const corrupt: string[] = [];
  const end = buffer.lastIndexOf(10) + 1;
  for (const text of buffer.toString('utf8', 0, end).split('\n')) {
    if (text.length === 0) continue;
    try {
      lines.push(JSON.parse(text) as Line);
    } catch {
      // Written by a version that ignored short writes: a torn record followed, on the same line, by the records
      // appended once space came back. Those later records were acknowledged; salvage each one that parses.
      for (const piece of text.split(/(?=\{"q":)/)) {
        try {
          lines.push(JSON.parse(piece) as Line);
        } catch {
          corrupt.push(piece);
        }
      }
    }
  }
  return { lines, corrupt };
}

/** The first `bytes` bytes of a segment: what the outbox acknowledged (a failed append may have left more). */
export async function readSegment(file: string, bytes: number): Promise<Line[]> {
  const buffer = await readFile(file);
  return parseRecords(buffer.subarray(0, Math.min(bytes, buffer.length))).lines;
}

/**
 * Reads the directory. With `repair` (the owner opening it): a torn tail is cut back to the last whole record,
 * unreadable records are moved to the dead letters, and empty segments are removed.
 */
export async function loadDirectory(dir: string, repair: boolean) {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') names = [];
    else throw error;
  }
  if (repair) {
    // Temporaries of an interrupted whole-file write (state.json); never a source of truth.
    for (const name of names.filter((n) => n.endsWith('.tmp'))) await unlink(path.join(dir, name)).catch(() => undefined);
    await cutTornTail(path.join(dir, DEAD_LETTERS));
  }
  const segments: LoadedSegment[] = [];
  const salvaged: DeadLetter[] = [];
  for (const name of names.sort()) {
    const match = SEGMENT.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    const buffer = await readFile(file);
    const end = buffer.lastIndexOf(10) + 1;
    let { lines, corrupt } = parseRecords(buffer);
    let bytes = end;
    if (repair && end < buffer.length) await truncate(file, end); // never acknowledged: its sync did not return
    if (repair && corrupt.length > 0) {
      const at = new Date().toISOString();
      for (const raw of corrupt) salvaged.push({ at, raw, error: { code: 'CORRUPT_RECORD', message: `an unreadable record in ${name} (written before the outbox handled full disks)` } });
      const text = lines.map((line) => JSON.stringify(line) + '\n').join('');
      await writeFileAtomic(file, text, true);
      bytes = Buffer.byteLength(text);
      corrupt = [];
    }
    if (lines.length === 0 && repair) {
      await unlink(file);
      continue;
    }
    segments.push({ seq: Number(match[1]), file, count: lines.length, bytes, firstQueuedAt: lines[0]?.q ?? null });
  }
  if (salvaged.length > 0) await appendDurably(path.join(dir, DEAD_LETTERS), Buffer.from(salvaged.map((d) => JSON.stringify(d) + '\n').join('')));
  let deadLetters = 0;
  try {
    const buffer = await readFile(path.join(dir, DEAD_LETTERS));
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) deadLetters++;
  } catch {
    deadLetters = 0;
  }
  let state: SavedState = {};
  try {
    state = JSON.parse(await readFile(path.join(dir, STATE), 'utf8')) as SavedState;
  } catch {
    state = {};
  }
  return { segments, deadLetters, state };
}

async function cutTornTail(file: string): Promise<void> {
  try {
    const buffer = await readFile(file);
    const end = buffer.lastIndexOf(10) + 1;
    if (end < buffer.length) await truncate(file, end);
  } catch {
    // Missing, or unreadable: an unusable dead-letter file must not keep the outbox from opening and delivering
    // what it holds; writing a dead letter will fail loudly (and be retried with backoff) instead.
  }
}

export async function readDeadLetters(dir: string): Promise<DeadLetter[]> {
  try {
    const buffer = await readFile(path.join(dir, DEAD_LETTERS));
    // A torn tail (a crash mid-write, never acknowledged) is not a record.
    const text = buffer.toString('utf8', 0, buffer.lastIndexOf(10) + 1);
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DeadLetter);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the data itself is synced
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process holds (two clients of one process must not share one either). */
const heldHere = new Set<string>();

/** One owner per directory: two processes appending and deleting segments would send batches twice. */
export function acquireLock(dir: string): void {
  if (heldHere.has(dir)) throw new OutboxLockedError(`the outbox ${dir} is in use by process ${process.pid} (another client of this process); give each client its own outboxDir`);
  const file = path.join(dir, LOCK);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    heldHere.add(dir);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number(readFileSync(file, 'utf8').trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
    throw new OutboxLockedError(`the outbox ${dir} is in use by process ${owner}; give each dialer process its own outboxDir`);
  }
  // The owner died (SIGKILL, crash): take over the stale lock.
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, String(process.pid));
  renameSync(tmp, file);
  heldHere.add(dir);
}

export function releaseLock(dir: string): void {
  heldHere.delete(dir);
  const file = path.join(dir, LOCK);
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}
