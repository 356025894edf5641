import type { ServerToClientEvents } from '../../plugin/contract/protocol';

/** What services use to push live updates; socket.io implements it, tests and the CLI use the no-op. */
export interface Realtime {
  toTenant<E extends keyof ServerToClientEvents>(tenantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** Every dialer of every tenant connected to this instance (each instance pushes to its own: StatusIndex.onInvalidated). */
  toLocalDialers<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** The tenant's admins only (consoles), on every instance. */
  toTenantAdmins<E extends keyof ServerToClientEvents>(tenantId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /** Ids of the tenant's dialer keys with a socket open now, on every instance (the Redis adapter asks them all). */
  connectedDialerKeys(tenantId: string): Promise<Set<string>>;
}

export const tenantRoom = (tenantId: string) => `tenant:${tenantId}`;
export const DIALERS_ROOM = 'dialers';
export const adminRoom = (tenantId: string) => `admins:${tenantId}`;
/** The tenant's dialer sockets: their presence is the console's "Discador conectado". */
export const tenantDialersRoom = (tenantId: string) => `dialers:${tenantId}`;
