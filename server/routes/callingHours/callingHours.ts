import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { hoursBody, hoursParams } from './schema';

/** Calling hours per state: every tenant credential reads them (the dialer schedules by them), admins edit. */
export function callingHoursRoutes(services: Services): Router {
  const router = Router();

  router.get('/v1/calling-hours', authenticated(services.auth), async (_req, res) => {
    res.json({ hours: await services.callingHours.view(principalOf(res).tenantId) });
  });

  router.put('/v1/calling-hours/:scope', authenticated(services.auth, 'admin'), async (req, res) => {
    const { scope } = parseInput(hoursParams, req.params, 'params');
    const { windows } = parseInput(hoursBody, req.body, 'body');
    const principal = principalOf(res);
    res.json({ hours: await services.callingHours.set(principal.tenantId, principal.actor, scope, windows) });
  });

  return router;
}
