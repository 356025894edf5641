import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HygieneClient, OutboxWriteError, type OutcomeReport } from '../../plugin/src/index';
import { buildTenant } from '../support/factories';
import { startTestServer, type TestServer } from '../support/harness';
import { recordFault } from '../support/reliability';
import { CYCLE, outcomeFor } from '../plugin/fixtures/outcomes';
import { CountingProxy } from './counting-proxy';
import { eventually } from '../support/eventually';

/**
 * The outbox on a REAL full filesystem (a 256 KiB tmpfs): appends that do not fit must reject (never be
 * acknowledged and lost), a write cut short by the full disk must not leave a torn record mid-segment, and what
 * was acknowledged must reach the server exactly once when space comes back, dead letters included.
 */

const GROUP = 10;
/** Every 25th outcome carries a code no tabulation map knows: the server refuses it into the dead letters. */
const isBad = (i: number) => i % 25 === 3;
const outcome = (i: number): OutcomeReport => (isBad(i) ? { ...outcomeFor('disk', 'campanha', i), code: 'CODIGO_DESCONHECIDO' } : outcomeFor('disk', 'campanha', i));


/** Writes zeros into `file` until the filesystem refuses (ENOSPC) or `limit` bytes; returns the bytes written. */
async function fill(file: string, limit = Number.MAX_SAFE_INTEGER): Promise<number> {
  const handle = await open(file, 'a');
  const chunk = Buffer.alloc(4096);
  let written = 0;
  try {
    while (written < limit) {
      const { bytesWritten } = await handle.write(chunk, 0, Math.min(chunk.length, limit - written));
      written += bytesWritten;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return written;
}

/** Unmounts without throwing (a failure here must not hide the test's own); lazily if something still holds it. */
function unmount(dir: string): void {
  for (const args of [[dir], ['-l', dir]]) {
    try {
      execFileSync('umount', args, { stdio: 'pipe' });
      return;
    } catch {
      // not mounted any more, or busy: try the lazy form, then give up
    }
  }
}

describe('outbox on a full disk', () => {
  let mountPoint: string | undefined;
  let server: TestServer | undefined;
  let proxy: CountingProxy | undefined;

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    if (mountPoint) {
      unmount(mountPoint);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('when the disk fills while the dialer reports, then full-disk appends reject, and every acknowledged outcome is delivered exactly once when space returns', async () => {
    mountPoint = mkdtempSync(path.join(tmpdir(), 'hyg-fulldisk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`this test needs a real small filesystem: "mount -t tmpfs -o size=256k tmpfs ${mountPoint}" failed (${(error as Error).message.trim()}). Run the suite as root on Linux (as CI does); it must not be skipped.`);
    }
    server = await startTestServer();
    proxy = new CountingProxy(server.url);
    const url = await proxy.listen();
    const tenant = await buildTenant(server);
    const filler = path.join(mountPoint, 'filler.bin');
    await fill(filler, 192 * 1024); // leaves ~64 KiB: room for ~450 outcomes
    const client = new HygieneClient({ serverUrl: url, apiKey: tenant.dialerKey, outboxDir: path.join(mountPoint, 'outbox'), batchSize: 50, flushIntervalMs: 20, requestTimeoutMs: 2000, retry: { baseMs: 20, maxMs: 400, maxAttempts: 50 } });
    const acked: number[] = [];
    const refused: number[] = [];
    const appendErrors: unknown[] = [];
    let next = 0;
    const reportGroup = async (): Promise<boolean> => {
      const indexes = Array.from({ length: GROUP }, (_v, j) => next + j);
      next += GROUP;
      try {
        await client.reportOutcomes(indexes.map(outcome));
        acked.push(...indexes);
        return true;
      } catch (error) {
        appendErrors.push(error);
        refused.push(...indexes);
        return false;
      }
    };
    try {
      // 1. The server is away (a balancer answering 503), so the outbox grows until the disk is full.
      proxy.unavailable = true;
      let consecutiveRefusals = 0;
      while (consecutiveRefusals < 5) {
        consecutiveRefusals = (await reportGroup()) ? 0 : consecutiveRefusals + 1;
        if (next > 5000) throw new Error('the disk never filled up');
      }
      const ackedWhileFilling = acked.length;
      expect(ackedWhileFilling).toBeGreaterThan(300);

      // 2. The server comes back while the disk is still full: batches are committed, but the dead letters of the
      // refused items cannot be written, so each segment is kept and re-sent, with backoff (not every 20 ms).
      proxy.unavailable = false;
      const windowStart = Date.now();
      await eventually(() => proxy!.count('POST /v1/outcomes', windowStart) >= 1, 'a first delivery attempt');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the measured window
      const sendsWhileFull = proxy.count('POST /v1/outcomes', windowStart);
      expect((await client.outboxStatus()).pending).toBe(ackedWhileFilling);
      for (let i = 0; i < 3; i++) expect(await reportGroup()).toBe(false); // still full: still refused, loudly

      // 3. Space returns: delivery resumes by itself, and appends work again.
      await rm(filler);
      const spaceBackAt = Date.now();
      await eventually(async () => (await client.outboxStatus()).pending === 0, 'the outbox to drain by itself');
      const recoveryMs = Date.now() - spaceBackAt;
      for (let i = 0; i < 5; i++) expect(await reportGroup()).toBe(true);
      const status = await client.flush();
      expect(status.pending).toBe(0);

      // Exactly the acknowledged outcomes were counted: re-sending them is all duplicates, the refused ones are new.
      const ackedGood = acked.filter((i) => !isBad(i));
      const ackedBad = acked.filter(isBad);
      const expected = { invalid: 0, contact: 0, neutral: 0 };
      for (const i of ackedGood) expected[CYCLE[i % CYCLE.length]![1]]++;
      const counters = (await server.api().get('/v1/campaigns/campanha').set('authorization', tenant.auth('dialer')).expect(200)).body.reported;
      expect(counters).toEqual(expected);
      const again = await tenant.report(ackedGood.map(outcome));
      expect(again).toMatchObject({ accepted: 0, duplicates: ackedGood.length });
      const refusedGood = refused.filter((i) => !isBad(i));
      const late = await tenant.report(refusedGood.map(outcome));
      expect(late).toMatchObject({ accepted: refusedGood.length, duplicates: 0 });
      // Every acknowledged refused item is in the dead letters exactly once, none of the unacknowledged ones.
      const letters = await client.deadLetters();
      expect(letters.map((letter) => letter.outcome?.callId).sort()).toEqual(ackedBad.map((i) => `disk-${i}`).sort());
      expect(status.deadLetters).toBe(ackedBad.length);

      // While the dead letters could not be written, it kept trying but backed off (without backoff: ~60 in 1.5 s).
      expect(sendsWhileFull).toBeGreaterThanOrEqual(2);
      expect(sendsWhileFull).toBeLessThanOrEqual(15);
      // Each refusal said what happened and what to do.
      expect(appendErrors.length).toBeGreaterThan(0);
      for (const error of appendErrors) {
        expect(error).toBeInstanceOf(OutboxWriteError);
        expect(error).toMatchObject({ causeCode: 'ENOSPC', message: expect.stringContaining('NOT recorded') });
      }

      const counted = counters.invalid + counters.contact + counters.neutral;
      recordFault({
        fault: 'outbox disk full (tmpfs 256 KiB), server away then back',
        load: `${next} tabulations in appends of ${GROUP}, segments of 50`,
        sent: ackedGood.length,
        counted,
        lost: Math.max(0, ackedGood.length - counted),
        doubled: Math.max(0, counted - ackedGood.length),
        clientSaw: `${refused.length / GROUP} appends rejected with OutboxWriteError ENOSPC (${refused.length} tabulations not acknowledged, none kept); ${sendsWhileFull} sends in 1.5 s while dead letters could not be written (backoff); ${ackedBad.length} dead letters, each once`,
        recoveryMs,
      });
    } finally {
      await client.close().catch(() => undefined);
      unmount(mountPoint);
    }
  });
});
