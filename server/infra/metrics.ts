import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DependencyHealth } from './health';

/** What a connection pool reports (pg's Pool: totalCount, idleCount, waitingCount). */
export type PoolStats = { total: number; idle: number; waiting: number };

/** The live state the gauges read at scrape time; nothing is polled between scrapes. */
export type MetricSources = {
  /** The status index: how many non-clean numbers it holds, and when it last caught up with PostgreSQL. */
  statusIndex: { readonly table: { readonly size: number }; readonly caughtUpAt: number };
  database: DependencyHealth;
  /** Absent when Redis is not configured (single instance, in-process infrastructure). */
  redis?: DependencyHealth | undefined;
  /** Absent on the embedded database, which has no pool. */
  pool?: (() => PoolStats) | undefined;
};

export type OutcomeTally = { accepted: number; duplicates: number; rejected: number };
export type MailingTally = { keptRows: number; droppedRows: number; malformedRows: number };
export type Transport = 'http' | 'socket';

/** Seconds; a mailing can stream for minutes, a check answers in milliseconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The server's Prometheus metrics, on a registry of its own (not prom-client's global one): tests run several
 * servers in one process, and each must count only its own traffic. Labels carry route templates, status classes
 * and verdicts only — never a phone, a raw path or a tenant id (cardinality, and the pool's privacy rule).
 * Rates (outcomes/s, rows/s) come from the counters: `rate(hygiene_outcomes_total[1m])`.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_class'>;
  private readonly outcomes: Counter<'result' | 'transport'>;
  private readonly mailingRows: Counter<'verdict'>;
  private readonly quotaRefusals: Counter<'route'>;
  private sources: MetricSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'hygiene_' });
    this.requestDuration = new Histogram({
      name: 'hygiene_http_request_duration_seconds',
      help: 'HTTP request latency by route template and status class (2xx, 4xx, 5xx)',
      labelNames: ['method', 'route', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.outcomes = new Counter({
      name: 'hygiene_outcomes_total',
      help: 'Reported tabulations by result (accepted, duplicate, rejected) and transport (http, socket)',
      labelNames: ['result', 'transport'],
      registers,
    });
    this.mailingRows = new Counter({
      name: 'hygiene_mailing_rows_total',
      help: 'Rows of filtered mailings by verdict: kept, dropped (hygiene), malformed',
      labelNames: ['verdict'],
      registers,
    });
    this.quotaRefusals = new Counter({
      name: 'hygiene_quota_refusals_total',
      help: 'Requests refused with 429 RATE_LIMITED, by route template (socket batches as "socket:outcomes:report")',
      labelNames: ['route'],
      registers,
    });
    const read = <T>(pick: (sources: MetricSources) => T): T | undefined => (this.sources ? pick(this.sources) : undefined);
    new Gauge({
      name: 'hygiene_status_index_numbers',
      help: 'Numbers held by the in-memory status index (invalid and unconfirmed)',
      registers,
      collect() {
        const size = read((sources) => sources.statusIndex.table.size);
        if (size !== undefined) this.set(size);
      },
    });
    new Gauge({
      name: 'hygiene_status_index_lag_seconds',
      help: 'Seconds since the status index last read every change committed to PostgreSQL (about STATUS_POLL_MS when healthy)',
      registers,
      collect() {
        const caughtUpAt = read((sources) => sources.statusIndex.caughtUpAt);
        if (caughtUpAt !== undefined) this.set(Math.max(0, Date.now() - caughtUpAt) / 1000);
      },
    });
    new Gauge({
      name: 'hygiene_pg_pool_connections',
      help: 'PostgreSQL pool connections: total (open), idle, waiting (requests queued for a connection)',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = read((sources) => sources.pool?.());
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
    new Gauge({
      name: 'hygiene_dependency_up',
      help: 'Whether a dependency answers as this instance sees it (1 up, 0 down); redis only when configured',
      labelNames: ['dependency'],
      registers,
      collect() {
        const sources = read((found) => found);
        if (!sources) return;
        this.set({ dependency: 'database' }, sources.database.up ? 1 : 0);
        if (sources.redis) this.set({ dependency: 'redis' }, sources.redis.up ? 1 : 0);
      },
    });
  }

  /** Binds the gauges to the running services (the composition root calls it once they exist). */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
    if (status === 429) this.quotaRefusals.inc({ route });
  }

  /** A socket batch refused by a quota (HTTP refusals are counted by observeRequest). */
  socketQuotaRefusal(event: string): void {
    this.quotaRefusals.inc({ route: `socket:${event}` });
  }

  outcomeBatch(tally: OutcomeTally, transport: Transport): void {
    this.outcomes.inc({ result: 'accepted', transport }, tally.accepted);
    this.outcomes.inc({ result: 'duplicate', transport }, tally.duplicates);
    this.outcomes.inc({ result: 'rejected', transport }, tally.rejected);
  }

  mailingFiltered(tally: MailingTally): void {
    this.mailingRows.inc({ verdict: 'kept' }, tally.keptRows);
    this.mailingRows.inc({ verdict: 'dropped' }, tally.droppedRows);
    this.mailingRows.inc({ verdict: 'malformed' }, tally.malformedRows);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
