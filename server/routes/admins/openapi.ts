import type { ApiOperation } from '../../http/openapi';
import { adminParams, changePasswordBody, inviteAdminBody } from './schema';

const json = { 'application/json': null };

export const adminsApi: ApiOperation[] = [
  { method: 'get', path: '/v1/admins', tag: 'Admins', summary: "The tenant's admins", access: 'admin', responses: { 200: { description: '{"admins": [{id, email, name, createdAt, disabledAt}]}', content: json } } },
  {
    method: 'post',
    path: '/v1/admins',
    tag: 'Admins',
    summary: 'Invite an admin to the tenant, with a first password given out of band',
    access: 'admin',
    body: { content: { 'application/json': inviteAdminBody } },
    responses: { 201: { description: 'the admin', content: json } },
    errors: ['CONFLICT'],
  },
  {
    method: 'post',
    path: '/v1/admins/:adminId/disable',
    tag: 'Admins',
    summary: 'Disable an admin of the tenant: it cannot sign in, its sessions and sockets end on every instance',
    access: 'admin',
    params: adminParams,
    responses: { 200: { description: 'the admin', content: json } },
    errors: ['CONFLICT'],
  },
  {
    method: 'put',
    path: '/v1/me/password',
    tag: 'Admins',
    summary: 'Change your own password; every other session ends, the answer is a new one',
    access: 'admin',
    body: { content: { 'application/json': changePasswordBody } },
    responses: { 200: { description: '{"token", "expiresAt", "admin"} as from sign-in', content: json } },
  },
  {
    method: 'post',
    path: '/v1/me/sign-out-everywhere',
    tag: 'Admins',
    summary: 'End every session of yours, this one included, on every instance',
    access: 'admin',
    responses: { 204: { description: 'signed out' } },
  },
];
