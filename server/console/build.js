// Builds the admin console into dist/console (run by `npm run build:console`): one JS bundle with the
// socket.io client inside, one stylesheet, index.html. No CDN at run time; esbuild works offline.
const path = require('node:path');
const fs = require('node:fs');
const zlib = require('node:zlib');
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
  // Precompressed beside each bundle: the server sends .br or .gz when the browser accepts it (routes/console),
  // so no request pays for compression. Brotli at its highest quality costs about a second here, once per build.
  for (const name of ['app.js', 'styles.css']) {
    const file = path.join(out, 'assets', name);
    const content = fs.readFileSync(file);
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(content, { level: 9 }));
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(content, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length } }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
