import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageRequest } from '../../http/page';
import { invalid } from '../../errors';
import { createKeyBody, keyListQuery, keyParams } from './schema';

export function dialerKeyRoutes(services: Services): Router {
  const router = Router();
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/dialer-keys', admin, async (req, res) => {
    const { q, state, sort, order, offset, ...page } = parseInput(keyListQuery, req.query, 'query');
    const tenantId = principalOf(res).tenantId;
    // Without search parameters the answer stays the keyset list (`next` cursors), as before the console searched.
    if (q === undefined && state === undefined && sort === undefined && order === undefined && offset === undefined) {
      res.json(await services.tenants.listDialerKeys(tenantId, pageRequest(page)));
      return;
    }
    if (page.cursor !== undefined) throw invalid('cursor', 'cannot be combined with q, state, sort, order or offset (use offset)');
    const search = { sort: sort ?? 'createdAt', order: order ?? 'desc', limit: Math.min(page.limit, 200), offset: offset ?? 0 } as const;
    res.json(await services.tenants.searchDialerKeys(tenantId, { ...search, ...(q ? { q } : {}), ...(state ? { state } : {}) }));
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
