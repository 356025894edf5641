import type { Config } from '../config';
import type { Database } from '../db/database';
import type { PrismaClient } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { PubSub } from '../infra/pubsub';
import type { RateLimiter } from '../infra/ratelimit';
import type { Meter } from '../infra/meter';
import { ReadBudget } from './readBudget';
import type { DependencyHealth } from '../infra/health';
import { Metrics } from '../infra/metrics';
import { Lifecycle } from '../http/lifecycle';
import { DatabaseAvailability } from '../db/availability';
import { Pseudonymizer } from '../domain/pseudonym';
import type { Realtime } from '../realtime/realtime';
import { AuthService } from './auth';
import { AdminService } from './admins';
import { CampaignService } from './campaigns';
import { Maintenance } from './maintenance';
import { MailingService } from './mailings';
import { NumberService } from './numbers';
import { OutcomeService } from './outcomes';
import { PhoneClassifier } from './phoneClassifier';
import { PrivacyService } from './privacy';
import { AuditLog } from './audit';
import { TrustService } from './trust';
import { StatusIndex } from './statusIndex';
import { FilterPool } from './mailingFilter/filterPool';
import { TabulationMapService } from './tabulationMap';
import { CampaignSummaryService } from './campaignSummary';
import { MailingSearchService } from './mailingSearch';
import { TenantService } from './tenants';
import { SuppressionService } from './suppression';
import { CallingHoursService } from './callingHours';
import { DialCheckService } from './dialCheck';
import { RightPartyService } from './rightParty';
import { ComplianceService } from './compliance';
import { ComplianceMeter } from './complianceMeter';

/** What the composition root hands to services: infrastructure already chosen (Redis or in-process). */
export type Infra = {
  config: Config;
  db: Database;
  logger: Logger;
  pubsub: PubSub;
  rateLimiter: RateLimiter;
  meter: Meter;
  realtime: Realtime;
  clock: () => Date;
  /** Redis's availability when Redis is configured (see infra/redis.ts). */
  redisHealth?: DependencyHealth | undefined;
  /** Prometheus metrics (infra/metrics.ts); a fresh registry by default. */
  metrics?: Metrics;
};

/** What /readyz, the error middleware and the socket handlers know about the dependencies. */
export type Health = { database: DatabaseAvailability; redis: DependencyHealth | undefined; lifecycle: Lifecycle };

export type Services = {
  config: Config;
  prisma: PrismaClient;
  pseudonymizer: Pseudonymizer;
  auth: AuthService;
  tenants: TenantService;
  admins: AdminService;
  /** Shared by every instance when Redis is configured (sign-in, operator calls). */
  rateLimiter: RateLimiter;
  campaigns: CampaignService;
  /** Per-campaign mailing totals for the console's campaign list. */
  campaignSummary: CampaignSummaryService;
  mailingSearch: MailingSearchService;
  tabulations: TabulationMapService;
  outcomes: OutcomeService;
  /** Right party: each tenant's contact–phone states and the network's "answered recently" (rightParty.ts). */
  rightParty: RightPartyService;
  mailings: MailingService;
  numbers: NumberService;
  /** Do-not-call lists by purpose (suppression.ts) and calling hours (callingHours.ts), joined at dial time (dialCheck.ts). */
  suppression: SuppressionService;
  callingHours: CallingHoursService;
  dialCheck: DialCheckService;
  privacy: PrivacyService;
  /** Anatel's short-call meter: registry and views (compliance.ts); its counters are written by `complianceMeter`. */
  compliance: ComplianceService;
  complianceMeter: ComplianceMeter;
  audit: AuditLog;
  trust: TrustService;
  readBudget: ReadBudget;
  statusIndex: StatusIndex;
  classifier: PhoneClassifier;
  maintenance: Maintenance;
  health: Health;
  metrics: Metrics;
  stop(): Promise<void>;
};

