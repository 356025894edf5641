import type { ApiOperation } from '../../http/openapi';
import { codeParams, setCodeBody, usageQuery } from './schema';

export const tabulationApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/tabulations',
    tag: 'Tabulations',
    summary: "The tenant's tabulation map (its overrides over the defaults)",
    access: 'tenant',
    responses: { 200: { description: '{"tabulations": [...]}', content: { 'application/json': null } } },
  },
  {
    method: 'get',
    path: '/v1/tabulations/usage',
    tag: 'Tabulations',
    summary: "Accepted tabulations per code over the last `days` UTC days (the console's impact of a rule change)",
    access: 'tenant',
    query: usageQuery,
    responses: { 200: { description: '{"days", "since", "usage": [{"code", "calls"}]}', content: { 'application/json': null } } },
  },
  {
    method: 'put',
    path: '/v1/tabulations/:code',
    tag: 'Tabulations',
    summary: 'Map a tabulation code to an outcome',
    access: 'admin',
    params: codeParams,
    body: { content: { 'application/json': setCodeBody } },
    responses: { 200: { description: 'the mapping', content: { 'application/json': null } } },
  },
  { method: 'delete', path: '/v1/tabulations/:code', tag: 'Tabulations', summary: "Remove the tenant's override of a code", access: 'admin', params: codeParams, responses: { 204: { description: 'removed' } } },
];
