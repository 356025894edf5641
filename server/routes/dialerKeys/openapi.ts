import type { ApiOperation } from '../../http/openapi';
import { createKeyBody, keyListQuery, keyParams } from './schema';

const json = { 'application/json': null };

export const dialerKeyApi: ApiOperation[] = [
  {
    method: 'get',
    path: '/v1/dialer-keys',
    tag: 'Dialer keys',
    summary:
      "The tenant's dialer keys (never their secrets), newest first, a page at a time (follow `next`); with q (name or prefix), state, sort (createdAt, name, lastUsedAt), order or offset, one searched and sorted offset page",
    access: 'admin',
    query: keyListQuery,
    responses: {
      200: {
        description:
          '{"keys": [{..., lastUsedAt, connected}], "next": cursor | null}; searched: {"keys", "next": null, "total": matching keys, "tenantKeys": all keys}; connected: a socket.io connection with the key is open now, on any instance',
        content: json,
      },
    },
  },
  {
    method: 'post',
    path: '/v1/dialer-keys',
    tag: 'Dialer keys',
    summary: 'Create a dialer key; its secret is shown once',
    access: 'admin',
    body: { content: { 'application/json': createKeyBody } },
    responses: { 201: { description: 'the key with its secret ("key")', content: json } },
  },
  { method: 'delete', path: '/v1/dialer-keys/:keyId', tag: 'Dialer keys', summary: 'Revoke a dialer key', access: 'admin', params: keyParams, responses: { 200: { description: 'the revoked key', content: json } } },
];
