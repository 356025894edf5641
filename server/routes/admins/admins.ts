import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { adminParams, changePasswordBody, inviteAdminBody } from './schema';

/** A tenant's admins (invite, disable) and the caller's own session (password, sign out everywhere). */
export function adminRoutes(services: Services): Router {
  const router = Router();
  const admin = authenticated(services.auth, 'admin');

  router.get('/v1/admins', admin, async (_req, res) => {
    res.json({ admins: await services.admins.list(principalOf(res).tenantId) });
  });

  router.post('/v1/admins', admin, async (req, res) => {
    const body = parseInput(inviteAdminBody, req.body, 'body');
    const principal = principalOf(res);
    res.status(201).json(await services.admins.invite(principal.tenantId, body, principal.actor));
  });

  router.post('/v1/admins/:adminId/disable', admin, async (req, res) => {
    const { adminId } = parseInput(adminParams, req.params, 'params');
    const principal = principalOf(res);
    res.json(await services.admins.disable(principal.tenantId, adminId, { id: principal.subjectId, name: principal.actor }));
  });

  router.put('/v1/me/password', admin, async (req, res) => {
    const { currentPassword, newPassword } = parseInput(changePasswordBody, req.body, 'body');
    const principal = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await services.admins.changePassword(principal.tenantId, principal.subjectId, currentPassword, newPassword));
  });

  router.post('/v1/me/sign-out-everywhere', admin, async (_req, res) => {
    const principal = principalOf(res);
    await services.admins.signOutEverywhere(principal.tenantId, principal.subjectId, principal.actor);
    res.status(204).end();
  });

  return router;
}
