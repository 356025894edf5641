/**
 * The wire contract between the hygiene server and its clients (plugin, console): types of the HTTP bodies they
 * read and the socket.io event maps, typed once. The server's services return these types, so a change of shape
 * breaks the build of the side that did not follow.
 */
/** `right_party` / `wrong_party`: a person answered, the right one or someone else (a contact to the shared history). */
export type OutcomeName = 'invalid' | 'contact' | 'neutral' | 'right_party' | 'wrong_party';

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
  /** Mobiles written before the ninth digit (8 digits, 6-9) that went out upgraded, "nono dígito adicionado" */
  ninthDigitAdded: number;
  /**
   * Contact–phone pairs by the tenant's own right-party history, counted only when the mailing is ordered
   * (`order=best`): Qualificado (the right person was reached on it), Não qualificado (someone else answered),
   * Inativo (removed as invalid, or the tenant's own invalid tabulation for that contact).
   */
  rightPartyQualified: number;
  rightPartyNotQualified: number;
  rightPartyInactive: number;
  /** Phones removed because a suppression list applies to the campaign, "suprimidos" (compliance, not hygiene). */
  suppressedPhones: number;
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
  /** Why a mailing failed, in the answer that failed it (the audit log keeps it as `mailing.failed`). */
  error?: { code: string; message: string; field?: string | undefined };
};

export type CampaignView = {
  id: string;
  externalId: string;
  name: string;
  hygieneEnabled: boolean;
  hygieneChangedAt: string | null;
  hygieneChangedBy: string | null;
  /** Legacy 8-digit mobiles in its mailings go out with the ninth digit added (default true). */
  ninthDigit: boolean;
  /** What it calls for; decides the shared suppression lists that apply (docs/compliance.md). */
  purpose: CampaignPurpose;
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
  /** A socket.io connection with this key is open now (live presence, every instance); lastUsedAt is the last request. */
  connected: boolean;
};

/** GET /v1/dialer-keys with q, state, sort, order or offset: one searched, sorted offset page (issue 14). */
export type DialerKeySearchPage = {
  keys: DialerKeyView[];
  next: null;
  /** Keys that match the filters; `tenantKeys`: all of the tenant's. */
  total: number;
  tenantKeys: number;
};

/** POST /v1/auth/login (admins). */
export type LoginResult = {
  token: string;
  expiresAt: string;
  admin: { id: string; email: string; name: string; tenantId: string; tenantName: string };
};

/** GET /v1/me. */
export type MeView = { role: 'admin' | 'dialer'; actor: string; tenant: { id: string; slug: string; name: string } };

/** GET /v1/campaigns/:id/history: who switched hygiene, newest first. */
export type CampaignEventView = { actor: string; action: string; at: string };

/**
 * Brazil's offset from UTC: −3 h all year since daylight saving ended in 2019. The "Brazilian day" that the daily
 * stats group by, on the server (SQL) and in the console (the chart's days) alike.
 */
export const BRAZIL_UTC_OFFSET_HOURS = -3;

/** The Brazilian calendar date (YYYY-MM-DD) of an instant. */
export const brazilianDate = (epochMs: number): string => new Date(epochMs + BRAZIL_UTC_OFFSET_HOURS * 3_600_000).toISOString().slice(0, 10);

/** One Brazilian day of a campaign's (or the tenant's) mailings, for the console's chart. */
export type DailyStatusMix = { day: string; mailings: number; phonesTotal: number; hygienized: number; invalid: number; unconfirmed: number };

/** A tabulation code of the tenant's map: a shipped default or the tenant's own entry over it. */
export type TabulationView = {
  code: string;
  label: string;
  outcome: OutcomeName;
  source: 'default' | 'tenant';
  // `| undefined`: the console carries these over from the row it already shows (views/tabulations.ts).
  description?: string | undefined;
  /** The default's description in Brazilian Portuguese (the console shows it when its language is pt-BR). */
  descriptionPtBr?: string | undefined;
  defaultOutcome?: OutcomeName | undefined;
  updatedBy?: string;
  updatedAt?: string;
};

/** GET /v1/tabulations/usage?days=: accepted tabulations of each code the tenant's dialers sent in the window. */
export type TabulationUsageView = { days: number; since: string; usage: { code: string; calls: number }[] };

