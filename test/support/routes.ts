import type { Express } from 'express';

type RouterLayer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: RouterLayer[] } };

/**
 * Every (method, path template) registered on an Express app, as "GET /v1/campaigns/:campaignId", read from its
 * router (sub-routers are mounted at "/"), as test/routes/isolation.test.ts does.
 */
export function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return found;
}
