import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Script } from 'node:vm';
import { chromium } from 'playwright-core';
import { ERROR_STATUS } from '../../server/errors';
import { createApp, createOperatorApp } from '../../server/app';
import { createLogger } from '../../server/logger';
import { buildTenant, type BuiltTenant } from '../support/factories';
import { startTestServer, TEST_KEYS, type TestServer } from '../support/harness';
import { registeredRoutes } from '../support/routes';

/**
 * Issue 11: the OpenAPI document lists every registered route with its method, parameters, request body and
 * error responses in the one error shape — and what the server really answers is what the document says.
 */
// biome-ignore lint/suspicious/noExplicitAny: the test walks arbitrary JSON Schema produced by the generator.
type Schema = Record<string, any>;
type Operation = { servers?: Schema[]; 'x-listener'?: string; parameters?: Schema[]; requestBody?: { content: Record<string, { schema?: Schema }> }; responses: Record<string, Schema>; security: Schema[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: { Error: Schema } } };

/** POST and PUT routes that take no body by design. */
const WITHOUT_BODY = ['POST /v1/operator/maintenance', 'POST /v1/admins/:adminId/disable', 'POST /v1/me/sign-out-everywhere'];

const toOpenApi = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');
const PLACEHOLDERS: Record<string, string> = { campaignId: 'openapi-probe', code: 'openapi-probe', tenant: 'no-such-tenant', mailingId: randomUUID(), keyId: randomUUID() };

