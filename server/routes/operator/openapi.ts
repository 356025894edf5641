import type { ApiOperation } from '../../http/openapi';
import { createAdminBody, createKeyBody, createTenantBody, forgetBody, quarantineBody, tenantDisabledBody, tenantParams } from './schema';

const json = { 'application/json': null };

/** The operator API (`npm run admin`); any other path under /v1/operator is a 401 without the token. */
export const operatorApi: ApiOperation[] = [
  { method: 'get', path: '/v1/operator/tenants', tag: 'Operator', summary: 'Every tenant', access: 'operator', responses: { 200: { description: '{"tenants": [...]}', content: json } } },
  {
    method: 'post',
    path: '/v1/operator/tenants',
    tag: 'Operator',
    summary: 'Create a tenant',
    access: 'operator',
    body: { content: { 'application/json': createTenantBody } },
    responses: { 201: { description: 'the tenant', content: json } },
    errors: ['CONFLICT'],
  },
  {
    method: 'post',
    path: '/v1/operator/tenants/:tenant/admins',
    tag: 'Operator',
    summary: "Create a tenant's admin",
    access: 'operator',
    params: tenantParams,
    body: { content: { 'application/json': createAdminBody } },
    responses: { 201: { description: 'the admin', content: json } },
    errors: ['NOT_FOUND', 'CONFLICT'],
  },
  {
    method: 'post',
    path: '/v1/operator/tenants/:tenant/dialer-keys',
    tag: 'Operator',
    summary: "Create a tenant's dialer key",
    access: 'operator',
    params: tenantParams,
    body: { content: { 'application/json': createKeyBody } },
    responses: { 201: { description: 'the key with its secret', content: json } },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'post',
    path: '/v1/operator/forget',
    tag: 'Operator',
    summary: "Erase a number's shared history (LGPD request)",
    access: 'operator',
    body: { content: { 'application/json': forgetBody } },
    responses: { 200: { description: 'what was erased', content: json } },
  },
  { method: 'get', path: '/v1/operator/trust/sources', tag: 'Operator', summary: "Each tenant's standing in the pool: marks, contradictions, weight, quarantine", access: 'operator', responses: { 200: { description: 'the sources', content: json } } },
  {
    method: 'put',
    path: '/v1/operator/tenants/:tenant/quarantine',
    tag: 'Operator',
    summary: "Quarantine (or release) a tenant's evidence; its numbers' verdicts are recomputed",
    access: 'operator',
    params: tenantParams,
    body: { content: { 'application/json': quarantineBody } },
    responses: { 200: { description: 'numbers recomputed and changed', content: json } },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'put',
    path: '/v1/operator/tenants/:tenant/disabled',
    tag: 'Operator',
    summary: 'Offboard (or bring back) a tenant: its dialer keys and admins are refused on every instance at once',
    access: 'operator',
    params: tenantParams,
    body: { content: { 'application/json': tenantDisabledBody } },
    responses: { 200: { description: '{"id", "disabledAt"}', content: json } },
    errors: ['NOT_FOUND'],
  },
  { method: 'post', path: '/v1/operator/maintenance', tag: 'Operator', summary: 'Run maintenance now (expiry, receipts)', access: 'operator', responses: { 200: { description: 'what maintenance did', content: json } } },
];
