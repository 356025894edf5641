import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Services } from '../../services/container';
import { operatorOnly } from '../../http/auth';
import { parseInput } from '../../http/validate';
import { createAdminBody, createKeyBody, createTenantBody, forgetBody, quarantineBody, tenantDisabledBody, tenantParams } from './schema';
import { AppError } from '../../errors';
import { jsonParser, SMALL_BODY_BYTES } from '../../http/body';

/** The operator API behind `npm run admin`: one bearer token (OPERATOR_TOKEN), no tenant scope. */
export function operatorRoutes(services: Services): Router {
  const router = Router();
  // Rate-limited per address before the token is even compared (guessing it costs a window per 60 tries), then
  // every call that passed the token is audited when it answers: who (the address), what (method and path), status.
  router.use('/v1/operator', operatorThrottle(services), operatorOnly(services.config.operatorToken), (req: Request, res: Response, next: NextFunction) => {
    // Read now: by the time the answer is sent, Express has moved req.path back and forth between routers.
    const target = `${req.method} ${req.baseUrl}${req.path}`.slice(0, 300);
    res.once('finish', () => {
      void services.audit
        .record({ tenantId: null, actor: `operator@${req.ip ?? 'unknown'}`, action: 'operator.call', target, details: { status: res.statusCode } })
        .catch(() => undefined);
    });
    next();
  }, jsonParser(SMALL_BODY_BYTES));

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

  /** Offboards a tenant (or brings it back): its dialer keys and admins are refused on every instance at once. */
  router.put('/v1/operator/tenants/:tenant/disabled', async (req, res) => {
    const { tenant } = parseInput(tenantParams, req.params, 'params');
    const { disabled, reason, actor } = parseInput(tenantDisabledBody, req.body, 'body');
    const found = await services.tenants.findTenant(tenant);
    res.json(await services.admins.setTenantDisabled(found.id, disabled, actor ? `operator:${actor}` : 'operator', reason));
  });

  router.post('/v1/operator/maintenance', async (_req, res) => {
    res.json(await services.maintenance.run());
  });

  return router;
}

/** 60 operator calls a minute per client address, counted before the token check. */
export function operatorThrottle(services: Services) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const verdict = await services.rateLimiter.consume(`operator:${req.ip ?? 'unknown'}`, 60, 60_000);
    if (!verdict.allowed) throw new AppError('RATE_LIMITED', 'too many operator calls; try again shortly').withRetryAfter(verdict.retryAfterMs / 1000);
    next();
  };
}
