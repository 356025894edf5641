import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { parseInput } from '../../http/validate';
import { withdrawBody } from './schema';
import { principalOf } from '../../http/context';

export function privacyRoutes(services: Services): Router {
  const router = Router();

  /**
   * A tenant withdraws its own contributions to a number (a data subject's request reaching this tenant).
   * Erasing the number's whole history is the operator's act (POST /v1/operator/forget, with a reason).
   */
  router.post('/v1/privacy/withdraw', authenticated(services.auth, 'admin'), async (req, res) => {
    const { phone } = parseInput(withdrawBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.privacy.withdraw(principal.tenantId, principal.actor, phone));
  });

  return router;
}
