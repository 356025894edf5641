import { io, type Socket } from 'socket.io-client';
import type { CampaignView, ComplianceAlertEvent, MailingView, ServerToClientEvents, ClientToServerEvents } from '../../../../plugin/contract/protocol';
import { connection } from './connection';
import { currentSession, endSession } from './session';

/**
 * Live updates over socket.io (same origin). Views subscribe to the events they show; after a reconnect every
 * subscriber is told to refetch, because events sent while the socket was down are lost.
 */
type Handlers = {
  mailing?: (mailing: MailingView) => void;
  campaign?: (campaign: CampaignView) => void;
  tabulations?: (payload: { code: string }) => void;
  keys?: (payload: { id: string }) => void;
  /** Admins only: a CNPJ or access code reached an Anatel alert level (views/compliance.ts). */
  complianceAlert?: (alert: ComplianceAlertEvent) => void;
  /** After a reconnect: refetch what is on screen. */
  resync?: () => void;
};

let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
let retryTimer: number | undefined;
let retryDelayMs = 1000;
const subscribers = new Set<Handlers>();

export function subscribe(handlers: Handlers): () => void {
  subscribers.add(handlers);
  return () => subscribers.delete(handlers);
}

function each<K extends keyof Handlers>(key: K, ...args: Parameters<NonNullable<Handlers[K]>>): void {
  for (const handlers of subscribers) (handlers[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
}

/** socket.io gives up after a server-side disconnect (a restart closes every socket); we keep trying. */
function retryLater(): void {
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(() => socket?.connect(), retryDelayMs);
  retryDelayMs = Math.min(retryDelayMs * 2, 10_000);
}

export function connectLive(): void {
  if (socket) return;
  let wasDown = false;
  socket = io({
    // A function, so each reconnect sends the current token.
    auth: (cb) => cb({ token: currentSession()?.token ?? '' }),
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
  });
  socket.on('connect', () => {
    retryDelayMs = 1000;
    connection.socketUp();
    if (wasDown) each('resync');
    wasDown = false;
  });
  socket.on('disconnect', (reason) => {
    wasDown = true;
    connection.socketDown();
    if (reason === 'io server disconnect') retryLater();
  });
  socket.on('connect_error', (error) => {
    const code = (error as Error & { data?: { code?: string } }).data?.code;
    if (code === 'UNAUTHENTICATED') {
      endSession('expired');
      return;
    }
    wasDown = true;
    connection.socketDown();
    // A refusal by the middleware is not retried by socket.io; a transport error is.
    if (!socket?.active) retryLater();
  });
  socket.on('mailing:updated', (mailing) => each('mailing', mailing));
  socket.on('campaign:updated', (campaign) => each('campaign', campaign));
  socket.on('tabulations:updated', (payload) => each('tabulations', payload));
  socket.on('dialer-keys:updated', (payload) => each('keys', payload));
  socket.on('compliance:alert', (alert) => each('complianceAlert', alert));
}

export function reconnectNow(): void {
  retryDelayMs = 1000;
  if (socket && !socket.connected) {
    window.clearTimeout(retryTimer);
    socket.connect();
  }
}

export function disconnectLive(): void {
  window.clearTimeout(retryTimer);
  socket?.removeAllListeners();
  socket?.disconnect();
  socket = null;
  connection.reset();
}
