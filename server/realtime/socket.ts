import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type Redis from 'ioredis';
import type { ClientToServerEvents, ServerToClientEvents } from '../../plugin/contract/protocol';
import type { Services } from '../services/container';
import type { Principal, Revocation } from '../services/auth';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { bearer } from '../http/auth';
import { adminRoom, DIALERS_ROOM, tenantDialersRoom, tenantRoom, type Realtime } from './realtime';
import { SocketEventRate } from './eventRate';

/**
 * What each socket carries. The credential is kept apart (`credentials`, this instance only) to re-check it when
 * something it depends on is revoked: socket.data travels to the other instances over Redis (fetchSockets, for
 * dialer presence), and a dialer key or a JWT must not.
 */
type SocketData = { principal: Principal; keyPrefix?: string; expiresAtMs?: number };
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
  toLocalDialers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io?.local.to(DIALERS_ROOM).emit(event, ...args);
  }
  toTenantAdmins<E extends keyof ServerToClientEvents>(tenantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io?.to(adminRoom(tenantId)).emit(event, ...args);
  }
  /**
   * Live presence, not "used lately": the tenant's dialer sockets on every instance (with Redis, the adapter asks
   * each instance and waits up to its requestsTimeout, 5 s). If Redis cannot answer, this instance's sockets only,
   * rather than a failed key list.
   */
  async connectedDialerKeys(tenantId: string): Promise<Set<string>> {
    const io = this.io;
    if (!io) return new Set();
    const room = tenantDialersRoom(tenantId);
    const sockets = await io
      .in(room)
      .fetchSockets()
      .catch(() => io.local.in(room).fetchSockets());
    return new Set(sockets.map((socket) => socket.data.principal.subjectId));
  }
}

/**
 * socket.io: authenticated in io.use with the same credentials as HTTP (admin JWT or dialer key), one room per
 * tenant. Dialers may report outcomes over the socket; the acknowledgement comes after the commit.
 */
/**
 * Largest socket.io message, the CONNECT packet (handshake auth) included: engine.io buffers and JSON-parses a
 * whole message before io.use sees it, so with the 16 MiB of MAX_JSON_BODY_BYTES one unauthenticated CONNECT
 * stalled the event loop 8.3 s. 2 MiB still carries the plugin's largest outcome batch (10,000 outcomes of
 * ~150 bytes); a bigger message closes the connection at the transport, before any parsing.
 */
export const SOCKET_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** The handshake auth is one credential: a JWT or a dialer key, well under this. */
export const SOCKET_AUTH_MAX_BYTES = 4 * 1024;

export function attachSocketServer(httpServer: HttpServer, services: Services, logger: Logger, redis?: { pub: Redis; sub: Redis }): SocketServer {
  const io: SocketServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: Math.min(services.config.maxJsonBodyBytes, SOCKET_MAX_MESSAGE_BYTES),
    cors: { origin: false },
  });
  if (redis) io.adapter(createAdapter(redis.pub, redis.sub, { key: `${services.config.redis?.prefix ?? 'hyg:'}socket.io` }));
  const credentials = new WeakMap<object, string>();

  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    if (JSON.stringify(auth ?? {}).length > SOCKET_AUTH_MAX_BYTES) {
      const refusal = new Error(`the handshake auth is larger than ${SOCKET_AUTH_MAX_BYTES} bytes`) as Error & { data?: unknown };
      refusal.data = { code: 'UNAUTHENTICATED' };
      return next(refusal);
    }
    const credential = typeof auth?.token === 'string' ? auth.token : bearer(socket.handshake.headers.authorization);
    try {
      socket.data.principal = await services.auth.authenticate(credential);
      credentials.set(socket, credential!);
      if (socket.data.principal.role === 'dialer') socket.data.keyPrefix = credential!.split('_')[1] ?? '';
      else socket.data.expiresAtMs = services.auth.verifyJwt(credential!).exp * 1000;
      next();
    } catch (error) {
      const appError = error instanceof AppError ? error : new AppError('UNAVAILABLE', 'authentication unavailable');
      const refusal = new Error(appError.message) as Error & { data?: unknown };
      refusal.data = { code: appError.code };
      next(refusal);
    }
  });

  /**
   * Credentials die on open sockets too (issue 10): a revoked key's socket kept ingesting into the shared history,
   * an expired admin session kept receiving events. Every instance hears every revocation (AuthService publishes
   * it), re-checks the credential of each of its own sockets the revocation concerns, and disconnects the refused.
   */
  const concerned = (revocation: Revocation, data: SocketData) =>
    revocation.kind === 'key'
      ? data.keyPrefix === revocation.prefix
      : revocation.kind === 'admin'
        ? data.principal.role === 'admin' && data.principal.subjectId === revocation.adminId
        : data.principal.tenantId === revocation.tenantId;
  const stopListening = services.auth.onRevoked((revocation) => {
    for (const socket of io.of('/').sockets.values()) {
      const credential = credentials.get(socket);
      if (!socket.data.principal || !credential || !concerned(revocation, socket.data)) continue;
      services.auth.authenticate(credential).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
            logger.info({ tenantId: socket.data.principal.tenantId, role: socket.data.principal.role }, 'socket disconnected: credential revoked');
            socket.disconnect(true);
          }
        },
      );
    }
  });
  httpServer.once('close', stopListening);

  io.on('connection', (socket) => {
    const principal = socket.data.principal;
    if (socket.data.expiresAtMs !== undefined) {
      // The session's end is the socket's end: an admin socket stops receiving events when its JWT expires.
      const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, socket.data.expiresAtMs - Date.now()));
      socket.once('disconnect', () => clearTimeout(expiry));
    }
    void socket.join(
      principal.role === 'dialer'
        ? [tenantRoom(principal.tenantId), DIALERS_ROOM, tenantDialersRoom(principal.tenantId)]
        : [tenantRoom(principal.tenantId), adminRoom(principal.tenantId)],
    );
    if (principal.role === 'dialer') {
      // The keys screen shows presence: its admins re-read the list when a dialer comes or goes (on any instance).
      const presenceChanged = () => io.to(adminRoom(principal.tenantId)).emit('dialer-keys:updated', { id: principal.subjectId });
      presenceChanged();
      socket.once('disconnect', presenceChanged);
    }
    // Runs before any handler, for every event (server/realtime/eventRate.ts): a refused event is never dispatched.
    const rate = new SocketEventRate(services.config.socketEventsPerSecond);
    socket.use((packet, next) => {
      const verdict = rate.take();
      if (verdict === 'accept') return next();
      if (verdict === 'disconnect') {
        logger.warn({ tenantId: principal.tenantId, role: principal.role }, 'socket disconnected: event flood');
        socket.disconnect(true);
        return;
      }
      services.metrics.socketQuotaRefusal(String(packet[0]));
      const ack: unknown = packet[packet.length - 1];
      if (typeof ack === 'function') {
        ack({
          ok: false,
          error: {
            code: 'RATE_LIMITED',
            message: `more than ${services.config.socketEventsPerSecond} events a second on this socket (SOCKET_EVENTS_PER_SECOND); the event was not processed, send it again in ${rate.retryAfterSeconds()} s`,
          },
        });
      }
    });
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
