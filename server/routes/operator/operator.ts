import { Router } from 'express';
import type { Services } from '../../services/container';
import { operatorOnly } from '../../http/auth';
import { parseInput } from '../../http/validate';
import { createAdminBody, createKeyBody, createTenantBody, forgetBody, quarantineBody, tenantParams } from './schema';

/** The operator API behind `npm run admin`: one bearer token (OPERATOR_TOKEN), no tenant scope. */
export function operatorRoutes(services: Services): Router {
  const router = Router();
  router.use('/v1/operator', operatorOnly(services.config.operatorToken));

  router.get('/v1/operator/tenants', async (_req, res) => {
    res.json({ tenants: await services.tenants.listTenants() });
  });

  router.post('/v1/operator/tenants', async (req, res) => {
    res.status(201).json(await services.tenants.createTenant(parseInput(createTenantBody, req.body, 'body')));
  });

  router.post('/v1/operator/tenants/:tenant/admins', async (req, res) => {
    const { tenant } = parseInput(tenantParams, req.params, 'params');
    const body = parseInput(createAdminBody, req.body, 'body');
    const found = await services.tenants.findTenant(tenant);
    res.status(201).json(await services.tenants.createAdmin(found.id, body));
  });

  router.post('/v1/operator/tenants/:tenant/dialer-keys', async (req, res) => {
    const { tenant } = parseInput(tenantParams, req.params, 'params');
    const { name } = parseInput(createKeyBody, req.body, 'body');
    const found = await services.tenants.findTenant(tenant);
    res.status(201).json(await services.tenants.createDialerKey(found.id, name, 'operator'));
  });

  router.post('/v1/operator/forget', async (req, res) => {
    const { phone, reason, actor } = parseInput(forgetBody, req.body, 'body');
    res.json(await services.privacy.erase(phone, actor ? `operator:${actor}` : 'operator', reason));
  });

  /** Each tenant's standing in the pool: marks, contradictions, weight left, quarantine. */
  router.get('/v1/operator/trust/sources', async (_req, res) => {
    res.json({ sources: await services.trust.standings() });
  });

  /** Quarantine a tenant's evidence (it stops counting at once, its numbers recomputed), or release it. */
  router.put('/v1/operator/tenants/:tenant/quarantine', async (req, res) => {
    const { tenant } = parseInput(tenantParams, req.params, 'params');
    const { quarantined, reason, actor } = parseInput(quarantineBody, req.body, 'body');
    const found = await services.tenants.findTenant(tenant);
    res.json(await services.trust.setQuarantine(found.id, quarantined, actor ? `operator:${actor}` : 'operator', reason));
  });

  router.post('/v1/operator/maintenance', async (_req, res) => {
    res.json(await services.maintenance.run());
  });

  return router;
}
