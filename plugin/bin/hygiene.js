#!/usr/bin/env node
'use strict';
// `hygiene` CLI. In a checkout (the TypeScript sources beside this file and the esbuild dev dependency) it runs the
// sources through the development loader: ~0.2 s to start, never a stale build. An installed package has no
// sources and runs its compiled dist/; a production checkout without dev dependencies runs the repository's build.
const fs = require('node:fs');
const path = require('node:path');

const pluginDir = path.resolve(__dirname, '..');
const sources = path.join(pluginDir, 'src', 'cli', 'main.ts');
const compiled = [
  path.join(pluginDir, 'dist', 'src', 'cli', 'main.js'), // the package (npm pack / npm install)
  path.join(pluginDir, '..', 'dist', 'plugin', 'src', 'cli', 'main.js'), // the repository's `npm run build`
];

function loadCli() {
  if (fs.existsSync(sources)) {
    try {
      require('../../scripts/ts-register');
      return require(sources);
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND' || !/esbuild|ts-register/.test(error.message)) throw error;
    }
  }
  const built = compiled.find((file) => fs.existsSync(file));
  if (built) return require(built);
  process.stderr.write('hygiene: no compiled CLI and no esbuild to run the sources; run `npm run build` first\n');
  process.exit(2);
}

loadCli()
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`${error?.stack ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
