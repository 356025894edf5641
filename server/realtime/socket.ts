import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { ClientToServerEvents, ServerToClientEvents } from '../../plugin/contract/protocol';
import type { Services } from '../services/container';
import type { Principal } from '../services/auth';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { bearer } from '../http/auth';
import { DIALERS_ROOM, tenantRoom, type Realtime } from './realtime';

type SocketData = { principal: Principal };
export type SocketServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Realtime pushes, bound to socket.io once the HTTP server exists (services are built before it). */
export class SocketRealtime implements Realtime {
  private io: SocketServer | undefined;
  bind(io: SocketServer): void {
    this.io = io;
  }
  toTenant<E extends keyof ServerToClientEvents>(tenantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io?.to(tenantRoom(tenantId)).emit(event, ...args);
  }
  toDialers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io?.to(DIALERS_ROOM).emit(event, ...args);
  }
}

/**
 * socket.io: authenticated in io.use with the same credentials as HTTP (admin JWT or dialer key), one room per
 * tenant. Dialers may report outcomes over the socket; the acknowledgement comes after the commit.
 */
export function attachSocketServer(httpServer: HttpServer, services: Services, logger: Logger, redis?: { pub: Redis; sub: Redis }): SocketServer {
  const io: SocketServer = new Server(httpServer, { serveClient: false, maxHttpBufferSize: services.config.maxJsonBodyBytes, cors: { origin: false } });
  if (redis) io.adapter(createAdapter(redis.pub, redis.sub, { key: `${services.config.redis?.prefix ?? 'hyg:'}socket.io` }));

  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const credential = typeof auth?.token === 'string' ? auth.token : bearer(socket.handshake.headers.authorization);
    try {
      socket.data.principal = await services.auth.authenticate(credential);
      next();
    } catch (error) {
      const appError = error instanceof AppError ? error : new AppError('UNAVAILABLE', 'authentication unavailable');
      const refusal = new Error(appError.message) as Error & { data?: unknown };
      refusal.data = { code: appError.code };
      next(refusal);
    }
  });

  io.on('connection', (socket) => {
    const principal = socket.data.principal;
    void socket.join(principal.role === 'dialer' ? [tenantRoom(principal.tenantId), DIALERS_ROOM] : [tenantRoom(principal.tenantId)]);
    socket.on('outcomes:report', async (batch, ack) => {
      if (typeof ack !== 'function') return;
      if (principal.role !== 'dialer') {
        ack({ ok: false, error: { code: 'FORBIDDEN', message: 'only dialer keys report outcomes' } });
        return;
      }
      try {
        const result = await services.outcomes.report(principal.tenantId, (batch as { outcomes?: unknown } | undefined)?.outcomes);
        services.metrics.outcomeBatch(result, 'socket');
        ack({ ok: true, result });
      } catch (error) {
        if (error instanceof AppError) {
          if (error.code === 'RATE_LIMITED') services.metrics.socketQuotaRefusal('outcomes:report');
          ack({ ok: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } });
        } else if (services.health.database.noteFailure(error)) {
          // Logged once per outage by the database's DependencyHealth, not once per batch.
          ack({ ok: false, error: { code: 'UNAVAILABLE', message: 'the database is unavailable; send the batch again later (call ids make a resend safe)' } });
        } else {
          logger.error({ err: error }, 'socket outcome batch failed');
          ack({ ok: false, error: { code: 'INTERNAL', message: 'internal error; the batch was not committed, send it again' } });
        }
      }
    });
  });
  return io;
}
