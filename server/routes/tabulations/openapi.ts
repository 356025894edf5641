import type { ApiOperation } from '../../http/openapi';
import { codeParams, setCodeBody } from './schema';

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
