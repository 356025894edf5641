import type {
  AuditPage,
  CampaignEventView,
  CampaignView,
  DailyStatusMix,
  DialerKeyView,
  LoginResult,
  MailingView,
  MeView,
  NumberExplanation,
  OutcomeName,
  TabulationView,
} from '../../../../plugin/contract/protocol';
import { currentSession, endSession } from './session';
import { connection } from './connection';

/** The server refused the request: {error:{code,message,field?,requestId}}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string,
    readonly field?: string,
    /** Seconds from the Retry-After header of a 429/503, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The request never got an answer (server down, network cut). */
export class NetworkError extends Error {}

/** The session ended while the request was in flight; the app is already back at sign-in. */
export class SessionEnded extends Error {}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function request<T>(method: Method, path: string, body?: unknown, options: { anonymous?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = currentSession()?.token;
  if (!options.anonymous) {
    if (!token) throw new SessionEnded('not signed in');
    headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: 'no-store' });
  } catch (error) {
    connection.httpFailed();
    throw new NetworkError((error as Error).message);
  }
  // A proxy answering 502/503/504 without our error body means the server itself is not there.
  const payload = (await response.json().catch(() => null)) as { error?: { code: string; message: string; field?: string; requestId: string } } | null;
  if (!payload?.error && [502, 503, 504].includes(response.status)) {
    connection.httpFailed();
    throw new NetworkError(`HTTP ${response.status}`);
  }
  connection.httpSucceeded();
  if (response.ok) return payload as T;
  const error = payload?.error ?? { code: 'INTERNAL', message: `HTTP ${response.status}`, requestId: response.headers.get('x-request-id') ?? '?' };
  if (response.status === 401 && !options.anonymous) {
    endSession('expired');
    throw new SessionEnded(error.message);
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(response.status, error.code, error.message, error.requestId, error.field, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}

const campaignPath = (id: string) => `/v1/campaigns/${encodeURIComponent(id)}`;

/** A paginated list whole: the server answers a page at a time with `next` (the following page's cursor, or null). */
async function allPages<T>(path: string, field: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: Record<string, unknown> & { next?: string | null } = await request('GET', path + query);
    items.push(...((page[field] as T[] | undefined) ?? []));
    cursor = page.next ?? null;
  } while (cursor);
  return items;
}

export const api = {
  login: (email: string, password: string) => request<LoginResult>('POST', '/v1/auth/login', { email, password }, { anonymous: true }),
  me: () => request<MeView>('GET', '/v1/me'),
  campaigns: () => allPages<CampaignView>('/v1/campaigns', 'campaigns'),
  campaign: (id: string) => request<CampaignView>('GET', campaignPath(id)),
  setHygiene: (id: string, enabled: boolean) => request<CampaignView>('PUT', `${campaignPath(id)}/hygiene`, { enabled }),
  history: async (id: string) => (await request<{ events: CampaignEventView[] }>('GET', `${campaignPath(id)}/hygiene/history`)).events,
  mailings: (id: string) => allPages<MailingView>(`${campaignPath(id)}/mailings`, 'mailings'),
  dailyStats: async (campaignId?: string) =>
    (await request<{ days: DailyStatusMix[] }>('GET', `/v1/stats/daily?days=30${campaignId ? `&campaignId=${encodeURIComponent(campaignId)}` : ''}`)).days,
  tabulations: async () => (await request<{ tabulations: TabulationView[] }>('GET', '/v1/tabulations')).tabulations,
  setTabulation: (code: string, outcome: OutcomeName) => request<TabulationView>('PUT', `/v1/tabulations/${encodeURIComponent(code)}`, { outcome }),
  revertTabulation: (code: string) => request<null>('DELETE', `/v1/tabulations/${encodeURIComponent(code)}`),
  keys: () => allPages<DialerKeyView>('/v1/dialer-keys', 'keys'),
  createKey: (name: string) => request<DialerKeyView & { key: string }>('POST', '/v1/dialer-keys', { name }),
  revokeKey: (id: string) => request<DialerKeyView>('DELETE', `/v1/dialer-keys/${encodeURIComponent(id)}`),
  // Phones travel only in POST bodies: never in a URL (history, logs) nor in the browser's storage.
  explainNumber: (phone: string) => request<NumberExplanation>('POST', '/v1/numbers/explain', { phone }),
  contestNumber: (phone: string, reason: string) => request<{ contested: true }>('POST', '/v1/numbers/contest', { phone, reason }),
  audit: (before?: string) => request<AuditPage>('GET', `/v1/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`),
};
