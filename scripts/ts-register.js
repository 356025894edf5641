'use strict';
/**
 * Development loader: lets Node run the TypeScript sources directly (the CLI from a checkout, the server and the
 * dialer child processes of the fault tests). Each .ts file is transpiled on load with esbuild's transform: no type
 * check (`npx tsc --noEmit -p .` does that). The sources are `isolatedModules`-clean, which is what a per-file
 * transform needs. TypeScript's transpileModule cost ~5 s per start (loading the compiler is most of it); esbuild
 * costs ~10 ms a file through its synchronous channel, so outputs are also cached on disk by content hash
 * (node_modules/.cache/ts-register): a start that finds every file there does not load esbuild at all.
 * Needs the `esbuild` dev dependency; the installed plugin runs its compiled dist/ instead.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const OPTIONS = { loader: 'ts', format: 'cjs', target: 'es2022', platform: 'node', sourcemap: 'inline' };
/** A new esbuild or new options make new cache entries (old ones are never read again; the folder can be deleted). */
const SALT = `${require('esbuild/package.json').version} ${JSON.stringify(OPTIONS)}`;
const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'ts-register');
let transformSync;

function compile(source, filename) {
  const key = crypto.createHash('sha256').update(SALT).update('\0').update(filename).update('\0').update(source).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet
  }
  transformSync ??= require('esbuild').transformSync;
  const { code } = transformSync(source, { ...OPTIONS, sourcefile: filename });
  try {
    // Atomic: a concurrent start reads either nothing or the whole file.
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  } catch {
    // a read-only checkout still runs, uncached
  }
  return code;
}

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  module._compile(compile(fs.readFileSync(filename, 'utf8'), filename), filename);
};
