import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { bearer } from '../../http/auth';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../db/availability';
import type { Services } from '../../services/container';

/** Liveness: the process answers HTTP. On both listeners (the operator one is probed on its own). */
export function livenessRoutes(): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}

export function healthRoutes(services: Services): Router {
  const router = Router();
  router.use(livenessRoutes());
  /**
   * For the load balancer. 503 only when this instance cannot serve: PostgreSQL, the system of record, does not
   * answer. Redis away is 200 "degraded": every instance shares the one Redis, so failing readiness for it would
   * take all of them out of rotation at once, turning a loss of live events between instances into a full outage,
   * while each instance still serves every route from PostgreSQL (docs/operations.md, "Health").
   */
  const operatorToken = Buffer.from(services.config.operatorToken);
  /** Readiness details (the history's size, the reasons) tell the operator; anyone else gets the status alone. */
  const forOperator = (req: Request) => {
    const given = Buffer.from(bearer(req.header('authorization')) ?? '');
    return given.length === operatorToken.length && timingSafeEqual(given, operatorToken);
  };
  router.get('/readyz', async (req, res) => {
    if (!forOperator(req)) {
      const { status, code } = await readiness();
      res.status(code);
      if (status === 'unavailable') res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      res.json({ status });
      return;
    }
    const { database, redis, lifecycle } = services.health;
    // Shutting down: out of rotation at once, while the requests already here finish (server.ts, close()).
    if (lifecycle.draining) {
      res.status(503).json({ status: 'draining', reason: `shutting down; ${lifecycle.requestsInFlight - 1} other request(s) finishing` });
      return;
    }
    const databaseState = await database.check();
    const redisState = redis ? (redis.up ? 'up' : 'down') : 'off';
    if (!databaseState.up) {
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      res.status(503).json({ status: 'unavailable', database: 'down', redis: redisState, reason: `database: ${databaseState.reason}` });
      return;
    }
    res.json({
      status: redisState === 'down' ? 'degraded' : 'ready',
      database: 'up',
      redis: redisState,
      ...(redis && !redis.up ? { reason: `redis: ${redis.reason}` } : {}),
      numbersIndexed: services.statusIndex.table.size,
    });
  });
  /** The public answer: what the load balancer needs, nothing about the pool or the infrastructure. */
  async function readiness(): Promise<{ status: string; code: number }> {
    const { database, redis, lifecycle } = services.health;
    if (lifecycle.draining) return { status: 'draining', code: 503 };
    if (!(await database.check()).up) return { status: 'unavailable', code: 503 };
    return { status: redis && !redis.up ? 'degraded' : 'ready', code: 200 };
  }
  return router;
}
