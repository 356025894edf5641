import { Router } from 'express';
import type { Services } from '../../services/container';
import { AppError } from '../../errors';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';

export function outcomeRoutes(services: Services): Router {
  const router = Router();

  /**
   * A batch of tabulations. 200 with a result per item (accepted, duplicate, or rejected with code and field);
   * items are validated one by one so a bad one never costs the others. Accepted means committed.
   */
  router.post('/v1/outcomes', authenticated(services.auth, 'dialer'), async (req, res) => {
    const body = req.body as { outcomes?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('VALIDATION_FAILED', 'must be a JSON object {"outcomes": [...]}', 'body');
    }
    const result = await services.outcomes.report(principalOf(res).tenantId, body.outcomes);
    services.metrics.outcomeBatch(result, 'http');
    res.json(result);
  });

  return router;
}
