import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import type { CampaignView, ClientToServerEvents, NumberCheck, ServerToClientEvents } from '../contract/protocol';
import type { LogFn } from './logger';

/**
 * Mid-campaign invalidation. The server never learns which numbers a dialer holds: the dialer asks for the
 * 20-bit watch tokens of its numbers (POST /v1/watch-tokens) and keeps token → phones locally. When numbers
 * reach the invalid list the server pushes their tokens to every dialer ('numbers:invalidated'). A token is
 * shared by about one in a million numbers, so it tells a tenant nothing about numbers it does not hold; the
 * dialer re-checks only the phones it holds under those tokens (POST /v1/numbers/check) and drops the ones
 * now "invalid".
 *
 * Events: 'invalidated' (phones: string[]) — stop dialing these; 'error' (Error); 'connected'; 'disconnected'
 * (reason); 'hygiene' (enabled: boolean). Only campaigns with hygiene enabled act on pushes (opt-in).
 */
export interface WatcherEvents {
  invalidated: [phones: string[]];
  error: [error: Error];
  connected: [];
  disconnected: [reason: string];
  hygiene: [enabled: boolean];
}

export type WatcherApi = {
  watchTokens(phones: string[]): Promise<(number | null)[]>;
  check(phones: string[]): Promise<NumberCheck[]>;
  campaign(campaignId: string): Promise<CampaignView>;
};

export type WatcherOptions = {
  serverUrl: string;
  apiKey: string;
  campaignId: string;
  api: WatcherApi;
  log: LogFn;
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
};

/** The server's limit per /v1/numbers/* call is 100k; smaller chunks keep each request quick. */
const CHUNK = 20_000;

export class CampaignWatcher extends EventEmitter<WatcherEvents> {
  private readonly phonesByToken = new Map<number, Set<string>>();
  private readonly tokenByPhone = new Map<string, number>();
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private hygieneEnabled = false;
  private work: Promise<unknown> = Promise.resolve();
  private readonly readyPromise: Promise<void>;
  private closed = false;

  constructor(private readonly options: WatcherOptions) {
    super();
    // websocket only: long polling needs sticky sessions behind a load balancer; a websocket does not.
    this.socket = io(options.serverUrl, {
      auth: { token: options.apiKey },
      transports: ['websocket'],
      reconnectionDelay: options.reconnectDelayMs,
      reconnectionDelayMax: options.reconnectDelayMaxMs,
      autoConnect: false,
    });
    let firstConnect: () => void = () => undefined;
    const connected = new Promise<void>((resolve) => (firstConnect = resolve));
    this.socket.on('connect', () => {
      this.options.log('info', 'watching for invalidated numbers', { campaignId: options.campaignId });
      // Pushes sent while we were away are gone: re-check everything we hold (cheap, in-memory on the server).
      this.enqueue(async () => {
        await this.refreshHygiene();
        await this.recheck([...this.tokenByPhone.keys()]);
      });
      void this.work.then(firstConnect);
      this.emit('connected');
    });
    this.socket.on('disconnect', (reason) => this.emit('disconnected', reason));
    this.socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;
      if (code) this.fail(new Error(`the server refused the socket: ${code} ${error.message}`));
      else this.options.log('warn', 'socket connection failed; retrying', { error: error.message });
    });
    this.socket.on('numbers:invalidated', (event) => {
      const candidates = new Set<string>();
      for (const token of event.tokens) for (const phone of this.phonesByToken.get(token) ?? []) candidates.add(phone);
      if (candidates.size > 0) this.enqueue(() => this.recheck([...candidates]));
    });
    this.socket.on('campaign:updated', (campaign) => {
      if (campaign.externalId !== options.campaignId) return;
      const was = this.hygieneEnabled;
      this.hygieneEnabled = campaign.hygieneEnabled;
      if (was !== campaign.hygieneEnabled) this.emit('hygiene', campaign.hygieneEnabled);
      if (!was && campaign.hygieneEnabled) this.enqueue(() => this.recheck([...this.tokenByPhone.keys()]));
    });
    this.readyPromise = connected;
  }

  /** Connects (called by HygieneClient.watchCampaign). */
  start(phones: Iterable<string>): void {
    this.enqueue(() => this.addNow([...phones]));
    this.socket.connect();
  }

  /** Resolves once connected, with the phones registered and checked once. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Numbers about to be dialed: fetch their tokens. Malformed numbers have no token and are not watched. */
  add(phones: Iterable<string>): Promise<void> {
    return this.enqueue(() => this.addNow([...phones]));
  }

  /** Numbers no longer dialed (called, finished, removed). */
  remove(phones: Iterable<string>): void {
    for (const phone of phones) {
      const token = this.tokenByPhone.get(phone);
      if (token === undefined) continue;
      this.tokenByPhone.delete(phone);
      const set = this.phonesByToken.get(token);
      set?.delete(phone);
      if (set?.size === 0) this.phonesByToken.delete(token);
    }
  }

  has(phone: string): boolean {
    return this.tokenByPhone.has(phone);
  }

  get size(): number {
    return this.tokenByPhone.size;
  }

  close(): void {
    this.closed = true;
    this.socket.close();
    this.removeAllListeners('invalidated');
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task, task).catch((error: unknown) => this.fail(error as Error));
    this.work = run;
    return run;
  }

  private fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.options.log('error', 'campaign watcher error', { error: error.message });
  }

  private async refreshHygiene(): Promise<void> {
    const campaign = await this.options.api.campaign(this.options.campaignId);
    if (campaign.hygieneEnabled !== this.hygieneEnabled) {
      this.hygieneEnabled = campaign.hygieneEnabled;
      this.emit('hygiene', campaign.hygieneEnabled);
    }
  }

  private async addNow(phones: string[]): Promise<void> {
    const fresh = [...new Set(phones)].filter((phone) => !this.tokenByPhone.has(phone));
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK);
      const tokens = await this.options.api.watchTokens(chunk);
      chunk.forEach((phone, j) => {
        const token = tokens[j];
        if (token === null || token === undefined) return;
        this.tokenByPhone.set(phone, token);
        let set = this.phonesByToken.get(token);
        if (!set) {
          set = new Set();
          this.phonesByToken.set(token, set);
        }
        set.add(phone);
      });
    }
  }

  /** Asks the server about exactly these phones; the invalid ones leave the watch and are announced. */
  private async recheck(phones: string[]): Promise<void> {
    if (!this.hygieneEnabled || this.closed || phones.length === 0) return;
    const invalid: string[] = [];
    for (let i = 0; i < phones.length; i += CHUNK) {
      const chunk = phones.slice(i, i + CHUNK);
      const results = await this.options.api.check(chunk);
      chunk.forEach((phone, j) => {
        if (results[j]?.status === 'invalid') invalid.push(phone);
      });
    }
    if (invalid.length === 0) return;
    this.remove(invalid);
    this.options.log('info', 'numbers reached the invalid list; stop dialing them', { count: invalid.length, campaignId: this.options.campaignId });
    this.emit('invalidated', invalid);
  }
}
