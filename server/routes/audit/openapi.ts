import type { ApiOperation } from '../../http/openapi';
import { auditQuery } from './schema';

const page = { 200: { description: '{"events": [{id, at, actor, action, target, reason, details}], "next": event id or null}', content: { 'application/json': null } } };

export const auditApi: ApiOperation[] = [
  { method: 'get', path: '/v1/audit', tag: 'Audit', summary: "This tenant's audit log, newest first", access: 'admin', query: auditQuery, responses: page },
  { method: 'get', path: '/v1/operator/audit', tag: 'Operator', summary: 'The whole audit log, newest first', access: 'operator', query: auditQuery, responses: page },
];
