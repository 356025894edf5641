import type { ApiOperation } from '../../http/openapi';
import { withdrawBody } from './schema';

export const privacyApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/v1/privacy/withdraw',
    tag: 'Privacy',
    summary: "Withdraw the tenant's own contributions to a number (a data subject's request, LGPD)",
    description: "Erasing a number's whole history is the operator's act (POST /v1/operator/forget).",
    access: 'admin',
    body: { content: { 'application/json': withdrawBody } },
    responses: { 200: { description: 'what was withdrawn', content: { 'application/json': null } } },
  },
];
