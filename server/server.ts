import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { Config } from './config';
import { openDatabase, type Database } from './db/database';
import { createLogger, type Logger } from './logger';
import { createApp } from './app';
import { createRedis } from './infra/redis';
import { MemoryPubSub, RedisPubSub, type PubSub } from './infra/pubsub';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './infra/ratelimit';
import { createServices, type Services } from './services/container';
import { attachSocketServer, SocketRealtime, type SocketServer } from './realtime/socket';

export type RunningServer = {
  url: string;
  http: HttpServer;
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

/** The composition root: picks Redis or in-process infrastructure, builds services, app and sockets, listens. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = options.db ?? (await openDatabase(config));
  let redis: { client: Redis; sub: Redis; socketPub: Redis; socketSub: Redis } | undefined;
  let pubsub: PubSub;
  let rateLimiter: RateLimiter;
  if (config.redis) {
    const { url, prefix } = config.redis;
    redis = {
      client: createRedis(url, logger, 'hygiene'),
      sub: createRedis(url, logger, 'hygiene-sub', { subscriber: true }),
      socketPub: createRedis(url, logger, 'hygiene-socket-pub'),
      socketSub: createRedis(url, logger, 'hygiene-socket-sub', { subscriber: true }),
    };
    pubsub = new RedisPubSub(redis.client, redis.sub, prefix);
    rateLimiter = new RedisRateLimiter(redis.client, prefix);
  } else {
    pubsub = new MemoryPubSub();
    rateLimiter = new MemoryRateLimiter();
  }
  const realtime = new SocketRealtime();
  const services = await createServices({ config, db, logger, pubsub, rateLimiter, realtime, clock: options.clock ?? (() => new Date()) });
  const app = createApp(services, logger);
  const http = createServer(app);
  const io = attachSocketServer(http, services, logger, redis ? { pub: redis.socketPub, sub: redis.socketSub } : undefined);
  realtime.bind(io);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, database: db.kind, redis: Boolean(redis) }, 'hygiene server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    http,
    io,
    services,
    db,
    close() {
      closing ??= (async () => {
        io.close();
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await services.stop();
        await pubsub.close();
        if (redis) await Promise.all(Object.values(redis).map((connection) => connection.quit().catch(() => undefined)));
        if (!options.db) await db.close();
      })();
      return closing;
    },
  };
}
