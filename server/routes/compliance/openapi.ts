import type { ApiOperation } from '../../http/openapi';
import { campaignCnpjBody, campaignParams, cnpjParams, historyQuery, meterQuery, putCnpjBody } from './schema';

export const complianceApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/compliance/cnpjs',
    tag: 'Compliance',
    summary: "The tenant's CNPJs with their access codes and the campaigns that name them",
    access: 'tenant',
    responses: { 200: { description: '{"cnpjs": [{"cnpj", "name", "accessCodes", "campaigns", "createdAt"}]}', content: { 'application/json': null } } },
  },
  {
    method: 'put',
    path: '/v1/compliance/cnpjs/:cnpj',
    tag: 'Compliance',
    summary: 'Register a CNPJ (check digits verified) or replace its name and access codes; a code of another CNPJ is a 409',
    access: 'admin',
    params: cnpjParams,
    body: { content: { 'application/json': putCnpjBody } },
    responses: { 200: { description: 'the CNPJ', content: { 'application/json': null } } },
  },
  { method: 'delete', path: '/v1/compliance/cnpjs/:cnpj', tag: 'Compliance', summary: 'Remove a CNPJ and its access codes (its counted days stay)', access: 'admin', params: cnpjParams, responses: { 204: { description: 'removed' } } },
  {
    method: 'put',
    path: '/v1/compliance/campaigns/:campaignId/cnpj',
    tag: 'Compliance',
    summary: 'Name the CNPJ a campaign dials for (null: none)',
    access: 'admin',
    params: campaignParams,
    body: { content: { 'application/json': campaignCnpjBody } },
    responses: { 200: { description: '{"campaignId", "cnpj"}', content: { 'application/json': null } } },
  },
  {
    method: 'get',
    path: '/v1/compliance/meter',
    tag: 'Compliance',
    summary: "Anatel's short-call meter for one Brazilian day (today by default): per CNPJ and access code, counts, projection, status",
    access: 'tenant',
    query: meterQuery,
    responses: { 200: { description: 'ComplianceMeterView', content: { 'application/json': null } } },
  },
  {
    method: 'get',
    path: '/v1/compliance/history',
    tag: 'Compliance',
    summary: 'The meter per Brazilian day and CNPJ (at most 92 days; the last 30 by default), with avoided calls and alerts',
    access: 'tenant',
    query: historyQuery,
    responses: { 200: { description: 'ComplianceHistoryView', content: { 'application/json': null } } },
  },
];
