import type {
  AuditPage,
  CampaignSummaryPage,
  CampaignEventView,
  CampaignView,
  ComplianceCnpjView,
  ComplianceMeterView,
  DailyStatusMix,
  DialerKeySearchPage,
  DialerKeyView,
  LoginResult,
  MailingSearchPage,
  MeView,
  NumberExplanation,
  OutcomeName,
  TabulationUsageView,
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

/** A query string of the defined, non-empty parameters. */
function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  return search.toString();
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
  complianceMeter: () => request<ComplianceMeterView>('GET', '/v1/compliance/meter'),
  login: (email: string, password: string) => request<LoginResult>('POST', '/v1/auth/login', { email, password }, { anonymous: true }),
  me: () => request<MeView>('GET', '/v1/me'),
  campaigns: () => allPages<CampaignView>('/v1/campaigns', 'campaigns'),
  campaign: (id: string) => request<CampaignView>('GET', campaignPath(id)),
  setHygiene: (id: string, enabled: boolean) => request<CampaignView>('PUT', `${campaignPath(id)}/hygiene`, { enabled }),
  history: async (id: string) => (await request<{ events: CampaignEventView[] }>('GET', `${campaignPath(id)}/hygiene/history`)).events,
  /** One page of a campaign's mailings, searched, filtered and sorted by the server. */
  mailingPage: (id: string, params: { q?: string; status?: string; days?: number; sort?: string; order?: string; limit: number; offset: number }) =>
    request<MailingSearchPage>('GET', `${campaignPath(id)}/mailings?${query(params)}`),
  dailyStats: async (campaignId?: string, days = 30) => (await request<{ days: DailyStatusMix[] }>('GET', `/v1/stats/daily?${query({ days, campaignId })}`)).days,
  tabulations: async () => (await request<{ tabulations: TabulationView[] }>('GET', '/v1/tabulations')).tabulations,
  setTabulation: (code: string, outcome: OutcomeName) => request<TabulationView>('PUT', `/v1/tabulations/${encodeURIComponent(code)}`, { outcome }),
  revertTabulation: (code: string) => request<null>('DELETE', `/v1/tabulations/${encodeURIComponent(code)}`),
  keys: () => allPages<DialerKeyView>('/v1/dialer-keys', 'keys'),
  keyPage: (params: { q?: string; state?: string; sort?: string; order?: string; limit: number; offset: number }) => request<DialerKeySearchPage>('GET', `/v1/dialer-keys?${query(params)}`),
  createKey: (name: string) => request<DialerKeyView & { key: string }>('POST', '/v1/dialer-keys', { name }),
  revokeKey: (id: string) => request<DialerKeyView>('DELETE', `/v1/dialer-keys/${encodeURIComponent(id)}`),
  // Phones travel only in POST bodies: never in a URL (history, logs) nor in the browser's storage.
  explainNumber: (phone: string) => request<NumberExplanation>('POST', '/v1/numbers/explain', { phone }),
  contestNumber: (phone: string, reason: string) => request<{ contested: true }>('POST', '/v1/numbers/contest', { phone, reason }),
  audit: (before?: string, filter: { target?: string | undefined; action?: string | undefined; q?: string | undefined; limit?: number } = {}) =>
    request<AuditPage>('GET', `/v1/audit?${query({ limit: filter.limit ?? 50, before, target: filter.target, action: filter.action, q: filter.q })}`),
  admins: async () => (await request<{ admins: { id: string; email: string; name: string; createdAt: string; disabledAt: string | null }[] }>('GET', '/v1/admins')).admins,
  inviteAdmin: (body: { name: string; email: string; password: string }) => request<{ id: string; email: string; name: string }>('POST', '/v1/admins', body),
  disableAdmin: (id: string) => request<unknown>('POST', `/v1/admins/${encodeURIComponent(id)}/disable`),
  changePassword: (currentPassword: string, newPassword: string) => request<LoginResult>('PUT', '/v1/me/password', { currentPassword, newPassword }),
  signOutEverywhere: () => request<null>('POST', '/v1/me/sign-out-everywhere'),
  tabulationUsage: (days = 30) => request<TabulationUsageView>('GET', `/v1/tabulations/usage?days=${days}`),
  // Suppression lists and calling hours (views/suppression.ts); phones travel only in POST bodies.
  suppressionLists: async () => (await request<{ lists: SharedSuppressionList[] }>('GET', '/v1/suppression/lists')).lists,
  suppressionEntries: (campaignId?: string, cursor?: string) =>
    request<{ entries: SuppressionEntry[]; next: string | null }>('GET', `/v1/suppression/entries?${query({ limit: 100, campaignId, cursor })}`),
  suppress: (body: { phones: string[]; source: string; campaignId?: string; expiresAt?: string }) =>
    request<{ added: number; refused: { at: number; code: string; message: string }[] }>('POST', '/v1/suppression/entries', body),
  removeSuppression: (id: string) => request<null>('DELETE', `/v1/suppression/entries/${encodeURIComponent(id)}`),
  setPurpose: (id: string, purpose: string) => request<CampaignView>('PUT', `${campaignPath(id)}/purpose`, { purpose }),
  callingHours: async () => (await request<{ hours: CallingHoursRow[] }>('GET', '/v1/calling-hours')).hours,
  /** `windows: null` restores the preset of that scope. */
  setCallingHours: async (scope: string, windows: CallingHoursRow['windows'] | null) =>
    (await request<{ hours: CallingHoursRow[] }>('PUT', `/v1/calling-hours/${encodeURIComponent(scope)}`, { windows })).hours,
  complianceCnpjs: async () => (await request<{ cnpjs: ComplianceCnpjView[] }>('GET', '/v1/compliance/cnpjs')).cnpjs,
  putCnpj: (cnpj: string, body: { name: string; accessCodes: string[] }) => request<ComplianceCnpjView>('PUT', `/v1/compliance/cnpjs/${encodeURIComponent(cnpj)}`, body),
  removeCnpj: (cnpj: string) => request<null>('DELETE', `/v1/compliance/cnpjs/${encodeURIComponent(cnpj)}`),
  campaignSummary: (params: { from?: string; to?: string; q?: string; hygiene?: string; sort?: string; order?: string; limit?: number; offset?: number }) =>
    request<CampaignSummaryPage>('GET', `/v1/campaigns/summary?${query(params)}`),
};

export type SharedSuppressionList = { code: string; kind: 'national' | 'state'; uf: string | null; name: string; purposes: string[]; legalSource: string; entries: number; importedAt: string | null };
export type SuppressionEntry = { id: string; list: 'tenant' | 'campaign'; campaignId: string | null; source: string; expiresAt: string | null; expired: boolean; createdBy: string | null; createdAt: string };
type DayWindow = { start: string; end: string } | null;
export type CallingHoursRow = { scope: string; windows: { weekdays: DayWindow; saturday: DayWindow; sunday: DayWindow }; from: 'tenant' | 'preset'; presetSource: string | null };
