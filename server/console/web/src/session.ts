/**
 * The admin session: the JWT from POST /v1/auth/login, kept in sessionStorage (gone when the tab closes) so a
 * reload does not sign the admin out. An expired session sends the admin back to sign-in with a message.
 */
export type Session = { token: string; expiresAt: string; email: string; tenantName: string; /** The admin's name (absent in sessions stored before it was kept). */ name?: string | undefined };

const STORAGE_KEY = 'hyg.session';
type Listener = (reason: 'expired' | 'signedOut' | 'signedIn') => void;

let session: Session | null = load();
let expiryTimer: number | undefined;
const listeners = new Set<Listener>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export const currentSession = (): Session | null => session;

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function scheduleExpiry(): void {
  window.clearTimeout(expiryTimer);
  if (!session) return;
  // A timer longer than 2^31 ms fires at once; sessions last hours, so cap it and re-check.
  const ms = Math.min(Date.parse(session.expiresAt) - Date.now(), 2 ** 31 - 1);
  expiryTimer = window.setTimeout(() => {
    if (session && Date.parse(session.expiresAt) <= Date.now()) endSession('expired');
    else scheduleExpiry();
  }, Math.max(ms, 0));
}

export function startSession(next: Session): void {
  session = next;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // kept in memory only
  }
  scheduleExpiry();
  for (const listener of listeners) listener('signedIn');
}

export function endSession(reason: 'expired' | 'signedOut'): void {
  if (!session) return;
  session = null;
  window.clearTimeout(expiryTimer);
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
  for (const listener of listeners) listener(reason);
}

scheduleExpiry();
