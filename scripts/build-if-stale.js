#!/usr/bin/env node
'use strict';
/**
 * Runs `npm run build` only when the build is missing or out of date, so `npm start` on an up-to-date checkout
 * starts at once (a full build is ~1-2 min on these 2-core machines); `npm run dev` always rebuilds.
 *
 * Up to date = dist/.build-stamp holds the hash of every build input as it was when the last successful build
 * started, and the build's outputs are there. A content hash, not mtimes: `git checkout`, `git stash` or a copy
 * touch mtimes without changing a byte, and a tool that keeps mtimes (rsync -t, tar) can hide a real change.
 * Hashing the ~400 source files takes tens of milliseconds.
 *
 * Inputs are found by exclusion (everything but tests, docs, data and outputs), so a new source folder is
 * covered without editing this file. `--check` prints whether a build is needed and exits 0 (up to date) or 1.
 */
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
/** What `npm run build` must have produced for the server, the CLI and the console to run. */
const OUTPUTS = ['dist/server/main.js', 'dist/console/index.html', 'server/generated/prisma'];
/** Skipped wherever they appear. */
const SKIPPED_NAMES = new Set(['node_modules', 'dist', '.git', 'coverage']);
/** Skipped at these paths (relative to the root): not build inputs, or the build's own output. */
const SKIPPED_PATHS = new Set(['data', 'test', 'test-artifacts', 'docs', 'deploy', '.hygiene', '.ci', 'server/generated']);

function inputFiles(dir = ROOT, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(ROOT, full).split(path.sep).join('/');
    if (SKIPPED_NAMES.has(entry.name) || SKIPPED_PATHS.has(relative)) continue;
    if (entry.isDirectory()) inputFiles(full, found);
    else if (entry.isFile() && !entry.name.endsWith('.md') && !entry.name.endsWith('.log')) found.push(relative);
  }
  return found;
}

function inputsHash() {
  const hash = createHash('sha256');
  hash.update(`node ${process.versions.node}\n`);
  for (const file of inputFiles().sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function staleReason(hash) {
  const missing = OUTPUTS.filter((output) => !fs.existsSync(path.join(ROOT, output)));
  if (missing.length) return `missing ${missing.join(', ')}`;
  const stamp = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
  if (!stamp) return 'no build stamp (built by hand or by an older script)';
  if (stamp !== hash) return 'sources changed since the last build';
  return undefined;
}

function main() {
  const started = Date.now();
  const hash = inputsHash();
  const reason = staleReason(hash);
  if (process.argv.includes('--check')) {
    process.stdout.write(reason ? `build needed: ${reason}\n` : 'build up to date\n');
    process.exit(reason ? 1 : 0);
  }
  if (!reason) {
    process.stdout.write(`build up to date (checked in ${Date.now() - started} ms)\n`);
    return;
  }
  process.stdout.write(`building: ${reason}\n`);
  // The stamp goes first, gone: a failed or interrupted build must never look up to date.
  fs.rmSync(STAMP, { force: true });
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  // The hash of the inputs as they were when the build started: an edit during the build makes the next start rebuild.
  fs.writeFileSync(STAMP, `${hash}\n`);
}

main();
