import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { codeParams, setCodeBody, usageQuery } from './schema';

export function tabulationRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/tabulations', anyone, async (_req, res) => {
    res.json({ tabulations: await services.tabulations.list(principalOf(res).tenantId) });
  });

  // Before `/:code` routes: how many of the tenant's recent tabulations each code got (a rule change's impact).
  router.get('/v1/tabulations/usage', anyone, async (req, res) => {
    const { days } = parseInput(usageQuery, req.query, 'query');
    res.json(await services.tabulations.usage(principalOf(res).tenantId, days));
  });

  router.put('/v1/tabulations/:code', admin, async (req, res) => {
    const { code } = parseInput(codeParams, req.params, 'params');
    const { outcome } = parseInput(setCodeBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.tabulations.set(principal.tenantId, code, outcome, principal.actor));
  });

  router.delete('/v1/tabulations/:code', admin, async (req, res) => {
    const { code } = parseInput(codeParams, req.params, 'params');
    const principal = principalOf(res);
    await services.tabulations.remove(principal.tenantId, code, principal.actor);
    res.status(204).end();
  });

  return router;
}
