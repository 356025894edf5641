import Redis from 'ioredis';
import type { Logger } from '../logger';
import { DependencyHealth } from './health';

/**
 * Redis here is shared state between instances (socket.io adapter, pub/sub nudges, rate limits), never the
 * system of record: PostgreSQL is. So an instance must start, serve and stay up while Redis is away, and
 * pick Redis up again by itself. Two kinds of connection follow from that:
 * - command connections fail fast while Redis is away (no offline queue, one retry, a command timeout), so a
 *   caller falls back (in-process rate limits) or drops (a nudge, a live event) at once instead of waiting;
 * - subscriber connections keep their SUBSCRIBEs queued until Redis is reachable and never give up on them
 *   (maxRetriesPerRequest: null); after every reconnect ioredis subscribes again to every channel.
 * Reconnection never stops (backoff up to 1 s). Errors are not logged one by one (a reconnect attempt every
 * second would flood the log): DependencyHealth logs one line when Redis goes away and one when it is back.
 */
export function createRedis(url: string, logger: Logger, name: string, options: { subscriber?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    // A subscriber may enter subscriber mode before the ready check's INFO runs, which Redis then refuses.
    enableReadyCheck: !options.subscriber,
    ...(options.subscriber
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS }),
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(1000, 50 * 2 ** Math.min(attempt, 5)),
  });
  redis.on('error', (error) => logger.debug({ err: error.message, connection: name }, 'redis connection error'));
  return redis;
}

const COMMAND_TIMEOUT_MS = 1000;
const SUBSCRIBER_METHODS = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;

/**
 * Some callers fire a Redis command and never look at its promise: @socket.io/redis-adapter publishes every
 * emit and subscribes in its constructor, and ioredis re-subscribes after a reconnect the same way. While Redis
 * is away those promises reject, and an unhandled rejection ends a Node process; this attaches a handler to
 * each one. The promise is still returned as it was, so a caller that awaits it still sees the failure.
 */
function catchUnawaited(redis: Redis, methods: readonly string[], onRejected: (error: Error) => void): void {
  const commands = redis as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of methods) {
    const original = commands[method]!.bind(redis);
    commands[method] = (...args: unknown[]) => {
      const result = original(...args);
      if (result && typeof (result as Promise<unknown>).catch === 'function') (result as Promise<unknown>).catch(onRejected);
      return result;
    };
  }
}

/** The four connections of an instance and Redis's availability as they see it. */
export class RedisConnections {
  /** Commands: rate limits and pub/sub publishes. */
  readonly client: Redis;
  /** Pub/sub subscriptions (nudges, cache invalidation). */
  readonly sub: Redis;
  /** The socket.io adapter's own pair. */
  readonly socketPub: Redis;
  readonly socketSub: Redis;
  readonly health: DependencyHealth;
  private closing = false;

  constructor(url: string, logger: Logger) {
    this.health = new DependencyHealth('redis', logger, 'serving from PostgreSQL; live events stay on this instance; rate limits per instance');
    this.client = createRedis(url, logger, 'hygiene');
    this.sub = createRedis(url, logger, 'hygiene-sub', { subscriber: true });
    this.socketPub = createRedis(url, logger, 'hygiene-socket-pub');
    this.socketSub = createRedis(url, logger, 'hygiene-socket-sub', { subscriber: true });
    const dropped = (error: Error) => logger.debug({ err: error.message }, 'redis command dropped');
    catchUnawaited(this.socketPub, ['publish'], dropped);
    for (const subscriber of [this.sub, this.socketSub]) catchUnawaited(subscriber, SUBSCRIBER_METHODS, dropped);
    for (const connection of this.all) {
      connection.on('error', (error: Error) => this.closing || this.health.markDown(error.message));
      connection.on('close', () => this.closing || this.health.markDown('connection closed'));
      connection.on('ready', () => this.allReady() && this.health.markUp());
    }
  }

  get all(): Redis[] {
    return [this.client, this.sub, this.socketPub, this.socketSub];
  }

  private allReady(): boolean {
    return this.all.every((connection) => connection.status === 'ready');
  }

  /**
   * Resolves once every connection is ready or Redis is known to be away, at the latest after timeoutMs: the
   * instance then starts either way (degraded without Redis), but does not start in the few milliseconds
   * before its connections are up, when every command would fail fast for nothing.
   */
  async settle(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.allReady() && this.health.up) {
      if (Date.now() > deadline) {
        this.health.markDown(`not connected within ${timeoutMs} ms of the start`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // QUIT waits for Redis; a connection that is not up has nothing to say goodbye to.
    await Promise.all(this.all.map((connection) => (connection.status === 'ready' ? connection.quit().then(() => undefined, () => connection.disconnect()) : connection.disconnect())));
  }
}
