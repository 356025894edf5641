import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageQuery, pageRequest } from '../../http/page';
import { createKeyBody, keyParams } from './schema';

export function dialerKeyRoutes(services: Services): Router {
  const router = Router();
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/dialer-keys', admin, async (req, res) => {
    const page = pageRequest(parseInput(pageQuery, req.query, 'query'));
    res.json(await services.tenants.listDialerKeys(principalOf(res).tenantId, page));
  });

  router.post('/v1/dialer-keys', admin, async (req, res) => {
    const { name } = parseInput(createKeyBody, req.body, 'body');
    const principal = principalOf(res);
    res.status(201).json(await services.tenants.createDialerKey(principal.tenantId, name, principal.actor));
  });

  router.delete('/v1/dialer-keys/:keyId', admin, async (req, res) => {
    const { keyId } = parseInput(keyParams, req.params, 'params');
    const principal = principalOf(res);
    res.json(await services.tenants.revokeDialerKey(principal.tenantId, keyId, principal.actor));
  });

  return router;
}
