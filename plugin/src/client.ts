import path from 'node:path';
import type { CampaignView, NumberCheck, OutcomeBatchResult, OutcomeReport } from '../contract/protocol';
import { HygieneConfigError } from './errors';
import { HttpTransport, apiError, readAll, withRetry, type RetryPolicy } from './http';
import type { Readable } from 'node:stream';
import { silentLog, type LogFn } from './logger';
import { MailingFilter, type FilterFailurePolicy, type FilterMailingOptions, type FilterResult, type MailingInput } from './mailing';
import { Outbox, type DeadLetter, type FlushStatus, type OutboxStatus } from './outbox';
import { CampaignWatcher } from './watch';

export type HygieneClientOptions = {
  /** Base URL of the hygiene server, e.g. "https://higiene.example.com.br". Required. */
  serverUrl: string;
  /** The dialer key ("hyg_…", made by a tenant admin in the console). Required. */
  apiKey: string;
  /**
   * Directory of the durable outbox. Default: "./hygiene-outbox" (resolved against the working directory).
   * One directory per dialer process (it is locked); keep it on a local disk that survives restarts.
   */
  outboxDir?: string;
  /** Outcomes per server batch (1-10,000). Default 1000. */
  batchSize?: number;
  /** How often the background flusher sends what is pending, in ms (10-600,000). Default 1000. */
  flushIntervalMs?: number;
  /** Timeout of one request; for streams, the longest silence allowed. In ms (100-600,000). Default 15000. */
  requestTimeoutMs?: number;
  /**
   * Backoff for network errors and 5xx (never 4xx): attempt n waits between half and all of
   * min(maxMs, baseMs·2^(n-1)). maxAttempts bounds one call (registerCampaign, flush(), a filter's
   * reachability check...). The background flusher never gives up on the outbox: it keeps retrying at most
   * every maxMs, because giving up would mean losing tabulations. Defaults: baseMs 250, maxMs 30000, maxAttempts 5.
   */
  retry?: { baseMs?: number; maxMs?: number; maxAttempts?: number };
  /**
   * What filterMailing does when the server cannot be reached. Default 'fail-closed': refuse (throw
   * HygieneFilterError) so nobody dials a list believed clean that is not; the operator still has the original
   * file and can choose to dial it. 'fail-open': write the mailing through unfiltered and say so in the result
   * (`unfiltered`) and the log. See docs/plugin.md, "Failure policies".
   */
  filterFailurePolicy?: FilterFailurePolicy;
  /** Logger hook; default silent. Never receives phone numbers. */
  logger?: LogFn;
  /**
   * Allow a plain `http://` serverUrl to a host other than this machine (localhost, 127.0.0.0/8, ::1). Default false:
   * the dialer key and every phone would cross the network in clear text, so only `https://` goes off the machine.
   * Set it only inside a network you trust end to end (a TLS-terminating sidecar on the same host needs no flag).
   */
  allowInsecureHttp?: boolean;
};

type ResolvedOptions = Required<Omit<HygieneClientOptions, 'retry' | 'logger' | 'allowInsecureHttp'>> & { retry: RetryPolicy; logger: LogFn; url: URL };

const MAX_BATCH = 10_000;

