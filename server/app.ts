import express, { type Express } from 'express';
import type { Services } from './services/container';
import type { Logger } from './logger';
import { requestContext } from './http/context';
import { errorHandler, notFoundHandler } from './http/errors';
import { authRoutes } from './routes/auth/auth';
import { adminRoutes } from './routes/admins/admins';
import { campaignRoutes } from './routes/campaigns/campaigns';
import { dialerKeyRoutes } from './routes/dialerKeys/dialerKeys';
import { healthRoutes } from './routes/health/health';
import { mailingRoutes } from './routes/mailings/mailings';
import { numberRoutes } from './routes/numbers/numbers';
import { operatorRoutes } from './routes/operator/operator';
import { outcomeRoutes } from './routes/outcomes/outcomes';
import { auditRoutes } from './routes/audit/audit';
import { privacyRoutes } from './routes/privacy/privacy';
import { tabulationRoutes } from './routes/tabulations/tabulations';
import { consoleRoutes } from './routes/console/console';
import { metricsRoutes } from './routes/metrics/metrics';
import { apiDocsRoutes } from './routes/apiDocs/apiDocs';
import { accessLog } from './http/accessLog';
import { apiHeaders } from './http/apiHeaders';
import { jsonBodies } from './http/body';

/** Builds the HTTP app with every route registered explicitly; `listen` lives in server.ts. */
export function createApp(services: Services, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip is the client only behind proxies named in TRUST_PROXY; sign-in limits and logs key on it.
  app.set('trust proxy', services.config.trustProxy);
  app.use(requestContext(logger));
  app.use(apiHeaders());
  app.use(services.health.lifecycle.tracker());
  app.use(accessLog(services.metrics));
  app.use(healthRoutes(services));
  app.use(metricsRoutes(services.metrics, services.config.operatorToken));
  app.use(apiDocsRoutes());
  // Mailings stream their own bodies (CSV, NDJSON, JSON), so they come before the JSON parser.
  app.use(mailingRoutes(services));
  // Every other body is JSON, read only after its credential is checked, with a limit per route (http/body.ts).
  app.use(jsonBodies(services.auth, services.config.maxJsonBodyBytes));
  app.use(authRoutes(services));
  app.use(adminRoutes(services));
  app.use(campaignRoutes(services));
  app.use(tabulationRoutes(services));
  app.use(outcomeRoutes(services));
  app.use(numberRoutes(services));
  app.use(dialerKeyRoutes(services));
  app.use(privacyRoutes(services));
  app.use(auditRoutes(services));
  app.use(operatorRoutes(services));
  app.use(consoleRoutes(undefined, { sourceMaps: services.config.env !== 'production' }));
  app.use(notFoundHandler());
  app.use(errorHandler(services.health.database));
  return app;
}
