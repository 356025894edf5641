import type { ApiOperation } from '../../http/openapi';
import { loginBody } from './schema';

export const authApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/v1/auth/login',
    tag: 'Sign in',
    summary: 'Sign in as a tenant admin',
    description: '10 attempts per minute per email and address.',
    access: 'public',
    body: { content: { 'application/json': loginBody } },
    responses: { 200: { description: '{"token", "expiresAt", "admin": {id, email, name, tenantId, tenantName}}', content: { 'application/json': null } } },
    errors: ['UNAUTHENTICATED', 'RATE_LIMITED'],
  },
  {
    method: 'get',
    path: '/v1/me',
    tag: 'Sign in',
    summary: 'Who the credential belongs to',
    access: 'tenant',
    responses: { 200: { description: '{"role", "actor", "tenant": {id, slug, name}}', content: { 'application/json': null } } },
  },
];
