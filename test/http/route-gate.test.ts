import express, { Router } from 'express';
import request from 'supertest';
import { routeGate } from '../../server/http/routeGate';

/** A router whose every entry is recorded (whatever the path), with a route on its own path and one below it. */
function countingRouter(path: string, entered: string[]): Router {
  const router = Router();
  router.get(`${path}/:id`, (req, res) => res.json({ router: path, id: req.params.id }));
  router.post(path, (_req, res) => res.json({ router: path }));
  const entry = (req: express.Request, res: express.Response, next: express.NextFunction) => {
    entered.push(`${path} ${req.method} ${req.path}`);
    router(req, res, next);
  };
  return Object.assign(entry, { stack: router.stack }) as unknown as Router;
}

describe('routeGate', () => {
  const entered: string[] = [];
  const app = express();
  app.use(routeGate(countingRouter('/v1/campaigns', entered)));
  app.use(routeGate(countingRouter('/v1/outcomes', entered)));
  app.use((_req, res) => res.status(404).json({ error: 'NOT_FOUND' }));

  beforeEach(() => {
    entered.length = 0;
  });

  it('when a request is for a later router, then the routers before it are not entered', async () => {
    const res = await request(app).post('/v1/outcomes');
    expect(res.body).toEqual({ router: '/v1/outcomes' });
    expect(entered).toEqual(['/v1/outcomes POST /v1/outcomes']);
  });

  it('when a path differs only in case or has a parameter, then its router is still entered, as Express matches it', async () => {
    expect((await request(app).get('/V1/Campaigns/abc')).body).toEqual({ router: '/v1/campaigns', id: 'abc' });
    expect((await request(app).post('/v1/outcomes/')).body).toEqual({ router: '/v1/outcomes' });
  });

  it('when no router serves a path, then none is entered and the request reaches what comes after', async () => {
    const res = await request(app).get('/v1/numbers/check');
    expect(res.status).toBe(404);
    expect(entered).toEqual([]);
  });

  it('when a router has a layer on "/", then it is entered for every path (no gate)', async () => {
    const all: string[] = [];
    const router = Router();
    router.use((req, _res, next) => {
      all.push(req.path);
      next();
    });
    const open = express();
    open.use(routeGate(router));
    open.use((_req, res) => res.status(404).end());
    await request(open).get('/anything');
    expect(all).toEqual(['/anything']);
  });
});
