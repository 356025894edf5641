// Builds the admin console into dist/console (run by `npm run build:console`): one JS bundle with the
// socket.io client inside, one stylesheet, index.html. No CDN at run time; esbuild works offline.
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const web = path.join(__dirname, 'web');
const out = path.join(__dirname, '..', '..', 'dist', 'console');

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(web, 'src', 'main.ts'), styles: path.join(web, 'styles.css') },
    outdir: path.join(out, 'assets'),
    bundle: true,
    minify: true,
    sourcemap: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    format: 'iife',
    logLevel: 'warning',
    legalComments: 'linked',
  });
  fs.copyFileSync(path.join(web, 'index.html'), path.join(out, 'index.html'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
