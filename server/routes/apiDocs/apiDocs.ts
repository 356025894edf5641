import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import { buildOpenApiDocument, type ApiOperation, type JsonSchema } from '../../http/openapi';
import { auditApi } from '../audit/openapi';
import { authApi } from '../auth/openapi';
import { adminsApi } from '../admins/openapi';
import { campaignApi } from '../campaigns/openapi';
import { consoleApi } from '../console/openapi';
import { dialerKeyApi } from '../dialerKeys/openapi';
import { healthApi } from '../health/openapi';
import { mailingApi } from '../mailings/openapi';
import { metricsApi } from '../metrics/openapi';
import { numberApi } from '../numbers/openapi';
import { operatorApi } from '../operator/openapi';
import { outcomeApi } from '../outcomes/openapi';
import { privacyApi } from '../privacy/openapi';
import { tabulationApi } from '../tabulations/openapi';
import { complianceApi } from '../compliance/openapi';
import { suppressionApi } from '../suppression/openapi';
import { callingHoursApi } from '../callingHours/openapi';
import { apiDocsApi } from './openapi';
import { REFERENCE_CSS, REFERENCE_HTML, REFERENCE_JS } from './reference';

/** Every route's description, in the order of the reference page; a route added without one fails openapi.test.ts. */
export const API_OPERATIONS: readonly ApiOperation[] = [
  ...authApi,
  ...adminsApi,
  ...campaignApi,
  ...mailingApi,
  ...tabulationApi,
  ...outcomeApi,
  ...numberApi,
  ...privacyApi,
  ...complianceApi,
  ...suppressionApi,
  ...callingHoursApi,
  ...auditApi,
  ...dialerKeyApi,
  ...operatorApi,
  ...metricsApi,
  ...healthApi,
  ...consoleApi,
  ...apiDocsApi,
];

/** The project's version from package.json (source tree or dist/ alike). */
function packageVersion(): string {
  for (const candidate of [path.resolve(__dirname, '../../../package.json'), path.resolve(__dirname, '../../../../package.json')]) {
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

let cached: JsonSchema | undefined;
/** Built once: the schemas are static. */
export function openApiDocument(): JsonSchema {
  cached ??= buildOpenApiDocument(API_OPERATIONS, { version: packageVersion() });
  return cached;
}

// Stricter than the console's policy: the page needs only its own script and style and a same-origin fetch.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** GET /openapi.json and the reference page at /docs/api (public: the document holds no secret). */
export function apiDocsRoutes(): Router {
  const router = Router();
  const securityHeaders: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-cache');
    next();
  };
  router.get('/openapi.json', securityHeaders, (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/docs/api', securityHeaders, (_req, res) => {
    res.type('text/html; charset=utf-8').send(REFERENCE_HTML);
  });
  router.get('/docs/api/reference.js', securityHeaders, (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(REFERENCE_JS);
  });
  router.get('/docs/api/reference.css', securityHeaders, (_req, res) => {
    res.type('text/css; charset=utf-8').send(REFERENCE_CSS);
  });
  return router;
}
