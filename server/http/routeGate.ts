import type { NextFunction, Request, Response, Router } from 'express';

type RouterLayer = { rawPath?: unknown };

/**
 * Enters `router` only for a request whose path one of its layers could match. Every route module is a router
 * mounted at `/` with full paths, and Express walks every layer of every router mounted before the one that
 * matches: an unauthenticated `POST /v1/outcomes` went through the mailings, auth, admins, campaigns and
 * tabulations routers first, and that walk was most of what a flood of refused requests allocated (docs/security.md,
 * "Unauthenticated flood"). The gate compares the request's path with the static start of each layer's path (up to
 * its first parameter), lower-cased as Express matches by default, so it never turns away a request the router
 * would take. A router with a layer on `/`, a pattern or a regular expression is entered for every request.
 * The layers are read when the gate is made: routers are complete when their module returns them.
 */
export function routeGate(router: Router): Router {
  const prefixes = staticPrefixes((router as unknown as { stack: RouterLayer[] }).stack);
  if (!prefixes) return router;
  const gate = (req: Request, res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase();
    for (const prefix of prefixes) if (path.startsWith(prefix)) return router(req, res, next);
    next();
  };
  // Route listings (test/support/routes.ts, the OpenAPI checks) walk nested routers' stacks.
  return Object.assign(gate, { stack: (router as unknown as { stack: RouterLayer[] }).stack }) as unknown as Router;
}

function staticPrefixes(layers: readonly RouterLayer[]): string[] | undefined {
  const prefixes = new Set<string>();
  for (const layer of layers) {
    for (const path of Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath]) {
      if (typeof path !== 'string') return undefined;
      const cut = path.search(/[:*?(){}\\]/);
      const prefix = (cut < 0 ? path : path.slice(0, cut)).toLowerCase();
      if (prefix === '' || prefix === '/') return undefined;
      prefixes.add(prefix);
    }
  }
  return prefixes.size > 0 ? [...prefixes] : undefined;
}
