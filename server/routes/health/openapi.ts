import type { ApiOperation } from '../../http/openapi';

export const healthApi: ApiOperation[] = [
  { method: 'get', path: '/healthz', tag: 'Health', summary: 'Liveness: 200 while the process runs', access: 'public', static: true, responses: { 200: { description: '{"status": "ok"}', content: { 'application/json': null } } } },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Health',
    summary: 'Readiness, for the load balancer',
    description: '200 "ready" or "degraded" (Redis away: every route still works); 503 "unavailable" (PostgreSQL down, with Retry-After) or "draining" (shutting down).',
    access: 'public',
    // Its 503s are its own answers (JSON status, not the error shape), so no error response is implied.
    static: true,
    responses: {
      200: { description: '{"status": "ready" | "degraded", "database", "redis", "reason"?, "numbersIndexed"}', content: { 'application/json': null } },
      503: { description: '{"status": "unavailable" | "draining", "reason", ...}', content: { 'application/json': null } },
    },
  },
];