/** One campaign's mailing totals (GET /v1/campaigns/summary): phones, not rows, so the columns add up. */
export type CampaignSummary = {
  campaign: CampaignView;
  mailings: number;
  /** Mailings sent while the campaign's hygiene was off: their phones were not checked. */
  mailingsUnhygienized: number;
  failedMailings: number;
  phonesTotal: number;
  /** Phones of mailings that went through the hygiene (the base of the percentage). */
  phonesChecked: number;
  hygienized: number;
  invalid: number;
  unconfirmed: number;
  malformed: number;
  /** Phones removed by suppression lists (compliance, not hygiene): apart from hygienized. */
  suppressed: number;
  /** Sums of the mailings' MailingCounts of the same names (ninth digit, right party). */
  ninthDigitAdded: number;
  rightPartyQualified: number;
  rightPartyNotQualified: number;
  rightPartyInactive: number;
  lastMailingAt: string | null;
};

/** GET /v1/campaigns/summary?from=&to=&q=&sort=&limit=&offset=: one page of campaigns with their totals. */
export type CampaignSummaryPage = { from: string; to: string; total: number; campaigns: CampaignSummary[]; totals: Omit<CampaignSummary, 'campaign' | 'lastMailingAt'> };

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
  /**
   * The dialer's id of the contact (lead) the call was for. With right/wrong-party outcomes it ties the phone to a
   * person for this tenant only: stored as a tenant-keyed pseudonym, never in clear, never linkable across tenants.
   */
  contactId?: string;
  /** The contact's CPF (11 digits, any punctuation), when the dialer has it; stored like contactId. */
  cpf?: string;
  /** What the dialer knows of the call itself, for Anatel's short-call meter (docs/compliance.md). */
  call?: CallFacts;
};

/**
 * Facts of one call attempt as the dialer saw them. All optional: a call without them is counted by the meter as
 * "unknown duration" (never guessed short or long).
 */
