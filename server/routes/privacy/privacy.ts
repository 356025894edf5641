import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { parseInput } from '../../http/validate';
import { forgetBody } from './schema';

export function privacyRoutes(services: Services): Router {
  const router = Router();

  /** LGPD: erase a number's shared history at the data subject's request. */
  router.post('/v1/privacy/forget', authenticated(services.auth, 'admin'), async (req, res) => {
    const { phone } = parseInput(forgetBody, req.body, 'body');
    res.json(await services.privacy.forget(phone));
  });

  return router;
}
