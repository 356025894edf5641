import express, { type Express } from 'express';
import type { Services } from './services/container';
import type { Logger } from './logger';
import { requestContext } from './http/context';
import { errorHandler, notFoundHandler } from './http/errors';
import { authRoutes } from './routes/auth/auth';
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

/** Builds the HTTP app with every route registered explicitly; `listen` lives in server.ts. */
export function createApp(services: Services, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext(logger));
  app.use(services.health.lifecycle.tracker());
  app.use(accessLog(services.metrics));
  app.use(healthRoutes(services));
  app.use(metricsRoutes(services.metrics, services.config.operatorToken));
  app.use(apiDocsRoutes());
  // Mailings stream their own bodies (CSV, NDJSON, JSON), so they come before the JSON parser.
  app.use(mailingRoutes(services));
  // Every other body is JSON whatever its Content-Type says, so a wrong type gets a clear INVALID_JSON.
  app.use(express.json({ limit: services.config.maxJsonBodyBytes, type: () => true }));
  app.use(authRoutes(services));
  app.use(campaignRoutes(services));
  app.use(tabulationRoutes(services));
  app.use(outcomeRoutes(services));
  app.use(numberRoutes(services));
  app.use(dialerKeyRoutes(services));
  app.use(privacyRoutes(services));
  app.use(auditRoutes(services));
  app.use(operatorRoutes(services));
  app.use(consoleRoutes());
  app.use(notFoundHandler());
  app.use(errorHandler(services.health.database));
  return app;
}