export type CallFacts = {
  /** A person or machine picked up (SIP 200 / ANSWER). */
  answered?: boolean;
  /** The call reached voicemail (answering machine detection or the carrier's mailbox). */
  voicemail?: boolean;
  /** Seconds from dialing to answer or give-up. */
  ringSeconds?: number;
  /** Seconds from answer to hang-up (0 when not answered). */
  talkSeconds?: number;
  /** The access code (caller id / número de acesso) the call went out with, digits as registered by the tenant. */
  accessCode?: string;
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

/** `ninthDigitAdded`: the number was a mobile written before the ninth digit; the verdict is the upgraded number's. */
export type NumberCheck =
  | { status: 'clean' | 'unconfirmed' | 'invalid'; ninthDigitAdded?: true }
  | { status: 'malformed'; code: string; message: string }
  /** Given a campaign: a suppression list that applies holds the number; only the list's kind is told. */
  | { status: 'suppressed'; list: SuppressionListKind }
  /** Given a campaign: not now in the number's state (its DDD); `nextAllowedAt` in that state's offset, null if never. */
  | { status: 'outside_hours'; code: 'OUTSIDE_CALLING_HOURS'; message: string; uf: string | null; nextAllowedAt: string | null };

/** A campaign's purpose (server/domain/suppression.ts); `nao_informado` (the default) gets every list. */
export type CampaignPurpose = 'telemarketing' | 'consignado' | 'cobranca' | 'pesquisa' | 'outro' | 'nao_informado';
export type SuppressionListKind = 'national' | 'state' | 'tenant' | 'campaign';

/**
 * POST /v1/numbers/explain: why a number is removed from this tenant's mailings. A number the tenant would dial
 * answers `{removed: false}` and nothing else, known to the pool or not. Counts only, never which tenants.
 */
export type NumberExplanation =
  | { removed: false }
  | {
      removed: true;
      /** `probation`: back in this tenant's mailings some weeks (contested, or evidence past its quarantine). */
      status: 'invalid' | 'probation';
      /** `pool`: the shared history (≥ 2 tenants); `own`: this tenant's own tabulations reached the threshold. */
      by: 'pool' | 'own';
      countedMarks: number;
      distinctTenants: number;
      distinctDays: number;
      lastSeenAt: string | null;
      expiresAt: string | null;
      possiblyReassigned: boolean;
      /** This tenant contested the removal since the number became invalid. */
      contested: boolean;
    };

/** One audit log entry (GET /v1/audit); never a phone number. `target` is e.g. `campaign:<id>`, `code:<code>`, `key:<prefix>`. */
export type AuditEventView = {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: unknown;
};

/** GET /v1/audit?limit=&before=: newest first; `next` is the `before` of the following page, null at the end. */
export type AuditPage = { events: AuditEventView[]; next: string | null };

/**
 * Anatel's short-call meter (docs/compliance.md). `cnpj` null = "sem CNPJ" (a call the tenant's registry cannot
 * attribute); `accessCode` null = "sem código de acesso". Levels: `alert` at ANATEL_ALERT_PERCENT of a limit,
 * `limit` when a criterion is met. Counts only the calls the tenant's dialers report.
 */
export type ComplianceLevel = 'ok' | 'alert' | 'limit';
export type ComplianceStatusName = 'ok' | 'atenção' | 'bloqueio provável';
export type ComplianceCounts = { calls: number; shortCalls: number; unknownCalls: number; shortPercent: number };

export type ComplianceAccessCodeMeter = {
  accessCode: string | null;
  /** Registered by the tenant (false: seen on calls but not in the registry). */
  registered: boolean;
  today: ComplianceCounts;
  projected: ComplianceCounts;
  /** Criterion I on today's counts. */
  level: ComplianceLevel;
  status: ComplianceStatusName;
};

export type ComplianceCnpjMeter = {
  cnpj: string | null;
  name: string | null;
  today: ComplianceCounts;
  projected: ComplianceCounts;
  /** Criterion II on today's counts, and the worst criterion I of its access codes. */
  levels: { cnpj: ComplianceLevel; accessCode: ComplianceLevel };
  status: ComplianceStatusName;
  /** "Chamadas curtas evitadas" attributed to this CNPJ today. */
  avoided: number;
  accessCodes: ComplianceAccessCodeMeter[];
};

/** A level a CNPJ (criterion II) or access code (criterion I) reached on a Brazilian day; sent once per level per day. */
export type ComplianceAlertEvent = {
  day: string;
  scope: 'cnpj' | 'access_code';
  cnpj: string | null;
  accessCode: string | null;
  level: 'alert' | 'limit';
  status: ComplianceStatusName;
  calls: number;
  shortCalls: number;
  shortPercent: number;
  at: string;
};

/** GET /v1/compliance/meter?day=: one Brazilian day of the meter, with its projection when it is today. */
export type ComplianceMeterView = {
  day: string;
  asOf: string;
  /** Part of the calling day gone by (0..1) that the projection divides by (1 for a past day). */
  elapsed: number;
  rules: {
    shortCallMaxSeconds: number;
    accessCodeShortCallLimit: number;
    cnpjCallLimit: number;
    cnpjShortSharePercent: number;
    alertPercent: number;
    callingDay: { startHour: number; endHour: number };
  };
  /** Plainly: which calls the meter sees. */
  coverage: string;
  cnpjs: ComplianceCnpjMeter[];
  /** Dials prevented that no CNPJ could be attributed. */
  avoidedUnattributed: number;
  alerts: ComplianceAlertEvent[];
};

/** GET /v1/compliance/history?from=&to=: per Brazilian day and CNPJ, newest first. */
export type ComplianceHistoryView = {
  from: string;
  to: string;
  days: {
    day: string;
    cnpjs: { cnpj: string | null; today: ComplianceCounts; maxAccessCodeShortCalls: number; status: ComplianceStatusName; avoided: number }[];
    avoidedUnattributed: number;
    alerts: ComplianceAlertEvent[];
  }[];
};

/** GET /v1/compliance/cnpjs: the tenant's registry. */
export type ComplianceCnpjView = { cnpj: string; name: string; accessCodes: string[]; campaigns: string[]; createdAt: string };

export interface ServerToClientEvents {
  'mailing:updated': (mailing: MailingView) => void;
  'campaign:updated': (campaign: CampaignView) => void;
  'tabulations:updated': (payload: { code: string }) => void;
  /** A dialer key of the tenant was created or revoked (never carries the key). */
  'dialer-keys:updated': (payload: { id: string }) => void;
  'numbers:invalidated': (event: NumbersInvalidatedEvent) => void;
  /** To the tenant's admins: a CNPJ or access code reached the alert level or a limit of Anatel's short-call rule. */
  'compliance:alert': (alert: ComplianceAlertEvent) => void;
}

export type Ack<T> = (response: { ok: true; result: T } | { ok: false; error: { code: string; message: string; field?: string } }) => void;

export interface ClientToServerEvents {
  'outcomes:report': (batch: { outcomes: OutcomeReport[] }, ack: Ack<OutcomeBatchResult>) => void;
}

/**
 * GET /v1/campaigns/:campaignId/mailings with q, status, days, sort, order or offset: one page of the matching
 * mailings, searched, filtered and sorted in SQL (offset pages, `next` null). `totals` cover every matching mailing:
 * phones (received, hygienized, invalid, unconfirmed, malformed) of those sent with the hygiene on, rows and the
 * other counts of all of them.
 */
export type MailingSearchPage = {
  mailings: MailingView[];
  next: null;
  /** Mailings that match the filters; `campaignMailings`: all of the campaign's. */
  total: number;
  campaignMailings: number;
  totals: MailingCounts & { mailings: number; unhygienized: number };
};
