import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TabulationView } from '../../contract/protocol';
import type { HygieneClient } from '../client';
import { HttpTransport, backoffDelay, sleep, withRetry } from '../http';
import { writeFileAtomic } from '../outboxFiles';
import { resolveVicidialConfig, type VicidialConfig, type VicidialConfigInput } from './config';
import { openVicidialDb, type VicidialDb } from './db';
import { checkSchema, type SchemaInfo } from './schema';
import { suppressLists, undoAudit, type SuppressReport, type UndoReport } from './suppress';
import { VicidialSync, type PassResult } from './sync';

/**
 * The VICIdial connector as a library: `sync()` (until caught up, for cron) or `runDaemon()`, `suppress()` and
 * `undo()`. It reports through the HygieneClient it is given (its durable outbox) and checks numbers with it.
 */
export type VicidialHealth = PassResult & { at: string; outboxPending: number; totals: { reported: number; skipped: number; expiredWithoutLog: number } };

export class VicidialConnector {
  readonly config: VicidialConfig;
  private readDb: VicidialDb | undefined;
  private writeDb: VicidialDb | undefined;
  private schema: SchemaInfo | undefined;
  private knownCodes: ReadonlySet<string> = new Set();
  private codesFetchedAt = 0;

  constructor(
    input: VicidialConfigInput,
    private readonly client: HygieneClient,
    baseDir?: string,
  ) {
    this.config = resolveVicidialConfig(input, baseDir);
  }

  /** Connects (reads through the replica when configured) and refuses an unknown schema before anything else. */
  async connect(): Promise<SchemaInfo> {
    if (this.schema) return this.schema;
    this.writeDb = openVicidialDb(this.config.mysql, 'mysql');
    this.readDb = this.config.mysqlLeitura ? openVicidialDb(this.config.mysqlLeitura, 'mysqlLeitura') : this.writeDb;
    try {
      this.schema = await checkSchema(this.readDb, this.config.versoesAceitas);
    } catch (error) {
      await this.close(); // the next attempt opens fresh pools
      throw error;
    }
    return this.schema;
  }

  get readMeter() {
    return this.readDb?.meter;
  }

  /** Runs passes until caught up (at most `maxPasses`); for cron. Outcomes are in the outbox when it resolves. */
  async sync(maxPasses = 1000, onPass?: (health: VicidialHealth) => void): Promise<VicidialHealth> {
    await this.connect();
    const sync = await this.openSync();
    try {
      let health: VicidialHealth | undefined;
      for (let n = 0; n < maxPasses; n++) {
        health = await this.healthOf(await sync.pass(), sync);
        onPass?.(health);
        if (health.caughtUp) break;
      }
      return health!;
    } finally {
      sync.close();
    }
  }

  /**
   * Passes forever: at once while behind, every `intervaloSegundos` once caught up; after a failure (database or
   * server down) it waits with jittered backoff up to a minute and goes on from its saved place. Stops when
   * `signal` aborts, after the pass under way.
   */
  async runDaemon(signal: AbortSignal, onHealth: (health: VicidialHealth) => void, onError: (error: Error, retryInMs: number) => void): Promise<void> {
    let failures = 0;
    let sync: VicidialSync | undefined;
    while (!signal.aborted) {
      try {
        await this.connect();
        sync ??= await this.openSync();
        if (Date.now() - this.codesFetchedAt > 600_000) {
          await this.refreshCodes();
          await sync.reloadStatuses();
        }
        const health = await this.healthOf(await sync.pass(), sync);
        failures = 0;
        onHealth(health);
        if (!health.caughtUp) continue;
        await sleep(this.config.intervaloSegundos * 1000, signal).catch(() => undefined);
      } catch (error) {
        failures++;
        const delay = backoffDelay(failures, { baseMs: 1000, maxMs: 60_000 });
        onError(error as Error, delay);
        await sleep(delay, signal).catch(() => undefined);
      }
    }
    sync?.close();
  }

  /** Checks and suppresses the leads of lists (or of a VICIdial campaign's active lists). */
  async suppress(target: { listIds?: string[]; vicidialCampaign?: string }, dryRun: boolean, status = this.config.statusSupressao): Promise<SuppressReport & { listIds: string[] }> {
    const schema = await this.connect();
    let listIds = target.listIds ?? [];
    if (target.vicidialCampaign) {
      const rows = await this.writeDb!.query<{ list_id: string }>("SELECT list_id FROM vicidial_lists WHERE campaign_id = ? AND active = 'Y' ORDER BY list_id", [target.vicidialCampaign]);
      listIds = [...listIds, ...rows.map((row) => String(row.list_id))];
    }
    const report = await suppressLists(this.readDb!, this.writeDb!, this.client, {
      listIds,
      status,
      dryRun,
      auditDir: path.join(this.config.estadoDir, 'auditoria'),
      optionalTables: schema.optionalTables,
    });
    return { ...report, listIds };
  }

  async undo(auditFile: string): Promise<UndoReport> {
    await this.connect();
    return undoAudit(this.writeDb!, auditFile);
  }

  async close(): Promise<void> {
    const dbs = new Set([this.readDb, this.writeDb].filter((db): db is VicidialDb => db !== undefined));
    await Promise.all([...dbs].map((db) => db.close().catch(() => undefined)));
    this.readDb = this.writeDb = undefined;
    this.schema = undefined;
  }

  private async openSync(): Promise<VicidialSync> {
    if (this.codesFetchedAt === 0) await this.refreshCodes();
    const sync = new VicidialSync(this.readDb!, this.config, this.client, () => this.knownCodes);
    await sync.open();
    return sync;
  }

  /**
   * The codes the tenant's map knows (defaults + its own), from GET /v1/tabulations, cached in the state folder so a
   * sync runs while the server is down (outcomes wait in the outbox). With neither, the pass fails and retries.
   */
  private async refreshCodes(): Promise<void> {
    const cache = path.join(this.config.estadoDir, 'tabulacoes.json');
    const options = this.client.options;
    const transport = new HttpTransport({ serverUrl: options.url, apiKey: options.apiKey, requestTimeoutMs: options.requestTimeoutMs, userAgent: 'hygiene-vicidial' });
    try {
      const { tabulations } = await withRetry({ ...options.retry, maxAttempts: 2 }, () => transport.json<{ tabulations: TabulationView[] }>('GET', '/v1/tabulations'));
      this.knownCodes = new Set(tabulations.map((t) => t.code.trim().toLowerCase()));
      await mkdir(this.config.estadoDir, { recursive: true });
      await writeFileAtomic(cache, JSON.stringify([...this.knownCodes]), false);
    } catch (error) {
      try {
        this.knownCodes = new Set(JSON.parse(await readFile(cache, 'utf8')) as string[]);
      } catch {
        throw new Error(`o mapa de tabulações do servidor não pôde ser lido e não há cópia local (${(error as Error).message}); nova tentativa em seguida`);
      }
    } finally {
      transport.close();
    }
    this.codesFetchedAt = Date.now();
  }

  private async healthOf(pass: PassResult, sync: VicidialSync): Promise<VicidialHealth> {
    const outbox = await this.client.outboxStatus();
    return { ...pass, at: new Date().toISOString(), outboxPending: outbox.pending, totals: { ...sync.totals } };
  }
}
