import Redis from 'ioredis';
import type { Logger } from '../logger';

/**
 * The one ioredis factory: bounded reconnect backoff, errors logged instead of thrown into the void, and
 * a key prefix per deployment (tests use one per run). Subscribers need their own connection: call again.
 */
export function createRedis(url: string, logger: Logger, name: string, options: { subscriber?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    // A subscriber may enter subscriber mode before the ready check's INFO runs, which Redis then refuses.
    enableReadyCheck: !options.subscriber,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)),
  });
  redis.on('error', (error) => logger.warn({ err: error.message, connection: name }, 'redis error'));
  return redis;
}
