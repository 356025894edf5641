import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createApp, createOperatorApp } from '../../server/app';
import { createLogger } from '../../server/logger';
import { startTestServer, type TestServer } from '../support/harness';
import { registeredRoutes } from '../support/routes';

/**
 * docs/api.md is the prose reference of the API: every route the app registers must be in it as "METHOD /path"
 * (path parameters may be named differently, `:id` for `:campaignId`; "GET|POST /path" covers both). The OpenAPI
 * document is checked the same way by test/routes/openapi.test.ts; configuration variables by
 * test/deploy/config-documented.test.ts.
 */
const normalize = (route: string) => route.replace(/:[A-Za-z]+/g, ':param').replace(/\?.*$/, '');

function documentedRoutes(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const match of markdown.matchAll(/\b((?:GET|POST|PUT|DELETE)(?:\|(?:GET|POST|PUT|DELETE))*) (\/[^\s`?]*)/g)) {
    for (const method of match[1]!.split('|')) found.add(normalize(`${method} ${match[2]!}`));
  }
  return found;
}

describe('the docs match the routes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when either app (public or operator listener) registers a route, then docs/api.md names it with its method', () => {
    const documented = documentedRoutes(readFileSync(path.resolve(__dirname, '../../docs/api.md'), 'utf8'));
    const logger = createLogger('silent');
    const routes = [...registeredRoutes(createApp(server.services, logger)), ...registeredRoutes(createOperatorApp(server.services, logger))];
    expect(routes).toEqual(expect.arrayContaining(['GET /metrics', 'GET /v1/operator/audit', 'POST /v1/operator/tenants']));
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.map(normalize).filter((route) => !documented.has(route))).toEqual([]);
  });

  it('when a route is missing from the text, then the check reports it', () => {
    const documented = documentedRoutes('`GET /v1/campaigns` and `GET|POST /v1/operator/tenants`');
    expect(documented.has('POST /v1/operator/tenants')).toBe(true);
    expect(['GET /v1/campaigns', 'DELETE /v1/campaigns/:campaignId'].map(normalize).filter((route) => !documented.has(route))).toEqual(['DELETE /v1/campaigns/:param']);
  });
});
