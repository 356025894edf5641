import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * One row of docs/reliability.md, written by the fault test that produced it. Rows go to a JSON-lines file
 * during the run; the jest global teardown (test/support/global-teardown.js) merges them into the document, so
 * the table always holds figures measured by the suite itself, never typed by hand.
 */
export type FaultRow = {
  /** What went wrong, e.g. "server SIGKILL during ingest". */
  fault: string;
  /** What was running when it happened, e.g. "3,000 tabulations, batches of 100". */
  load: string;
  /** Tabulations (or rows) the client handed over. */
  sent: number;
  /** What the server counted at the end. */
  counted: number;
  lost: number;
  doubled: number;
  /** What the client (dialer, CLI, console) saw while the fault lasted. */
  clientSaw: string;
  /** From the end of the fault to the first successful delivery/answer, in ms (null when not applicable). */
  recoveryMs: number | null;
};

export const RELIABILITY_ROWS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'reliability.jsonl');

export function recordFault(row: FaultRow): void {
  mkdirSync(path.dirname(RELIABILITY_ROWS), { recursive: true });
  appendFileSync(RELIABILITY_ROWS, `${JSON.stringify({ ...row, measuredAt: new Date().toISOString() })}\n`);
}
