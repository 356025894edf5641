import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchTenant } from './setup';

/**
 * The same mailing filtered through the dialer plugin's CLI (`hygiene filter <file> --campaign …`), timed from
 * the spawn to the exit (Node start-up, reading the file, HTTP, writing the kept and rejected files).
 * Skipped with a note while the CLI is not built.
 */
export async function cliFilter(root: string, url: string, tenant: BenchTenant, csv: Buffer, workDir: string): Promise<{ ms?: number; note: string }> {
  const bin = path.join(root, 'plugin/bin/hygiene.js');
  if (!existsSync(bin)) return { note: 'pending: plugin/bin/hygiene.js does not exist yet (the CLI is being written); the HTTP figure above is the same request' };
  const input = path.join(workDir, 'mailing-cli.csv');
  const out = path.join(workDir, 'mailing-cli-kept.csv');
  const rejects = path.join(workDir, 'mailing-cli-rejected.csv');
  await writeFile(input, csv);
  const args = [bin, 'filter', input, '--campaign', tenant.campaign, '--out', out, '--rejects', rejects, '--no-progress', '--url', url, '--key', tenant.dialerKey, '--outbox-dir', path.join(workDir, 'outbox'), '--lang', 'en'];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('exit', (exitCode) => resolve({ code: exitCode, output: text }));
  });
  const ms = performance.now() - started;
  if (code !== 0) return { note: `the CLI failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' / ').slice(0, 300)}` };
  const kept = await stat(out).catch(() => undefined);
  return { ms, note: `\`hygiene filter\` spawn to exit, ${kept ? `${(kept.size / 1048576).toFixed(0)} MiB kept file written` : 'no kept file found'}` };
}
