import express, { type Express } from 'express';
import type { Services } from './services/container';
import type { Logger } from './logger';
import { requestContext } from './http/context';
import { errorHandler, notFoundHandler } from './http/errors';
import { authRoutes } from './routes/auth/auth';
import { adminRoutes } from './routes/admins/admins';
import { campaignRoutes } from './routes/campaigns/campaigns';
import { dialerKeyRoutes } from './routes/dialerKeys/dialerKeys';
import { healthRoutes, livenessRoutes } from './routes/health/health';
import { mailingRoutes } from './routes/mailings/mailings';
import { numberRoutes } from './routes/numbers/numbers';
import { operatorRoutes } from './routes/operator/operator';
import { outcomeRoutes } from './routes/outcomes/outcomes';
import { auditRoutes, operatorAuditRoutes } from './routes/audit/audit';
import { privacyRoutes } from './routes/privacy/privacy';
import { tabulationRoutes } from './routes/tabulations/tabulations';
import { complianceRoutes } from './routes/compliance/compliance';
import { consoleRoutes } from './routes/console/console';
import { metricsRoutes } from './routes/metrics/metrics';
import { apiDocsRoutes } from './routes/apiDocs/apiDocs';
import { accessLog } from './http/accessLog';
import { apiHeaders } from './http/apiHeaders';
import { jsonBodies } from './http/body';
import { routeGate } from './http/routeGate';
import { operatorSuppressionRoutes, suppressionImportRoutes, suppressionRoutes } from './routes/suppression/suppression';
import { callingHoursRoutes } from './routes/callingHours/callingHours';

/** What both listeners start with: request context, API headers, the in-flight tracker and the access log. */
function baseApp(services: Services, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip is the client only behind proxies named in TRUST_PROXY; sign-in limits and logs key on it.
  app.set('trust proxy', services.config.trustProxy);
  app.use(requestContext(logger));
  app.use(apiHeaders());
  app.use(services.health.lifecycle.tracker());
  app.use(accessLog(services.metrics));
  return app;
}

/**
 * Builds the public HTTP app (tenants, dialers, the console) with every route registered explicitly; `listen` lives
 * in server.ts. The operator API and /metrics are not here: they are on the operator listener (createOperatorApp).
 */
export function createApp(services: Services, logger: Logger): Express {
  const app = baseApp(services, logger);
  // Each router is entered only for the paths it serves (http/routeGate.ts).
  app.use(routeGate(healthRoutes(services)));
  app.use(routeGate(apiDocsRoutes()));
  // Mailings stream their own bodies (CSV, NDJSON, JSON), so they come before the JSON parser.
  app.use(routeGate(mailingRoutes(services)));
  // A tenant's suppression file is streamed too (text/csv).
  app.use(routeGate(suppressionImportRoutes(services)));
  // Every other body is JSON, read only after its credential is checked, with a limit per route (http/body.ts).
  app.use(jsonBodies(services.auth, services.config.maxJsonBodyBytes));
  const jsonRoutes = [authRoutes, adminRoutes, campaignRoutes, tabulationRoutes, outcomeRoutes, numberRoutes, dialerKeyRoutes, privacyRoutes, complianceRoutes, suppressionRoutes, callingHoursRoutes, auditRoutes];
  for (const routes of jsonRoutes) app.use(routeGate(routes(services)));
  app.use(consoleRoutes(undefined, { sourceMaps: services.config.env !== 'production' }));
  app.use(notFoundHandler());
  app.use(errorHandler(services.health.database));
  return app;
}

/**
 * The operator's app, on its own listener (OPERATOR_HOST:OPERATOR_PORT, loopback by default): the operator API
 * (`npm run admin`), GET /metrics and /healthz, nothing a tenant calls. Kept off the public listener so that
 * exposing the API (HOST=0.0.0.0) does not expose the one token that opens every tenant to the network; the
 * token is still required here, rate-limited and every call audited (routes/operator/operator.ts).
 */
export function createOperatorApp(services: Services, logger: Logger): Express {
  const app = baseApp(services, logger);
  app.use(livenessRoutes());
  app.use(metricsRoutes(services.metrics, services.config.operatorToken));
  // operatorRoutes throttles, checks the token and audits every /v1/operator call, the audit reading below included.
  // Before operatorRoutes, whose JSON reader would take a list's file for a JSON body; same throttle, token, audit.
  app.use(routeGate(operatorSuppressionRoutes(services)));
  app.use(routeGate(operatorRoutes(services)));
  app.use(routeGate(operatorAuditRoutes(services)));
  app.use(notFoundHandler());
  app.use(errorHandler(services.health.database));
  return app;
}
