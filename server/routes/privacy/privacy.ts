import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { parseInput } from '../../http/validate';

const forgetBody = z.object({ phone: z.string().trim().min(1, 'is required').max(64, 'must be at most 64 characters') });

export function privacyRoutes(services: Services): Router {
  const router = Router();

  /** LGPD: erase a number's shared history at the data subject's request. */
  router.post('/v1/privacy/forget', authenticated(services.auth, 'admin'), async (req, res) => {
    const { phone } = parseInput(forgetBody, req.body, 'body');
    res.json(await services.privacy.forget(phone));
  });

  return router;
}
