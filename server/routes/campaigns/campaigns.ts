import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { pageQuery, pageRequest } from '../../http/page';
import { campaignParams, hygieneBody, ninthDigitBody, registerCampaignBody, summaryQuery } from './schema';

export function campaignRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/campaigns', anyone, async (req, res) => {
    const page = pageRequest(parseInput(pageQuery, req.query, 'query'));
    res.json(await services.campaigns.list(principalOf(res).tenantId, page));
  });

  router.post('/v1/campaigns', anyone, async (req, res) => {
    const body = parseInput(registerCampaignBody, req.body, 'body');
    res.status(201).json(await services.campaigns.register(principalOf(res).tenantId, body.id, body.name));
  });

  // Before `/:campaignId`: every campaign's mailing totals over a date range, searched, sorted, a page at a time.
  router.get('/v1/campaigns/summary', anyone, async (req, res) => {
    const { q, from, to, hygiene, ...page } = parseInput(summaryQuery, req.query, 'query');
    res.json(await services.campaignSummary.summary(principalOf(res).tenantId, { ...page, ...(q ? { q } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(hygiene ? { hygiene } : {}) }));
  });

  router.get('/v1/campaigns/:campaignId', anyone, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    res.json(await services.campaigns.get(principalOf(res).tenantId, campaignId));
  });

  router.put('/v1/campaigns/:campaignId/hygiene', admin, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    const { enabled } = parseInput(hygieneBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.campaigns.setHygiene(principal.tenantId, campaignId, enabled, principal.actor));
  });

  router.put('/v1/campaigns/:campaignId/ninth-digit', admin, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    const { enabled } = parseInput(ninthDigitBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.campaigns.setNinthDigit(principal.tenantId, campaignId, enabled, principal.actor));
  });

  router.get('/v1/campaigns/:campaignId/hygiene/history', admin, async (req, res) => {
    const { campaignId } = parseInput(campaignParams, req.params, 'params');
    res.json({ events: await services.campaigns.history(principalOf(res).tenantId, campaignId) });
  });

  return router;
}
