import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { campaignCnpjBody, campaignParams, cnpjParams, historyQuery, meterQuery, putCnpjBody } from './schema';

/** Anatel's short-call meter (docs/compliance.md): the tenant's CNPJs and access codes, today's meter, its history. */
export function complianceRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/compliance/cnpjs', anyone, async (_req, res) => {
    res.json({ cnpjs: await services.compliance.listCnpjs(principalOf(res).tenantId) });
  });

  router.put('/v1/compliance/cnpjs/:cnpj', admin, async (req, res) => {
    const { cnpj } = parseInput(cnpjParams, req.params, 'params');
    const body = parseInput(putCnpjBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.compliance.putCnpj(principal.tenantId, principal.actor, cnpj, body));
  });

  router.delete('/v1/compliance/cnpjs/:cnpj', admin, async (req, res) => {
    const { cnpj } = parseInput(cnpjParams, req.params, 'params');
    const principal = principalOf(res);
    await services.compliance.removeCnpj(principal.tenantId, principal.actor, cnpj);
    res.status(204).end();
  });

  router.put('/v1/compliance/campaigns/:campaignId/cnpj', admin, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    const { cnpj } = parseInput(campaignCnpjBody, req.body, 'body');
    res.json(await services.compliance.setCampaignCnpj(principalOf(res).tenantId, campaignId, cnpj));
  });

  router.get('/v1/compliance/meter', anyone, async (req, res) => {
    const { day } = parseInput(meterQuery, req.query, 'query');
    res.json(await services.compliance.meter(principalOf(res).tenantId, day));
  });

  router.get('/v1/compliance/history', anyone, async (req, res) => {
    const range = parseInput(historyQuery, req.query, 'query');
    res.json(await services.compliance.history(principalOf(res).tenantId, range));
  });

  return router;
}
