/**
 * The wire contract between the hygiene server and its clients (plugin, console): types of the HTTP bodies the
 * plugin reads and the socket.io event maps, typed once and used by both sides.
 */
export type OutcomeName = 'invalid' | 'contact' | 'neutral';

export type MailingCounts = {
  totalRows: number;
  keptRows: number;
  droppedRows: number;
  malformedRows: number;
  phonesTotal: number;
  /** invalid + unconfirmed phones, the seed's "números higienizados" */
  hygienized: number;
  invalidPhones: number;
  unconfirmedPhones: number;
  malformedPhones: number;
};

export type MailingView = {
  id: string;
  campaignId: string;
  name: string;
  format: 'csv' | 'json' | 'ndjson';
  hygieneApplied: boolean;
  status: 'running' | 'completed' | 'failed';
  counts: MailingCounts;
  createdAt: string;
  completedAt: string | null;
};

export type CampaignView = {
  id: string;
  externalId: string;
  name: string;
  hygieneEnabled: boolean;
  hygieneChangedAt: string | null;
  hygieneChangedBy: string | null;
  reported: { invalid: number; contact: number; neutral: number };
  createdAt: string;
};

/** A dialer key as listed to admins (the key itself is only in the answer that created it). */
export type DialerKeyView = {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
};

/** One tabulation in a report batch. */
export type OutcomeReport = {
  /** The dialer's unique id of the call: the same call is counted once, however often it is sent. */
  callId: string;
  /** The dialer's own campaign id (registered on first use, hygiene off). */
  campaignId: string;
  phone: string;
  /** Tabulation code: "sip:404", "q850:1", a VICIdial status, or the tenant's own code. */
  code: string;
  /** ISO 8601; defaults to the time the server received it. */
  occurredAt?: string;
};

export type OutcomeItemResult =
  | { index: number; status: 'accepted'; outcome: OutcomeName; contributed: boolean }
  | { index: number; status: 'duplicate' }
  | { index: number; status: 'rejected'; error: { code: string; field: string; message: string } };

export type OutcomeBatchResult = {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: OutcomeItemResult[];
};

export type MalformedReason = { column: string; code: string; message: string };

/** Watch tokens (20-bit numbers) of numbers that just reached the invalid list; see POST /v1/watch-tokens. */
export type NumbersInvalidatedEvent = { tokens: number[] };

export type NumberCheck = { status: 'clean' | 'unconfirmed' | 'invalid' } | { status: 'malformed'; code: string; message: string };

export interface ServerToClientEvents {
  'mailing:updated': (mailing: MailingView) => void;
  'campaign:updated': (campaign: CampaignView) => void;
  'tabulations:updated': (payload: { code: string }) => void;
  /** A dialer key of the tenant was created or revoked (never carries the key). */
  'dialer-keys:updated': (payload: { id: string }) => void;
  'numbers:invalidated': (event: NumbersInvalidatedEvent) => void;
}

export type Ack<T> = (response: { ok: true; result: T } | { ok: false; error: { code: string; message: string; field?: string } }) => void;

export interface ClientToServerEvents {
  'outcomes:report': (batch: { outcomes: OutcomeReport[] }, ack: Ack<OutcomeBatchResult>) => void;
}
