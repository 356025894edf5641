/**
 * The console from a folder whose name starts with a dot (CI caches, ~/.cache): `send` refuses dot segments in an
 * absolute path, so `/` answered 500 there. This test serves a copy of the built console from such a folder through
 * the console's own router; test/deploy/smoke.test.ts runs a whole release from one, behind nginx.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { consoleRoutes } from '../../../server/routes/console/console';

const BUILT = path.resolve(__dirname, '../../../dist/console');

describe('the console served from a dot-folder', () => {
  let work = '';
  let app: express.Express;

  beforeAll(() => {
    if (!existsSync(path.join(BUILT, 'index.html'))) throw new Error('The admin console is not built: run `npm run build:console` first (npm test does it).');
    work = mkdtempSync(path.join(tmpdir(), 'hyg-dot-'));
    const assets = path.join(work, '.cache-x', 'console');
    cpSync(BUILT, assets, { recursive: true });
    app = express().use(consoleRoutes(assets));
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('when the console lives under a folder named .cache-x, then / and its bundle answer 200', async () => {
    const page = await request(app).get('/').expect(200).expect('content-type', /text\/html/);
    const bundle = page.text.match(/src="\/?(assets\/[^"]+\.js)"/)?.[1];
    expect(bundle).toBeDefined();
    await request(app).get(`/${bundle}`).expect(200).expect('content-type', /javascript/);
  });

  it('when a path tries to climb out of the assets or reach a dotfile, then it is not served', async () => {
    await request(app).get('/assets/../../index.html').expect(404);
    await request(app).get('/assets/.hidden').expect(404);
  });
});
