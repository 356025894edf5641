import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { AppError } from '../../errors';

/**
 * Where `npm run build:console` writes the console: dist/console at the project root. This file runs from
 * server/routes/console (ts-jest, tsx) or from dist/server/routes/console (compiled), so both are tried.
 */
export function consoleAssetsDir(): string | undefined {
  const candidates = [path.resolve(__dirname, '../../../dist/console'), path.resolve(__dirname, '../../../console')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

// The console loads only its own script, style and same-origin API/socket; nothing from a CDN.
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the admin console at `/` (same origin as the API and socket.io, so no CORS). `sourceMaps: false`
 * (NODE_ENV=production) leaves the bundles' source maps unserved: they hand out the console's whole source.
 */
export function consoleRoutes(assetsDir = consoleAssetsDir(), options: { sourceMaps?: boolean } = {}): Router {
  const router = Router();
  const securityHeaders: express.RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };

  if (!assetsDir) {
    // A server started without a console build still answers `/` in words instead of a bare 404.
    router.get('/', (_req, res) => {
      res.status(503).type('text/plain; charset=utf-8').send('The admin console is not built: run `npm run build:console` (or `npm run build`) and restart.\n');
    });
    return router;
  }

  // no-cache = revalidate with the ETag each time, so a new build is picked up without stale bundles.
  const staticOptions = { index: false, fallthrough: true, setHeaders: (res: express.Response) => res.setHeader('Cache-Control', 'no-cache') };
  router.get('/', securityHeaders, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    // With `root`, send checks only the path below it for dot segments: a checkout under `~/.cache/...` or a CI
    // cache folder would otherwise make every `/` a 404/500 (send refuses dot segments anywhere in an absolute path).
    res.sendFile('index.html', { root: assetsDir });
  });
  if (options.sourceMaps === false) {
    router.use('/assets', (req, _res, next) => (req.path.endsWith('.map') ? next(new AppError('NOT_FOUND', `no route ${req.method} ${req.originalUrl}`)) : next()));
  }
  router.use('/assets', securityHeaders, precompressed(path.join(assetsDir, 'assets')), express.static(path.join(assetsDir, 'assets'), staticOptions));
  return router;
}

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
const TYPES: Record<string, string> = { '.js': 'application/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The bundle's precompressed copies (server/console/build.js writes .br and .gz beside app.js and styles.css): brotli
 * when the browser accepts it, else gzip, else the plain file from express.static. `Vary: Accept-Encoding` keeps
 * caches from handing a compressed body to a client that cannot read it.
 */
function precompressed(dir: string): express.RequestHandler {
  return (req, res, next) => {
    const type = TYPES[path.extname(req.path)];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !type || req.path.includes('..')) return next();
    res.setHeader('Vary', 'Accept-Encoding');
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = ENCODINGS.find((candidate) => new RegExp(`(^|[\\s,])${candidate.name}(?!;q=0(\\.0*)?(\\s|,|$))`).test(accepted) && existsSync(path.join(dir, req.path + candidate.suffix)));
    if (!encoding) return next();
    res.setHeader('Content-Encoding', encoding.name);
    res.setHeader('Cache-Control', 'no-cache');
    res.type(type);
    res.sendFile(req.path.slice(1) + encoding.suffix, { root: dir, headers: { 'Content-Type': type } }, (error) => {
      if (error) next(error);
    });
  };
}