describe('OpenAPI document', () => {
  let server: TestServer;
  let tenant: BuiltTenant;
  let document: Document;
  /** Both listeners' routes (/healthz is on both): the document describes them all. */
  let routes: string[];
  /** The routes served on the operator listener only. */
  let operatorOnly: Set<string>;

  const operationOf = (route: string): Operation | undefined => {
    const [method, path] = route.split(' ') as [string, string];
    return document.paths[toOpenApi(path)]?.[method.toLowerCase()];
  };

  beforeAll(async () => {
    server = await startTestServer({ redis: false });
    tenant = await buildTenant(server);
    const publicRoutes = registeredRoutes(createApp(server.services, createLogger('silent')));
    const operatorRoutes = registeredRoutes(createOperatorApp(server.services, createLogger('silent')));
    operatorOnly = new Set(operatorRoutes.filter((route) => !publicRoutes.includes(route)));
    routes = [...new Set([...publicRoutes, ...operatorRoutes])];
    const response = await server.api().get('/openapi.json').expect(200);
    document = response.body as Document;
  });

  afterAll(async () => {
    await server.stop();
  });

  it('when /openapi.json is read, then it is OpenAPI 3.1 and every registered route is in it with its method, and nothing else is', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => !operationOf(route))).toEqual([]);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.filter((entry) => !routes.map((route) => { const [method, path] = route.split(' '); return `${method} ${toOpenApi(path!)}`; }).includes(entry))).toEqual([]);
  });

  it('when an operation is served on the operator listener, then the document says so (servers, x-listener), and only for those', () => {
    expect(operatorOnly.size).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      const operation = operationOf(route)!;
      const onOperator = operatorOnly.has(route);
      expect([route, operation['x-listener'] ?? 'public']).toEqual([route, onOperator ? 'operator' : 'public']);
      if (onOperator) expect([route, operation.servers?.[0]?.url]).toEqual([route, 'http://127.0.0.1:3001']);
    }
  });

  it('when a route has path parameters, then each is documented as required, with a schema, and no other path parameter is', () => {
    for (const route of routes) {
      const names = [...route.matchAll(/:(\w+)/g)].map((match) => match[1]);
      const inPath = (operationOf(route)!.parameters ?? []).filter((parameter) => parameter.in === 'path');
      expect([route, inPath.map((parameter) => parameter.name).sort()]).toEqual([route, [...names].sort()]);
      for (const parameter of inPath) expect([route, parameter.required, typeof parameter.schema?.type]).toEqual([route, true, 'string']);
    }
    const stats = operationOf('GET /v1/stats/daily')!.parameters!;
    expect(stats).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'days', in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 366 }) })]),
    );
  });

  it('when a route takes a body, then its schema is documented, from the zod schema the route validates with where it has one', () => {
    for (const route of routes.filter((entry) => /^(POST|PUT) /.test(entry) && !WITHOUT_BODY.includes(entry))) {
      const content = operationOf(route)!.requestBody?.content ?? {};
      expect([route, Object.keys(content).length > 0]).toEqual([route, true]);
      for (const [media, { schema }] of Object.entries(content)) expect([route, media, typeof schema]).toEqual([route, media, 'object']);
    }
    const hygiene = operationOf('PUT /v1/campaigns/:campaignId/hygiene')!.requestBody!.content['application/json']!.schema!;
    expect(hygiene).toMatchObject({ type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' } } });
    const login = operationOf('POST /v1/auth/login')!.requestBody!.content['application/json']!.schema!;
    expect(login).toMatchObject({ required: ['email', 'password'], properties: { email: { format: 'email' } } });
    const outcomes = operationOf('POST /v1/outcomes')!.requestBody!.content['application/json']!.schema!;
    expect(outcomes.properties.outcomes.items.required).toEqual(['callId', 'campaignId', 'phone', 'code']);
    expect(Object.keys(operationOf('POST /v1/campaigns/:campaignId/mailings')!.requestBody!.content)).toEqual(['text/csv', 'application/x-ndjson', 'application/json']);
  });

  it('when error responses are read, then each uses the one error shape with the codes of its status, and credentials imply 401/403', () => {
    const error = document.components.schemas.Error;
    expect(error.properties.error.required).toEqual(['code', 'message', 'requestId']);
    expect(Object.keys(error.properties.error.properties)).toEqual(['code', 'message', 'field', 'requestId']);
    expect(error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_STATUS));
    for (const route of routes) {
      const operation = operationOf(route)!;
      const errorStatuses = Object.keys(operation.responses).filter((status) => Number(status) >= 400);
      expect([route, errorStatuses.length > 0]).toEqual([route, true]);
      for (const status of errorStatuses) {
        const schema = operation.responses[status]!.content?.['application/json']?.schema;
        if (!schema?.allOf) continue; // /readyz and the console answer their own 503 bodies, described as answers
        expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/Error' });
        const codes = schema.allOf[1].properties.error.properties.code.enum as (keyof typeof ERROR_STATUS)[];
        for (const code of codes) expect([route, code, ERROR_STATUS[code]]).toEqual([route, code, Number(status)]);
      }
      if (operation.security.length > 0) expect([route, operation.responses['401']]).toEqual([route, expect.anything()]);
    }
    expect(operationOf('PUT /v1/tabulations/:code')!.responses['403']).toBeDefined();
  });

  /** A request to the route with placeholder parameters and an empty JSON object as its body. */
  function probe(route: string, authorization: string | undefined) {
    const [method, template] = route.split(' ') as [string, string];
    const path = template.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(PLACEHOLDERS[name] ?? 'x'));
    const listener = operatorOnly.has(route) ? server.operatorApi() : server.api();
    let request = listener[method.toLowerCase() as 'get' | 'post' | 'put' | 'delete'](path);
    if (authorization) request = request.set('authorization', authorization);
    return method === 'POST' || method === 'PUT' ? request.set('content-type', 'application/json').send('{}') : request;
  }

  it('when every route is called without, with a dialer, an admin and the operator credential, then each answer is documented: its status, media type, and error code', async () => {
    const credentials = { none: undefined, dialer: tenant.auth('dialer'), admin: tenant.auth('admin'), operator: `Bearer ${TEST_KEYS.OPERATOR_TOKEN}` };
    const undocumented: string[] = [];
    let errorsSeen = 0;
    for (const route of routes) {
      const operation = operationOf(route)!;
      for (const [who, authorization] of Object.entries(credentials)) {
        const response = await probe(route, authorization);
        const documented = operation.responses[String(response.status)];
        if (!documented) {
          undocumented.push(`${route} as ${who}: ${response.status} ${JSON.stringify(response.body)}`);
          continue;
        }
        const media = String(response.headers['content-type'] ?? '').split(';')[0]!;
        if (response.status !== 204 && !Object.keys(documented.content ?? {}).includes(media)) undocumented.push(`${route} as ${who}: ${response.status} as ${media}`);
        const codes = documented.content?.['application/json']?.schema?.allOf?.[1].properties.error.properties.code.enum as string[] | undefined;
        if (response.status >= 400 && codes) {
          errorsSeen++;
          expect(response.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) }) });
          if (!codes.includes(response.body.error.code)) undocumented.push(`${route} as ${who}: ${response.status} ${response.body.error.code} not in ${codes.join(', ')}`);
        }
      }
    }
    expect(undocumented).toEqual([]);
    expect(errorsSeen).toBeGreaterThan(routes.length);
  });

  it('when the reference page is loaded, then it is self-hosted HTML under a strict CSP, with no inline script or style, and its assets are served', async () => {
    const page = await server.api().get('/docs/api').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = page.text;
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/docs\/api\/[\w.]+"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=/i);
    for (const asset of [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]!)) {
      const response = await server.api().get(asset);
      expect([asset, response.status]).toEqual([asset, 200]);
    }
    const script = await server.api().get('/docs/api/reference.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toContain("fetch('/openapi.json'");
    expect(script.text).not.toMatch(/innerHTML|eval\(|new Function/);
    expect(() => new Script(script.text)).not.toThrow();
  });

  it('when the reference page is opened in Chromium, then it renders every route from /openapi.json without a CSP violation, and the filter narrows the list', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], headless: true });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
      });
      await page.goto(`${server.url}/docs/api`);
      await page.locator('details[data-search] .path', { hasText: '/v1/outcomes' }).first().waitFor();
      expect(await page.locator('details[data-search]').count()).toBe(routes.length);
      await page.fill('#filter', 'mailings post');
      const visible = await page.locator('details[data-search]:not([hidden]) .path').allTextContents();
      expect(visible).toEqual(['/v1/campaigns/{campaignId}/mailings']);
      const artifacts = path.resolve(__dirname, '../../test-artifacts/api');
      mkdirSync(artifacts, { recursive: true });
      await page.fill('#filter', '');
      await page.screenshot({ path: path.join(artifacts, 'reference.png'), fullPage: false });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
