import { spawn } from 'node:child_process';
import { percentile, request } from './http';

/**
 * The latency probe of the isolation figures, in a process of its own: timed from the process that also generates a
 * 10M-row mailing, a lookup's latency measured the bench's own event loop as much as the server's (the lesson of
 * bench/hardening.ts). Every `everyMs` it sends one 1k-number lookup (POST /v1/numbers/check) and one GET /healthz,
 * open loop (a slow answer does not delay the next send), until stdin closes; then prints both latency lists as JSON.
 */

export type ProbeResult = { check: number[]; health: number[]; errors: number };
export type ProbeSummary = { checkP50: number; checkP99: number; healthP50: number; healthP99: number; samples: number; errors: number };

async function probeProcess(url: string, key: string, body: string, everyMs: number): Promise<void> {
  let running = true;
  process.stdin.on('close', () => {
    running = false;
  });
  process.stdin.resume();
  const result: ProbeResult = { check: [], health: [], errors: 0 };
  const inFlight: Promise<void>[] = [];
  const timed = (into: number[], send: () => ReturnType<typeof request>) =>
    send().then(
      (res) => {
        if (res.status === 200) into.push(res.ms);
        else result.errors++;
      },
      () => void result.errors++,
    );
  let due = performance.now();
  while (running) {
    inFlight.push(
      timed(result.check, () =>
        request(url, { method: 'POST', path: '/v1/numbers/check', keepBody: true, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body }),
      ),
      timed(result.health, () => request(url, { method: 'GET', path: '/healthz', keepBody: true })),
    );
    due += everyMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await Promise.all(inFlight);
  process.stdout.write(JSON.stringify(result));
}

/** Starts the probe process; `stop()` ends it and summarizes what it measured. */
export function startProbe(url: string, key: string, body: Buffer, everyMs = 50): { stop(): Promise<ProbeSummary> } {
  const child = spawn(process.execPath, [__filename, '--probe', url, key, String(everyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.write(body);
  child.stdin.write('\n');
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  return {
    async stop() {
      child.stdin.end();
      await closed;
      const result = JSON.parse(output) as ProbeResult;
      const check = result.check.sort((a, b) => a - b);
      const health = result.health.sort((a, b) => a - b);
      return {
        checkP50: percentile(check, 50),
        checkP99: percentile(check, 99),
        healthP50: percentile(health, 50),
        healthP99: percentile(health, 99),
        samples: check.length + health.length,
        errors: result.errors,
      };
    },
  };
}

if (process.argv[2] === '--probe') {
  const [, , , url, key, everyMs] = process.argv as [string, string, string, string, string, string];
  // The lookup body comes first on stdin (one line); the end of stdin stops the probe.
  let head = '';
  const onData = (chunk: Buffer) => {
    head += chunk.toString('utf8');
    const end = head.indexOf('\n');
    if (end < 0) return;
    process.stdin.off('data', onData);
    process.stdin.pause();
    void probeProcess(url, key, head.slice(0, end), Number(everyMs));
  };
  process.stdin.on('data', onData);
}
