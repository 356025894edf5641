import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import type { Logger } from '../logger';

/**
 * Messages between server instances (cache invalidation, status-change nudges). Best effort by contract: a
 * message published while Redis is away is dropped, and publish never rejects for that, because every
 * receiver has a bounded way to catch up without it (the status index polls PostgreSQL, caches expire).
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the handler is registered; with Redis away, the subscription starts when Redis is back. */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Single instance: messages stay in the process. */
export class MemoryPubSub implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  async publish(channel: string, message: string): Promise<void> {
    this.emitter.emit(channel, message);
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.emitter.on(channel, handler);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** Expects the connections of infra/redis.ts: a fail-fast publisher and a subscriber that queues until Redis is up. */
export class RedisPubSub implements PubSub {
  private readonly handlers = new Map<string, Array<(message: string) => void>>();
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly logger?: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(message);
    });
  }
  async publish(channel: string, message: string): Promise<void> {
    // The outage itself is logged once by the connections' DependencyHealth, not once per dropped message.
    if (this.publisher.status !== 'ready') return;
    await this.publisher.publish(this.prefix + channel, message).catch((error: Error) => {
      this.logger?.debug({ err: error.message, channel }, 'pub/sub message dropped');
    });
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const full = this.prefix + channel;
    const list = this.handlers.get(full) ?? [];
    list.push(handler);
    this.handlers.set(full, list);
    // Not awaited: with Redis away the SUBSCRIBE waits in the subscriber's queue, and a start must not wait
    // for Redis. It only fails when the connection is closed at shutdown.
    if (list.length === 1) {
      this.subscriber.subscribe(full).catch((error: Error) => this.logger?.debug({ err: error.message, channel }, 'pub/sub subscription dropped'));
    }
  }
  async close(): Promise<void> {
    this.handlers.clear();
  }
}
