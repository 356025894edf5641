import type { Request } from 'express';
import { AppError } from '../errors';

/**
 * Express decodes path parameters itself while matching routes, before any handler or schema runs. On bad
 * percent-encoding ("%E0%A4%A", or "%ED%A0%80": an unpaired surrogate has no UTF-8 form) its router fails with a
 * bare URIError carrying status 400 and the raw value, and no parameter name; that reached clients as a 500.
 * A decodable value (a NUL, "%00", included) goes on to the route's schema (dbSafeText) like any other text.
 */
export function isUndecodableParam(error: unknown): error is URIError & { status: number } {
  return error instanceof URIError && (error as { status?: unknown }).status === 400;
}

type RouterLayer = { route?: { path: unknown }; handle?: { stack?: RouterLayer[] } };

const patternsByApp = new WeakMap<object, string[][]>();

/** The app's route paths split into segments, read once from its router (every sub-router is mounted at "/"). */
function routePatterns(req: Request): string[][] {
  const app = req.app as unknown as { router?: { stack?: RouterLayer[] } };
  let patterns = patternsByApp.get(app);
  if (!patterns) {
    patterns = [];
    const walk = (stack: readonly RouterLayer[]) => {
      for (const layer of stack) {
        if (typeof layer.route?.path === 'string' && layer.route.path.includes(':')) patterns!.push(layer.route.path.split('/'));
        else if (layer.handle?.stack) walk(layer.handle.stack);
      }
    };
    walk(app.router?.stack ?? []);
    patternsByApp.set(app, patterns);
  }
  return patterns;
}

/** The name of the parameter whose raw value is `raw`, found by matching the request's path against the routes. */
function paramNameOf(req: Request, raw: string): string | undefined {
  const segments = (req.originalUrl.split('?')[0] ?? '').split('/');
  for (const pattern of routePatterns(req)) {
    if (pattern.length !== segments.length) continue;
    let name: string | undefined;
    const matches = pattern.every((part, i) => {
      if (part.startsWith(':')) {
        if (segments[i] === raw) name ??= part.slice(1);
        return true;
      }
      return part.toLowerCase() === segments[i]!.toLowerCase();
    });
    if (matches && name) return name;
  }
  return undefined;
}

/** The 400 that names the parameter ("campaignId: …"), or "path" when no route explains it. */
export function undecodableParamError(req: Request, error: URIError): AppError {
  const raw = /'(.*)'$/s.exec(error.message)?.[1] ?? '';
  return new AppError('VALIDATION_FAILED', `"${raw}" is not valid percent-encoded UTF-8`, paramNameOf(req, raw) ?? 'path');
}
