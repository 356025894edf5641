import { Router } from 'express';
import { operatorOnly } from '../../http/auth';
import type { Metrics } from '../../infra/metrics';

/**
 * Prometheus metrics (text exposition format) for the operator: `Authorization: Bearer <OPERATOR_TOKEN>`.
 * Self-contained (the metrics and the token, nothing of the tenant API), so it moves as it is to an
 * operator-only listener when there is one.
 */
export function metricsRoutes(metrics: Metrics, operatorToken: string): Router {
  const router = Router();
  router.get('/metrics', operatorOnly(operatorToken), async (_req, res) => {
    const body = await metrics.render();
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.contentType).send(body);
  });
  return router;
}
