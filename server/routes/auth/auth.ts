import { Router } from 'express';
import type { MeView } from '../../../plugin/contract/protocol';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { loginBody } from './schema';

export function authRoutes(services: Services): Router {
  const router = Router();

  router.post('/v1/auth/login', async (req, res) => {
    const body = parseInput(loginBody, req.body, 'body');
    res.json(await services.auth.login(body.email, body.password, req.ip ?? 'unknown'));
  });

  router.get('/v1/me', authenticated(services.auth), async (_req, res) => {
    const principal = principalOf(res);
    const tenant = await services.tenants.findTenant(principal.tenantId);
    const me: MeView = { role: principal.role, actor: principal.actor, tenant };
    res.json(me);
  });

  return router;
}
