import { Router } from 'express';
import type { Services } from '../../services/container';

export function healthRoutes(services: Services): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    await services.prisma.$queryRawUnsafe('SELECT 1');
    res.json({ status: 'ready', numbersIndexed: services.statusIndex.table.size });
  });
  return router;
}
