import { hash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client';
import type { OutcomeBatchResult, OutcomeItemResult } from '../../plugin/contract/protocol';
import type { RuleConfig } from '../config';
import { AppError } from '../errors';
import { parsePhone, parsePhoneFast } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import { normalizeTabulationCode } from '../domain/tabulations';
import { unstorableTextProblem } from '../domain/text';
import { OUTCOME_CODE, type Outcome } from '../domain/outcomes';
import type { Evidence } from '../domain/trust';
import type { CampaignService } from './campaigns';
import type { ReadBudget } from './readBudget';
import type { TabulationMapService } from './tabulationMap';
import type { StatusChange, StatusIndex } from './statusIndex';
import { applyOutcomeBatch } from './outcomeSql';
import { parseExtraFields, type AcceptedCall, type OutcomeExtension } from './outcomeExtensions';

const MAX_ID_LENGTH = 200;
/**
 * Permanent carrier answers (SIP and Q.850 codes, mapped to invalid by the tenant's map) weigh more in the shared
 * history than an agent's tabulation (server/domain/trust.ts).
 */
const evidenceOfCode = (normalized: string): Evidence => (normalized.startsWith('sip:') || normalized.startsWith('q850:') ? 'carrier' : 'agent');

/**
 * One valid item of a batch, from validation to the extensions: the receipt, the contribution to the shared history
 * and the AcceptedCall are this one object (a 10k batch made five objects per item before, and collecting garbage
 * took ~1/4 of the event loop's time in ingest; docs/performance.md).
 */
type Accepted = AcceptedCall & {
  index: number;
  /** The dialer's campaign id, resolved to campaignId and hygiene once the batch's campaigns are known. */
  campaign: string;
  /** OUTCOME_CODE of the outcome, for the receipt and the history's arrays. */
  outcomeCode: number;
  evidence: Evidence;
};

const rejected = (index: number, field: string, code: string, message: string): OutcomeItemResult => ({
  index,
  status: 'rejected',
  error: { code, field: `outcomes[${index}].${field}`, message: `outcomes[${index}].${field}: ${message}` },
});

function stringField(item: Record<string, unknown>, name: string, index: number, required = true): string | OutcomeItemResult {
  const value = item[name];
  if (value === undefined || value === null || value === '') {
    return required ? rejected(index, name, 'VALIDATION_FAILED', 'is required') : '';
  }
  if (typeof value !== 'string' && typeof value !== 'number') return rejected(index, name, 'VALIDATION_FAILED', 'must be a string');
  const text = String(value);
  if (text.length > MAX_ID_LENGTH) return rejected(index, name, 'VALIDATION_FAILED', `must be at most ${MAX_ID_LENGTH} characters`);
  // Per item, like a bad phone: one unstorable campaign id used to fail the whole batch's statement, on every retry.
  const unstorable = unstorableTextProblem(text);
  if (unstorable) return rejected(index, name, 'VALIDATION_FAILED', unstorable);
  return text;
}

/**
 * Ingestion of tabulations. One bad item gets its own error and the rest of the batch is still taken; the
 * accepted ones are committed in one transaction together with their idempotency receipts, so a call id is
 * counted exactly once however often it is sent, and nothing is acknowledged before it is durable.
 */
export class OutcomeService {
  private readonly extensions: OutcomeExtension[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly campaigns: CampaignService,
    private readonly tabulations: TabulationMapService,
    private readonly statusIndex: StatusIndex,
    private readonly rules: RuleConfig,
    private readonly maxBatchSize: number,
    private readonly clock: () => Date,
    private readonly readBudget?: ReadBudget,
    /** Only for the refusal's message: CampaignService.resolveForIngest applies the bound. */
    private readonly maxNewCampaignsPerBatch = Number.POSITIVE_INFINITY,
  ) {}

  /** A feature fed by every call counted for the first time, inside the batch's transaction (outcomeExtensions.ts). */
  extend(extension: OutcomeExtension): void {
    this.extensions.push(extension);
  }

  async report(tenantId: string, items: unknown): Promise<OutcomeBatchResult> {
    if (!Array.isArray(items)) throw new AppError('VALIDATION_FAILED', 'must be an array of outcomes', 'outcomes');
    if (items.length === 0) throw new AppError('VALIDATION_FAILED', 'must not be empty', 'outcomes');
    if (items.length > this.maxBatchSize) {
      // Its own code: nothing is wrong with the items, so a client splits the batch instead of refusing them.
      throw new AppError('BATCH_TOO_LARGE', `at most ${this.maxBatchSize} outcomes per batch (got ${items.length}); split it and send again`, 'outcomes');
    }
    const now = this.clock();
    const results = new Array<OutcomeItemResult>(items.length);
    const codeMap = await this.tabulations.resolver(tenantId);
    const valid: Accepted[] = [];
    const seenCallIds = new Set<string>();
    // A dialer sends a handful of distinct codes: normalize each spelling once per batch.
    const outcomeOfCode = new Map<string, { outcome: Outcome; evidence: Evidence; normalized: string } | undefined>();

    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        results[index] = rejected(index, '', 'VALIDATION_FAILED', 'must be an object');
        continue;
      }
      const fields = item as Record<string, unknown>;
      const callId = stringField(fields, 'callId', index);
      const campaign = stringField(fields, 'campaignId', index);
      const phone = stringField(fields, 'phone', index);
      const code = stringField(fields, 'code', index);
      // The first field refused, in the fields' order (no array per item: a 10k batch's garbage counts).
      const problem = typeof callId !== 'string' ? callId : typeof campaign !== 'string' ? campaign : typeof phone !== 'string' ? phone : typeof code !== 'string' ? code : undefined;
      if (problem) {
        results[index] = problem;
        continue;
      }
      const digits = parsePhoneFast(phone as string);
      if (digits < 0) {
        const parsed = parsePhone(phone as string);
        results[index] = rejected(index, 'phone', 'INVALID_PHONE', parsed.ok ? 'is not a valid Brazilian number' : parsed.message);
        continue;
      }
      let known = outcomeOfCode.get(code as string);
      if (known === undefined && !outcomeOfCode.has(code as string)) {
        const normalized = normalizeTabulationCode(code as string);
        const mapped = codeMap.get(normalized);
        known = mapped ? { outcome: mapped, evidence: evidenceOfCode(normalized), normalized } : undefined;
        outcomeOfCode.set(code as string, known);
      }
      const outcome = known?.outcome;
      if (!known || !outcome) {
        results[index] = rejected(index, 'code', 'UNKNOWN_TABULATION', `"${code as string}" is not in this tenant's tabulation map (add it in the console or with PUT /v1/tabulations)`);
        continue;
      }
      let occurredAt = now.getTime();
      if (fields.occurredAt !== undefined) {
        const parsed = typeof fields.occurredAt === 'string' ? Date.parse(fields.occurredAt) : Number.NaN;
        if (Number.isNaN(parsed)) {
          results[index] = rejected(index, 'occurredAt', 'VALIDATION_FAILED', 'must be an ISO 8601 date-time');
          continue;
        }
        // Only used to order a contact against invalid marks inside a batch; the server's clock drives the rules.
        occurredAt = Math.min(parsed, now.getTime());
      }
      const extras = parseExtraFields(fields);
      if ('field' in extras) {
        results[index] = rejected(index, extras.field, extras.code, extras.message);
        continue;
      }
      if (seenCallIds.has(callId as string)) {
        results[index] = { index, status: 'duplicate' };
        continue;
      }
      seenCallIds.add(callId as string);
      valid.push({
        index,
        callKey: callKey(tenantId, callId as string),
        campaign: campaign as string,
        campaignId: '',
        hygiene: false,
        digits,
        outcome,
        outcomeCode: OUTCOME_CODE[outcome],
        evidence: known.evidence,
        occurredAt,
        code: known.normalized,
        ...extras,
      });
    }

    if (valid.length > 0) {
      const campaigns = await this.campaigns.resolveForIngest(tenantId, valid.map((item) => item.campaign));
      // Campaigns past MAX_NEW_CAMPAIGNS_PER_BATCH were not registered: their items are refused, the rest is taken.
      const accepted = valid.filter((item) => {
        const resolved = campaigns.get(item.campaign);
        if (resolved) {
          item.campaignId = resolved.id;
          item.hygiene = resolved.hygieneEnabled;
          return true;
        }
        results[item.index] = rejected(
          item.index,
          'campaignId',
          'TOO_MANY_NEW_CAMPAIGNS',
          `"${item.campaign}" is a new campaign beyond the ${this.maxNewCampaignsPerBatch} one batch may register; register it first (POST /v1/campaigns) or send it in a later batch`,
        );
        return false;
      });
      const { fresh, changes, calls } = await this.commit(tenantId, accepted, now);
      let contributedNow = 0;
      for (const item of accepted) {
        if (fresh.has(item.callKey)) {
          results[item.index] = { index: item.index, status: 'accepted', outcome: item.outcome, contributed: item.hygiene };
          if (item.hygiene) contributedNow++;
        } else results[item.index] = { index: item.index, status: 'duplicate' };
      }
      this.statusIndex.applyCommitted(changes);
      if (calls.length > 0) for (const extension of this.extensions) extension.committed?.(tenantId, calls);
      // What the tenant gave the pool raises what it may read of it (services/readBudget.ts).
      await this.readBudget?.contributed(tenantId, contributedNow);
    }

    let acceptedCount = 0;
    let duplicates = 0;
    for (const result of results) {
      if (result.status === 'accepted') acceptedCount++;
      else if (result.status === 'duplicate') duplicates++;
    }
    return { accepted: acceptedCount, duplicates, rejected: results.length - acceptedCount - duplicates, results };
  }

  /** Also returns the fresh calls the extensions were given (built once, in the attempt that committed). */
  private async commit(tenantId: string, accepted: Accepted[], now: Date): Promise<{ fresh: Set<string>; changes: StatusChange[]; calls: AcceptedCall[] }> {
    const contributing = accepted.filter((item) => item.hygiene);
    const pseudonyms = this.pseudonymizer.phones(contributing.map((item) => item.digits));
    const { fresh, changes, extended } = await applyOutcomeBatch(this.prisma, {
      receipts: accepted,
      contributions: contributing,
      pseudonyms: (i) => pseudonyms.bigint(i),
      source: this.pseudonymizer.source(tenantId),
      now,
      rules: this.rules,
      // Run again on a retried transaction; the calls come back from the attempt that committed only.
      extend: this.extensions.length === 0 ? undefined : async (tx, fresh) => {
        const calls = accepted.filter((item) => fresh.has(item.callKey));
        if (calls.length > 0) for (const extension of this.extensions) if (!extension.contended) await extension.apply(tx, tenantId, calls, now);
        return calls;
      },
      extendLast: this.extensions.length === 0 ? undefined : async (tx, calls) => {
        if (calls.length > 0) for (const extension of this.extensions) if (extension.contended) await extension.apply(tx, tenantId, calls, now);
      },
    });
    return { fresh, changes, calls: extended ?? [] };
  }
}

/**
 * The idempotency key of a call: the tenant's call ids never collide with another tenant's. One-shot `hash` (3× the
 * speed of a Hash object per call, ~1% of ingest); the same digest as the stored keys, which hashed the same UTF-8
 * bytes in three updates (call ids with lone surrogates, the only text whose parts would encode apart, are refused).
 * The 32 hex digits without hyphens: PostgreSQL reads them as the same uuid as the hyphenated spelling the receipts
 * were first written with, and the digest is used as it comes (five slices and a join per call were garbage).
 */
export function callKey(tenantId: string, callId: string): string {
  return hash('md5', `${tenantId}\u0000${callId}`);
}
