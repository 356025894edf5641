#!/usr/bin/env node
'use strict';
/**
 * `npm pack` of the plugin bundles its runtime dependencies (socket.io-client and what it needs), so the one tarball
 * installs on a dialer host with no registry (call-center networks often have none): `npm install ./<tgz>`.
 * npm packs bundled dependencies from the package's own node_modules, and in this repository they live in the root
 * node_modules; `copy` (prepack) mirrors the dependency closure there, `remove` (postpack) takes it away again.
 * The copy keeps each package's place (nested versions stay nested), so resolution matches the root install.
 */
const fs = require('node:fs');
const path = require('node:path');

const pluginDir = path.resolve(__dirname, '..', 'plugin');
const rootModules = path.resolve(__dirname, '..', 'node_modules');
const bundled = path.join(pluginDir, 'node_modules');

/** The folders (under the root node_modules) of `name` and everything it depends on, as Node would resolve them. */
function closure(name, fromDir, found = new Set()) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      if (found.has(candidate)) return found;
      found.add(candidate);
      const manifest = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'));
      for (const dependency of Object.keys(manifest.dependencies ?? {})) closure(dependency, candidate, found);
      return found;
    }
    if (dir === path.dirname(dir)) throw new Error(`${name}: not installed (needed from ${fromDir}); run npm ci at the root`);
  }
}

const mode = process.argv[2];
if (mode === 'copy') {
  const manifest = JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8'));
  fs.rmSync(bundled, { recursive: true, force: true });
  for (const name of manifest.bundleDependencies ?? []) {
    for (const folder of closure(name, path.dirname(rootModules))) {
      fs.cpSync(folder, path.join(bundled, path.relative(rootModules, folder)), {
        recursive: true,
        // a nested node_modules is copied as its own closure entry, only when Node would use it
        filter: (source) => source === folder || !path.relative(folder, source).split(path.sep).includes('node_modules'),
      });
    }
  }
} else if (mode === 'remove') {
  fs.rmSync(bundled, { recursive: true, force: true });
} else {
  process.stderr.write('usage: plugin-dependencies.js copy|remove\n');
  process.exit(2);
}