/** This machine: a name or address that never leaves it (the key crosses no network in clear text). */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function validate(options: HygieneClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new HygieneConfigError('HygieneClient: options are required ({serverUrl, apiKey})');
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(options.serverUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`serverUrl: must be http:// or https:// (got "${url.protocol}")`);
    else if (url.protocol === 'http:' && !isLoopback(url.hostname) && options.allowInsecureHttp !== true) {
      problems.push(`serverUrl: plain http:// only reaches this machine (localhost, 127.0.0.1, ::1); use https:// for "${url.hostname}", or set allowInsecureHttp: true`);
    }
  } catch {
    problems.push(`serverUrl: must be an absolute URL like "https://higiene.example.com.br" (got ${JSON.stringify(options.serverUrl)})`);
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '' || /\s/.test(options.apiKey)) {
    problems.push('apiKey: must be the dialer key ("hyg_…") without spaces');
  }
  const int = (name: string, value: number | undefined, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name}: must be a whole number from ${min} to ${max} (got ${String(value)})`);
    return value;
  };
  const retry: RetryPolicy = {
    baseMs: int('retry.baseMs', options.retry?.baseMs, 250, 1, 60_000),
    maxMs: int('retry.maxMs', options.retry?.maxMs, 30_000, 1, 3_600_000),
    maxAttempts: int('retry.maxAttempts', options.retry?.maxAttempts, 5, 1, 1000),
  };
  if (retry.maxMs < retry.baseMs) problems.push('retry.maxMs: must not be smaller than retry.baseMs');
  const policy = options.filterFailurePolicy ?? 'fail-closed';
  if (policy !== 'fail-closed' && policy !== 'fail-open') problems.push(`filterFailurePolicy: must be "fail-closed" or "fail-open" (got ${JSON.stringify(policy)})`);
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== 'boolean') problems.push('allowInsecureHttp: must be true or false');
  if (options.logger !== undefined && typeof options.logger !== 'function') problems.push('logger: must be a function (level, message, fields) => void');
  if (options.outboxDir !== undefined && (typeof options.outboxDir !== 'string' || options.outboxDir.trim() === '')) problems.push('outboxDir: must be a directory path');
  const resolved = {
    serverUrl: options.serverUrl,
    apiKey: options.apiKey,
    outboxDir: path.resolve(options.outboxDir ?? 'hygiene-outbox'),
    batchSize: int('batchSize', options.batchSize, 1000, 1, MAX_BATCH),
    flushIntervalMs: int('flushIntervalMs', options.flushIntervalMs, 1000, 10, 600_000),
    requestTimeoutMs: int('requestTimeoutMs', options.requestTimeoutMs, 15_000, 100, 600_000),
    retry,
    filterFailurePolicy: policy,
    logger: options.logger ?? silentLog,
  };
  if (problems.length > 0) throw new HygieneConfigError(`HygieneClient: invalid options:\n  ${problems.join('\n  ')}`);
  return { ...resolved, url: url! };
}

function checkOutcome(outcome: OutcomeReport, index: number): void {
  for (const field of ['callId', 'campaignId', 'phone', 'code'] as const) {
    const value = outcome?.[field];
    if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`reportOutcomes: outcomes[${index}].${field} must be a non-empty string`);
    if (value.length > 200) throw new TypeError(`reportOutcomes: outcomes[${index}].${field} must be at most 200 characters`);
  }
  if (outcome.occurredAt !== undefined && Number.isNaN(Date.parse(outcome.occurredAt))) {
    throw new TypeError(`reportOutcomes: outcomes[${index}].occurredAt must be an ISO 8601 date-time`);
  }
}

/** The dialer's side of mailing hygiene: register campaigns, filter mailings, report outcomes, watch numbers. */
export class HygieneClient {
  readonly options: Readonly<ResolvedOptions>;
  private readonly transport: HttpTransport;
  private readonly mailings: MailingFilter;
  private outbox: Promise<Outbox> | undefined;
  private readonly watchers = new Set<CampaignWatcher>();
  private closed = false;

  constructor(options: HygieneClientOptions) {
    this.options = validate(options);
    this.transport = new HttpTransport({
      serverUrl: this.options.url,
      apiKey: this.options.apiKey,
      requestTimeoutMs: this.options.requestTimeoutMs,
      userAgent: 'hygiene-plugin/0.1',
    });
    this.mailings = new MailingFilter(
      this.transport,
      () => this.call(() => this.transport.json('GET', '/healthz', undefined, { auth: false })),
      this.options.filterFailurePolicy,
      (message, fields) => this.options.logger('warn', message, fields),
    );
  }

  /** Registers (or renames) the dialer's campaign under its own id. Hygiene starts off; an admin enables it. */
  registerCampaign(campaignId: string, name?: string): Promise<CampaignView> {
    return this.call(() => this.transport.json<CampaignView>('POST', '/v1/campaigns', { id: campaignId, ...(name ? { name } : {}) }));
  }

  getCampaign(campaignId: string): Promise<CampaignView> {
    return this.call(() => this.transport.json<CampaignView>('GET', `/v1/campaigns/${encodeURIComponent(campaignId)}`));
  }

  /**
   * Filters a mailing, streaming in and out: CSV bytes (file path or Readable, any delimiter, every column kept)
   * or contact objects (async iterable). Kept rows go to `options.kept`, malformed ones to `options.malformed`.
   * Resolves with the counts; throws HygieneFilterError when the output must not be dialed.
   */
  filterMailing(input: MailingInput, options: FilterMailingOptions): Promise<FilterResult> {
    this.assertOpen();
    return this.mailings.filter(input, options);
  }

  /**
   * Verdicts for a few numbers (clean / unconfirmed / invalid / malformed). Given `campaignId`, the dial-time check:
   * also `suppressed` (a do-not-call list of the campaign's purpose holds it) and `outside_hours` (with nextAllowedAt).
   */
  checkNumbers(phones: string[], options: { campaignId?: string } = {}): Promise<NumberCheck[]> {
    const body = options.campaignId === undefined ? { phones } : { phones, campaignId: options.campaignId };
    return this.call(async () => (await this.transport.json<{ results: NumberCheck[] }>('POST', '/v1/numbers/check', body)).results);
  }

  /**
   * Adds numbers to the tenant's do-not-call list (or `campaignId`'s): they leave every mailing and are refused at
   * dial time. `source` says where the request came from ("pedido do cliente na ligação"); `expiresAt` is optional.
   */
  suppress(phones: string[], options: SuppressOptions): Promise<{ added: number; refused: { at: number; code: string; message: string }[] }> {
    return this.call(() => this.transport.json('POST', '/v1/suppression/entries', { phones, ...options }));
  }

  /** Imports a file of numbers (one a line, or a CSV) into the do-not-call list, streamed; not retried (a stream is read once). */
  async importSuppression(file: Readable, options: SuppressOptions): Promise<{ lines: number; added: number; refused: number; firstRefusals: { at: number; code: string; message: string }[] }> {
    this.assertOpen();
    const query = new URLSearchParams({ source: options.source, ...(options.campaignId ? { campaignId: options.campaignId } : {}), ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}) });
    const { response } = await this.transport.stream(`/v1/suppression/import?${query}`, 'text/csv', file);
    const text = await readAll(response, this.options.requestTimeoutMs);
    if ((response.statusCode ?? 500) >= 400) throw apiError(response.statusCode ?? 500, text, response.headers);
    return JSON.parse(text);
  }

  /** Appends one outcome to the durable outbox; resolves once it is on the local disk. */
  reportOutcome(outcome: OutcomeReport): Promise<void> {
    return this.reportOutcomes([outcome]);
  }

  /**
   * Appends outcomes to the durable outbox; resolves once they are on the local disk (fdatasync). Rejects with
   * OutboxWriteError when the disk refuses them (full, read-only): then none of them was recorded; report them
   * again later. Outcomes acknowledged before are not affected.
   */
  async reportOutcomes(outcomes: readonly OutcomeReport[]): Promise<void> {
    this.assertOpen();
    outcomes.forEach(checkOutcome);
    const outbox = await this.openOutbox();
    await outbox.append(
      outcomes.map((o) => ({
        callId: o.callId, campaignId: o.campaignId, phone: o.phone, code: o.code,
        ...(o.occurredAt ? { occurredAt: o.occurredAt } : {}),
        // The optional facts travel too: the VICIdial connector fills contactId (lead_id) and call (ring/talk seconds).
        ...(o.contactId !== undefined ? { contactId: o.contactId } : {}),
        ...(o.cpf !== undefined ? { cpf: o.cpf } : {}),
        ...(o.call !== undefined ? { call: o.call } : {}),
      })),
    );
  }

  /**
   * Sends everything pending now; resolves with the status once the outbox is empty. `deadLettered` counts the
   * outcomes of this flush the server refused (not counted; see deadLetters()): check it, it is not an error.
   */
  async flush(): Promise<FlushStatus> {
    return (await this.openOutbox()).flush();
  }

  async outboxStatus(): Promise<OutboxStatus> {
    return (await this.openOutbox()).status();
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return (await this.openOutbox()).deadLetters();
  }

  /**
   * Watches the numbers a running campaign is about to dial; 'invalidated' fires with the phones to stop dialing
   * when they reach the invalid list. `onInvalidated` is a shortcut for watcher.on('invalidated', …).
   */
  watchCampaign(campaignId: string, phones: Iterable<string>, onInvalidated?: (phones: string[]) => void): CampaignWatcher {
    this.assertOpen();
    const watcher = new CampaignWatcher({
      serverUrl: this.options.url.origin,
      apiKey: this.options.apiKey,
      campaignId,
      log: this.options.logger,
      reconnectDelayMs: this.options.retry.baseMs,
      reconnectDelayMaxMs: this.options.retry.maxMs,
      api: {
        watchTokens: (list) => this.call(async () => (await this.transport.json<{ tokens: (number | null)[] }>('POST', '/v1/watch-tokens', { phones: list })).tokens),
        check: (list) => this.checkNumbers(list),
        campaign: (id) => this.getCampaign(id),
      },
    });
    if (onInvalidated) watcher.on('invalidated', onInvalidated);
    this.watchers.add(watcher);
    watcher.start(phones);
    return watcher;
  }

  /** Sends one batch directly (used by the outbox; one attempt, the outbox owns retries). */
  private sendBatch(batch: OutcomeReport[]): Promise<OutcomeBatchResult> {
    return this.transport.json<OutcomeBatchResult>('POST', '/v1/outcomes', { outcomes: batch });
  }

  /**
   * Stops watchers and the flusher. Pending outcomes stay on disk and go out on the next start; call flush()
   * first to send them now.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of this.watchers) watcher.close();
    this.watchers.clear();
    if (this.outbox) await (await this.outbox.catch(() => undefined))?.close();
    this.transport.close();
  }

  private openOutbox(): Promise<Outbox> {
    this.assertOpen();
    this.outbox ??= Outbox.open({
      dir: this.options.outboxDir,
      batchSize: this.options.batchSize,
      flushIntervalMs: this.options.flushIntervalMs,
      retry: this.options.retry,
      send: (batch) => this.sendBatch(batch),
      log: this.options.logger,
    }).catch((error: unknown) => {
      this.outbox = undefined; // a locked directory may free up; let the next call try again
      throw error;
    });
    return this.outbox;
  }

  private call<T>(attempt: () => Promise<T>): Promise<T> {
    return withRetry(this.options.retry, attempt, (error, n, delayMs) =>
      this.options.logger('warn', 'request failed; retrying', { error: (error as Error).message, attempt: n, retryInMs: delayMs }),
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('HygieneClient: closed');
  }
}

/** Where a do-not-call entry goes and why: the tenant's list, or a campaign's; `expiresAt` ISO with offset. */
export type SuppressOptions = { source: string; campaignId?: string; expiresAt?: string };
