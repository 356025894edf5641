import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated, operatorOnly } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { auditQuery } from './schema';

/** The audit log of a tenant, read by its admins. */
export function auditRoutes(services: Services): Router {
  const router = Router();

  router.get('/v1/audit', authenticated(services.auth, 'admin'), async (req, res) => {
    const { limit, before, target, action, q } = parseInput(auditQuery, req.query, 'query');
    const filter = { tenantId: principalOf(res).tenantId, ...(target ? { target } : {}), ...(action ? { action } : {}), ...(q ? { text: q } : {}) };
    res.json(await services.audit.list(filter, { limit, ...(before ? { before } : {}) }));
  });

  return router;
}

/** Every tenant's events, for the operator: served on the operator listener only (app.ts, createOperatorApp). */
export function operatorAuditRoutes(services: Services): Router {
  const router = Router();
  router.get('/v1/operator/audit', operatorOnly(services.config.operatorToken), async (req, res) => {
    const { limit, before, q } = parseInput(auditQuery, req.query, 'query');
    res.json(await services.audit.list(q ? { text: q } : {}, { limit, ...(before ? { before } : {}) }));
  });
  return router;
}
