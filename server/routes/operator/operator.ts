import { timingSafeEqual } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Services } from '../../services/container';
import { AppError } from '../../errors';
import { bearer } from '../../http/auth';
import { parseInput } from '../../http/validate';
import { createAdminBody, createKeyBody, createTenantBody, forgetBody, tenantParams } from './schema';

/** The operator API behind `npm run admin`: one bearer token (OPERATOR_TOKEN), no tenant scope. */
export function operatorRoutes(services: Services): Router {
  const router = Router();
  const expected = Buffer.from(services.config.operatorToken);
  const operatorOnly = (req: Request, _res: Response, next: NextFunction) => {
    const given = Buffer.from(bearer(req.header('authorization')) ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('UNAUTHENTICATED', 'operator token required (OPERATOR_TOKEN, or dev-keys.json of the embedded default)');
    }
    next();
  };
  router.use('/v1/operator', operatorOnly);

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
    const { phone } = parseInput(forgetBody, req.body, 'body');
    res.json(await services.privacy.forget(phone));
  });

  router.post('/v1/operator/maintenance', async (_req, res) => {
    res.json(await services.maintenance.run());
  });

  return router;
}
