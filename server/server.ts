import { createServer, type Server as HttpServer, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config, HttpTimeouts } from './config';
import { openDatabase, type Database } from './db/database';
import { createLogger, type Logger } from './logger';
import { createApp, createOperatorApp } from './app';
import { RedisConnections } from './infra/redis';
import { MemoryPubSub, RedisPubSub, type PubSub } from './infra/pubsub';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './infra/ratelimit';
import { MemoryMeter, RedisMeter, type Meter } from './infra/meter';
import { createServices, type Services } from './services/container';
import { Metrics } from './infra/metrics';
import { attachSocketServer, SocketRealtime, type SocketServer } from './realtime/socket';
import { sweepSpillLeftovers } from './services/mailingFilter/answer';

export type RunningServer = {
  url: string;
  http: HttpServer;
  /** The operator listener (operator API, /metrics, /healthz) on OPERATOR_HOST:OPERATOR_PORT. */
  operatorUrl: string;
  operatorHttp: HttpServer;
  io: SocketServer;
  services: Services;
  db: Database;
  close(): Promise<void>;
};

export type StartOptions = {
  /** An already open database (tests open one per schema); by default the config's. */
  db?: Database;
  logger?: Logger;
  clock?: () => Date;
};

/**
 * Node's HTTP limits, from config instead of Node's defaults: its requestTimeout of 300 s cut slow streamed mailings
 * (up to MAX_MAILING_BYTES). Node checks the request and headers timeouts only every connectionsCheckingInterval
 * (30 s by default), so the interval follows the shortest of them.
 */
export function httpServerOptions(timeouts: HttpTimeouts): ServerOptions {
  const checked = [timeouts.requestTimeoutMs, timeouts.headersTimeoutMs].filter((ms) => ms > 0);
  return {
    requestTimeout: timeouts.requestTimeoutMs,
    headersTimeout: timeouts.headersTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, ...checked.map((ms) => Math.floor(ms / 4)))),
  };
}

/** Listens on host:port (0 = any free port) and returns the URL it answers on. */
async function listen(server: HttpServer, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The composition root: picks Redis or in-process infrastructure, builds services, app and sockets, listens. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await openDatabase(config));
  let redis: RedisConnections | undefined;
  let pubsub: PubSub;
  let rateLimiter: RateLimiter;
  let meter: Meter;
  const clock = options.clock ?? (() => new Date());
  const nowMs = () => clock().getTime();
  if (config.redis) {
    const { url, prefix } = config.redis;
    // An instance starts with Redis away (degraded: see infra/redis.ts) and picks it up when it comes.
    redis = new RedisConnections(url, logger);
    await redis.settle();
    pubsub = new RedisPubSub(redis.client, redis.sub, prefix, logger);
    rateLimiter = new RedisRateLimiter(redis.client, prefix);
    meter = new RedisMeter(redis.client, prefix, new MemoryMeter(nowMs), nowMs);
  } else {
    pubsub = new MemoryPubSub();
    rateLimiter = new MemoryRateLimiter();
    meter = new MemoryMeter(nowMs);
  }
  const realtime = new SocketRealtime();
  const metrics = new Metrics();
  const services = await createServices({ config, db, logger, pubsub, rateLimiter, meter, realtime, clock, redisHealth: redis?.health, metrics });
  metrics.watch({ statusIndex: services.statusIndex, database: services.health.database.health, redis: redis?.health, pool: db.poolStats });
  // Spill files of a crashed process are unreadable (their key died with it); give their space back.
  const swept = await sweepSpillLeftovers();
  if (swept > 0) logger.info({ swept }, 'removed spill folders left by stopped processes');
  const app = createApp(services, logger);
  const http = createServer(httpServerOptions(config.http), app);
  // Idle = nothing sent or read on the connection; the mailing route turns it into REQUEST_TIMEOUT on its body.
  http.timeout = config.http.idleTimeoutMs;
  http.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  const io = attachSocketServer(http, services, logger, redis ? { pub: redis.socketPub, sub: redis.socketSub } : undefined);
  realtime.bind(io);
  const url = await listen(http, config.port, config.host);
  // No socket.io here and short bodies only: the operator's calls are small and few.
  const operatorHttp = createServer(httpServerOptions(config.http), createOperatorApp(services, logger));
  operatorHttp.timeout = config.http.idleTimeoutMs;
  operatorHttp.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  let operatorUrl: string;
  try {
    operatorUrl = await listen(operatorHttp, config.operator.port, config.operator.host);
  } catch (error) {
    io.close();
    http.close();
    throw new Error(`the operator listener cannot listen on ${config.operator.host}:${config.operator.port} (OPERATOR_HOST, OPERATOR_PORT): ${(error as Error).message}`);
  }
  logger.info({ url, operatorUrl, database: db.kind, redis: Boolean(redis) }, 'hygiene server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    http,
    operatorUrl,
    operatorHttp,
    io,
    services,
    db,
    /**
     * Graceful: /readyz turns 503 "draining" and the listener stops accepting connections (Node also closes the
     * idle keep-alive ones); requests in flight, a streaming mailing included, get up to SHUTDOWN_DRAIN_MS to
     * finish (their connections close after them). Then whatever is left is cut, sockets are closed, then
     * services, Redis and the database, in that order (nothing still running needs what is closed after it).
     */
    close() {
      closing ??= (async () => {
        const { lifecycle } = services.health;
        lifecycle.beginDrain();
        const stopped = Promise.all([http, operatorHttp].map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))));
        const inFlight = lifecycle.requestsInFlight;
        if (inFlight > 0) logger.info({ requestsInFlight: inFlight, drainMs: config.shutdownDrainMs }, 'shutdown: draining requests in flight');
        if ((await lifecycle.whenIdle(config.shutdownDrainMs)) === 'deadline') {
          logger.warn({ requestsInFlight: lifecycle.requestsInFlight, drainMs: config.shutdownDrainMs }, 'shutdown: cutting requests still in flight (SHUTDOWN_DRAIN_MS)');
        }
        io.close();
        http.closeAllConnections();
        operatorHttp.closeAllConnections();
        await stopped;
        await services.stop();
        await pubsub.close();
        await redis?.close();
        if (!options.db) await db.close();
      })();
      return closing;
    },
  };
}