export async function createServices(infra: Infra): Promise<Services> {
  const { config, logger, pubsub, realtime, clock } = infra;
  const prisma = infra.db.prisma;
  const pseudonymizer = new Pseudonymizer(config.pseudonymKey);
  const audit = new AuditLog(prisma);
  const readBudget = new ReadBudget(infra.meter, config.readBudget, audit, logger);
  const database = new DatabaseAvailability(() => prisma.$queryRawUnsafe('SELECT 1'), logger);
  const auth = new AuthService(prisma, config.jwtSecret, config.adminTokenTtlSeconds, infra.rateLimiter, pubsub, { logger });
  const campaigns = new CampaignService(prisma, realtime, audit, config.maxNewCampaignsPerBatch);
  const tabulations = new TabulationMapService(prisma, pubsub, realtime, audit, clock);
  const statusIndex = new StatusIndex(prisma, pubsub, logger, config.statusPollMs, database, infra.db.copyOut);
  const outcomes = new OutcomeService(prisma, pseudonymizer, campaigns, tabulations, statusIndex, config.rules, config.maxBatchSize, clock, readBudget, config.maxNewCampaignsPerBatch);
  const maintenance = new Maintenance(prisma, config.rules, config.callIdRetentionDays, statusIndex, logger, clock);
  const classifier = new PhoneClassifier(pseudonymizer, statusIndex, clock);
  const numbers = new NumberService(pseudonymizer, classifier, readBudget);
  const suppression = new SuppressionService(prisma, pseudonymizer, campaigns, audit, clock);
  const callingHours = new CallingHoursService(prisma, audit);
  const metrics = infra.metrics ?? new Metrics();
  statusIndex.onInvalidated((pseudonyms) => numbers.announceInvalidated(realtime, pseudonyms));
  outcomes.extend(tabulations.usageRecorder);
  const rightParty = new RightPartyService(prisma, pseudonymizer, clock, readBudget);
  outcomes.extend(rightParty);
  const complianceMeter = new ComplianceMeter(prisma, config.shortCalls, realtime, logger, clock);
  outcomes.extend(complianceMeter);
  // Started before the load, so the workers are up (and hold the tables) by the time the first mailing arrives.
  const filterPool = config.filterWorkers > 0 ? new FilterPool(config.filterWorkers, config.pseudonymKey, statusIndex, clock, logger, config.filterWorkerNice) : undefined;
  await Promise.all([auth.start(), tabulations.start(), statusIndex.start()]);
  maintenance.start();
  return {
    config,
    prisma,
    pseudonymizer,
    auth,
    tenants: new TenantService(prisma, auth, realtime, audit),
    admins: new AdminService(prisma, auth, audit),
    rateLimiter: infra.rateLimiter,
    campaigns,
    campaignSummary: new CampaignSummaryService(prisma),
    mailingSearch: new MailingSearchService(prisma, campaigns),
    tabulations,
    outcomes,
    rightParty,
    mailings: complianceMeter.watchMailings(new MailingService(prisma, campaigns, realtime, classifier, metrics, {
      maxRecordBytes: config.maxRecordBytes,
      maxConcurrentPerTenant: config.maxConcurrentMailingsPerTenant,
      maxSpillBytesPerTenant: config.maxSpillBytesPerTenant,
    }, readBudget, rightParty).useSuppression(suppression).useWorkers(filterPool)),
    compliance: new ComplianceService(prisma, campaigns, config.shortCalls, clock, audit),
    complianceMeter,
    numbers,
    suppression,
    callingHours,
    dialCheck: new DialCheckService(numbers, suppression, callingHours, campaigns, pseudonymizer, clock),
    privacy: new PrivacyService(prisma, pseudonymizer, statusIndex, audit, config.rules, clock),
    audit,
    readBudget,
    trust: new TrustService(prisma, pseudonymizer, statusIndex, audit, config.rules, clock, readBudget),
    statusIndex,
    classifier,
    maintenance,
    health: { database, redis: infra.redisHealth, lifecycle: new Lifecycle() },
    metrics,
    async stop() {
      database.stop();
      maintenance.stop();
      await statusIndex.stop();
      await filterPool?.close();
    },
  };
}
