import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Self time per function from a V8 .cpuprofile (node --cpu-prof), counted only for samples inside given windows
 * (CLOCK_MONOTONIC µs, the clock V8 stamps samples with), so one server profile splits into the bench's phases.
 */
type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};

export type ProfileLine = { name: string; where: string; ms: number; share: number };
export type ProfileSummary = { window: string; totalMs: number; top: ProfileLine[]; byArea: { area: string; ms: number; share: number }[] };

function where(url: string, line: number, root: string): string {
  if (!url) return '';
  const file = url.replace(/^file:\/\//, '');
  const relative = file.startsWith(root) ? path.relative(root, file) : file;
  return `${relative.replace(/^dist\//, '')}:${line + 1}`;
}

/** Broad areas: our server code, the shared CSV/multipart code, node internals, libraries, GC, idle. */
function areaOf(name: string, url: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  if (url.includes('/dist/server/')) return 'server code (dist/server)';
  if (url.includes('/dist/plugin/contract/')) return 'shared CSV/multipart (dist/plugin/contract)';
  if (url.includes('node_modules/@prisma') || url.includes('/generated/prisma')) return 'Prisma client';
  if (url.includes('node_modules/pg')) return 'pg driver';
  if (url.includes('node_modules/express') || url.includes('node_modules/router') || url.includes('node_modules/body-parser')) return 'express';
  if (url.includes('node_modules/')) return 'other libraries';
  if (url.startsWith('node:')) return 'node internals (http, streams, buffer)';
  return 'native/builtins';
}

export async function readProfile(dir: string): Promise<CpuProfile> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as CpuProfile;
}

export function summarize(profile: CpuProfile, window: { name: string; fromUs: number; toUs: number }, root: string, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, { name: string; where: string; area: string; us: number }>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < window.fromUs || t > window.toUs) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const key = `${name}|${url}|${lineNumber}`;
    const entry = self.get(key) ?? { name, where: where(url, lineNumber, root), area: areaOf(name, url), us: 0 };
    const next = profile.timeDeltas[i + 1] ?? delta; // a sample's weight is the interval until the next one
    entry.us += next;
    total += next;
    self.set(key, entry);
  }
  const busy = [...self.values()].filter((entry) => entry.area !== 'idle');
  const busyUs = busy.reduce((sum, entry) => sum + entry.us, 0) || 1;
  const areas = new Map<string, number>();
  for (const entry of busy) areas.set(entry.area, (areas.get(entry.area) ?? 0) + entry.us);
  return {
    window: window.name,
    totalMs: total / 1000,
    top: busy
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((entry) => ({ name: entry.name, where: entry.where, ms: entry.us / 1000, share: entry.us / busyUs })),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, share: us / busyUs })),
  };
}

export function profileMarkdown(summary: ProfileSummary): string {
  const lines = [
    `#### ${summary.window} (${summary.totalMs.toFixed(0)} ms of samples; shares are of non-idle time)`,
    '',
    '| area | self ms | share |',
    '| --- | ---: | ---: |',
    ...summary.byArea.map((area) => `| ${area.area} | ${area.ms.toFixed(0)} | ${(area.share * 100).toFixed(1)}% |`),
    '',
    '| function | where | self ms | share |',
    '| --- | --- | ---: | ---: |',
    ...summary.top.map((line) => `| \`${line.name}\` | ${line.where} | ${line.ms.toFixed(0)} | ${(line.share * 100).toFixed(1)}% |`),
    '',
  ];
  return lines.join('\n');
}
