import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Services } from '../../services/container';
import { authenticated, operatorOnly } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageRequest } from '../../http/page';
import { campaignParams } from '../campaigns/schema';
import { operatorThrottle } from '../operator/operator';
import { addEntriesBody, entryParams, importQuery, listEntriesQuery, purposeBody, removeEntriesBody, sharedImportQuery, sharedListParams } from './schema';

/** Largest file a tenant imports at once (~4M lines of "11987654321"): more is split client-side. */
export const MAX_TENANT_IMPORT_BYTES = 64 * 1024 * 1024;
/** Largest shared list file (Não Me Perturbe is a few million numbers). */
export const MAX_SHARED_IMPORT_BYTES = 1024 * 1024 * 1024;

const expiry = (iso: string | undefined) => (iso === undefined ? {} : { expiresAt: new Date(iso) });

/**
 * Suppression lists and campaign purposes, for the tenant's admins (and its dialers, which may add numbers: an
 * agent's "não ligar mais" is the commonest source). Removing an entry is for admins only.
 */
export function suppressionRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);
  const admin = authenticated(services.auth, 'admin');
  const adminOrDialer = authenticated(services.auth, 'admin', 'dialer');

  router.put('/v1/campaigns/:campaignId/purpose', admin, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    const { purpose } = parseInput(purposeBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.campaigns.setPurpose(principal.tenantId, campaignId, purpose, principal.actor));
  });

  /** The shared lists the product knows (national, state): purposes, legal source, entries imported. */
  router.get('/v1/suppression/lists', anyone, async (_req, res) => {
    res.json({ lists: await services.suppression.sharedLists() });
  });

  router.get('/v1/suppression/entries', admin, async (req, res) => {
    const { campaignId, ...page } = parseInput(listEntriesQuery, req.query, 'query');
    res.json(await services.suppression.list(principalOf(res).tenantId, pageRequest(page), campaignId));
  });

  router.post('/v1/suppression/entries', adminOrDialer, async (req, res) => {
    const { phones, campaignId, source, expiresAt } = parseInput(addEntriesBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.suppression.add(principal.tenantId, principal.actor, phones, { source, ...(campaignId ? { campaignId } : {}), ...expiry(expiresAt) }));
  });

  router.post('/v1/suppression/entries/remove', admin, async (req, res) => {
    const { phones, campaignId } = parseInput(removeEntriesBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.suppression.remove(principal.tenantId, principal.actor, phones, campaignId));
  });

  router.delete('/v1/suppression/entries/:entryId', admin, async (req, res) => {
    const { entryId } = parseInput(entryParams, req.params, 'params');
    const principal = principalOf(res);
    await services.suppression.removeEntry(principal.tenantId, principal.actor, entryId);
    res.status(204).end();
  });

  return router;
}

/** The tenant's file import: a streamed text/csv body, so it is registered before the JSON body reader (app.ts). */
export function suppressionImportRoutes(services: Services): Router {
  const router = Router();
  router.post('/v1/suppression/import', authenticated(services.auth, 'admin', 'dialer'), async (req: Request, res: Response) => {
    const { campaignId, source, expiresAt } = parseInput(importQuery, req.query, 'query');
    const principal = principalOf(res);
    const input = { source, ...(campaignId ? { campaignId } : {}), ...expiry(expiresAt) };
    res.json(await services.suppression.importFile(principal.tenantId, principal.actor, req, input, MAX_TENANT_IMPORT_BYTES));
  });
  return router;
}

/**
 * The operator's shared lists (operator listener only). Registered before operatorRoutes, whose JSON reader would
 * take the file for a JSON body: the throttle, token and audit are applied here the same way.
 */
export function operatorSuppressionRoutes(services: Services): Router {
  const router = Router();
  const audited = (req: Request, res: Response, next: NextFunction) => {
    const target = `${req.method} ${req.path}`.slice(0, 300);
    res.once('finish', () => {
      void services.audit.record({ tenantId: null, actor: `operator@${req.ip ?? 'unknown'}`, action: 'operator.call', target, details: { status: res.statusCode } }).catch(() => undefined);
    });
    next();
  };
  const guard = [operatorThrottle(services), operatorOnly(services.config.operatorToken), audited];
  router.get('/v1/operator/suppression-lists', ...guard, async (_req, res) => {
    res.json({ lists: await services.suppression.sharedLists() });
  });
  router.post('/v1/operator/suppression-lists/:code/import', ...guard, async (req: Request, res: Response) => {
    const { code } = parseInput(sharedListParams, req.params, 'params');
    const { purposes, source, actor } = parseInput(sharedImportQuery, req.query, 'query');
    const options = { actor: actor ? `operator:${actor}` : `operator@${req.ip ?? 'unknown'}`, ...(purposes ? { purposes } : {}), ...(source ? { source } : {}) };
    res.json(await services.suppression.importShared(code, req, options, MAX_SHARED_IMPORT_BYTES));
  });
  return router;
}
