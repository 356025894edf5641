#!/usr/bin/env node
'use strict';
// `hygiene` CLI. Runs the compiled code in dist/ (`npm run build`); in a source checkout without a build, or
// with HYGIENE_FROM_SOURCE=1, it runs the TypeScript sources through the development loader.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const compiled = path.join(root, 'dist', 'plugin', 'src', 'cli', 'main.js');

let cli;
if (process.env.HYGIENE_FROM_SOURCE !== '1' && fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  try {
    require('./ts-register');
  } catch {
    process.stderr.write('hygiene: the compiled CLI is missing; run `npm run build` first\n');
    process.exit(2);
  }
  cli = require(path.join(root, 'plugin', 'src', 'cli', 'main.ts'));
}

cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
