import type { ApiOperation } from '../../http/openapi';
import { campaignParams, hygieneBody, ninthDigitBody, registerCampaignBody, summaryQuery } from './schema';
import { pageQuery } from '../../http/page';

const json = { 'application/json': null };

export const campaignApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/campaigns',
    tag: 'Campaigns',
    summary: "The tenant's campaigns, oldest first, a page at a time (follow `next`)",
    access: 'tenant',
    query: pageQuery,
    responses: { 200: { description: '{"campaigns": [...], "next": cursor | null}', content: json } },
  },
  {
    method: 'get',
    path: '/v1/campaigns/summary',
    tag: 'Campaigns',
    summary: 'Every campaign with its mailing totals (phones) over a date range: search, hygiene filter, sort, offset page',
    access: 'tenant',
    query: summaryQuery,
    responses: { 200: { description: '{"from","to","total","campaigns":[CampaignSummary],"totals"}', content: json } },
  },
  {
    method: 'post',
    path: '/v1/campaigns',
    tag: 'Campaigns',
    summary: 'Register a campaign (idempotent by its dialer-side id)',
    access: 'tenant',
    body: { content: { 'application/json': registerCampaignBody } },
    responses: { 201: { description: 'the campaign', content: json } },
  },
  { method: 'get', path: '/v1/campaigns/:campaignId', tag: 'Campaigns', summary: 'One campaign', access: 'tenant', params: campaignParams, responses: { 200: { description: 'the campaign', content: json } } },
  {
    method: 'put',
    path: '/v1/campaigns/:campaignId/hygiene',
    tag: 'Campaigns',
    summary: 'Switch "Higienização de Mailing" on or off',
    access: 'admin',
    params: campaignParams,
    body: { content: { 'application/json': hygieneBody } },
    responses: { 200: { description: 'the campaign', content: json } },
  },
  {
    method: 'put',
    path: '/v1/campaigns/:campaignId/ninth-digit',
    tag: 'Campaigns',
    summary: 'Switch the ninth-digit upgrade of legacy 8-digit mobiles in its mailings on (default) or off',
    access: 'admin',
    params: campaignParams,
    body: { content: { 'application/json': ninthDigitBody } },
    responses: { 200: { description: 'the campaign', content: json } },
  },
  {
    method: 'get',
    path: '/v1/campaigns/:campaignId/hygiene/history',
    tag: 'Campaigns',
    summary: "Who switched the campaign's hygiene, and when",
    access: 'admin',
    params: campaignParams,
    responses: { 200: { description: '{"events": [...]}', content: json } },
  },
];
