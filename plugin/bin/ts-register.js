'use strict';
/**
 * Development loader: lets Node run the TypeScript sources directly (the CLI from a checkout without
 * `npm run build`, and the child processes of the fault tests). Each .ts file is transpiled on load with
 * TypeScript's transpileModule (no type check: `npx tsc --noEmit -p .` does that). Needs the `typescript`
 * dev dependency; installed packages run the compiled dist/ instead.
 */
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
  isolatedModules: true,
};

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions });
  module._compile(outputText, filename);
};
