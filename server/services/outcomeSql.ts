import type { PrismaClient } from '../generated/prisma/client';
import type { RuleConfig } from '../config';
import type { Evidence } from '../domain/trust';
import type { StatusChange } from './statusIndex';
import { applyTrustBatch, type TrustInput, type Tx } from './trustStore';
import { retryOnConflict } from '../db/conflicts';

/** outcome codes in SQL arrays */
const INVALID = 0;
const CONTACT = 1;

/** A call to count: its idempotency key, the campaign (server id) and OUTCOME_CODE of its outcome. */
export type ReceiptRow = { callKey: string; campaignId: string; outcomeCode: number };
/** A receipt of a hygiene-enabled campaign: what reaches the shared history, once its number is pseudonymized. */
export type ContributionRow = ReceiptRow & { evidence: Evidence; occurredAt: number };

export type OutcomeBatch<Extended> = {
  receipts: readonly ReceiptRow[];
  /** The receipts of hygiene-enabled campaigns: what reaches the shared history. */
  contributions: readonly ContributionRow[];
  /** The pseudonym of contributions[i]'s number. */
  pseudonyms: (i: number) => bigint;
  /** The reporting tenant's source pseudonym in the shared history. */
  source: bigint;
  now: Date;
  rules: RuleConfig;
  /**
   * Features fed by the fresh calls, in this transaction (outcomeExtensions.ts). What it returns comes back with the
   * batch's result, from the attempt that committed only (a retried attempt's value is dropped with its work).
   */
  extend?: ((tx: Tx, fresh: ReadonlySet<string>) => Promise<Extended>) | undefined;
  /** The features whose rows every batch of the tenant writes: run after the shared history, given what `extend` returned. */
  extendLast?: ((tx: Tx, extended: Extended) => Promise<void>) | undefined;
};

const join = (values: readonly unknown[]) => values.join(',');

// Idempotency first: only call keys this statement inserts are counted. Sorted, so concurrent batches lock
// receipts in the same order. The usual answer is "all new" (keys null); the list comes back only otherwise, in
// callKey's spelling (32 hex digits).
const INSERT_RECEIPTS = `
WITH inserted AS (
  INSERT INTO call_receipts (call_key, received_at)
  SELECT k, $2::timestamptz FROM unnest(string_to_array($1, ',')::uuid[]) AS k ORDER BY k
  ON CONFLICT DO NOTHING
  RETURNING call_key
)
SELECT count(*)::int AS n, CASE WHEN count(*) < $3::int THEN string_agg(replace(call_key::text, '-', ''), ',') END AS keys FROM inserted`;

const COUNT_CAMPAIGN_OUTCOMES = `
UPDATE campaigns c SET reported_invalid = c.reported_invalid + v.i, reported_contact = c.reported_contact + v.c,
  reported_neutral = c.reported_neutral + v.n
FROM (SELECT unnest(string_to_array($1, ',')::uuid[]) AS id, unnest(string_to_array($2, ',')::bigint[]) AS i,
             unnest(string_to_array($3, ',')::bigint[]) AS c, unnest(string_to_array($4, ',')::bigint[]) AS n) v
WHERE c.id = v.id`;

/**
 * Commits one batch: receipts, campaign tallies and the shared history, all or nothing. Returns the call keys
 * that were new (the others were already counted) and the numbers whose status changed.
 */
export async function applyOutcomeBatch<Extended>(
  prisma: PrismaClient,
  batch: OutcomeBatch<Extended>,
): Promise<{ fresh: Set<string>; changes: StatusChange[]; extended?: Extended | undefined }> {
  const nowIso = batch.now.toISOString();
  // A deadlock or serialization failure rolled the whole batch back: running it again counts it once.
  return retryOnConflict(() => prisma.$transaction(
    async (tx) => {
      const callKeys = batch.receipts.map((r) => r.callKey);
      const [inserted] = await tx.$queryRawUnsafe<{ n: number; keys: string | null }[]>(INSERT_RECEIPTS, join(callKeys), nowIso, callKeys.length);
      const fresh = new Set(inserted!.keys === null ? callKeys : inserted!.keys.split(','));
      if (inserted!.n === 0) return { fresh: new Set<string>(), changes: [] };

      const inputs: TrustInput[] = [];
      batch.contributions.forEach((row, i) => {
        if (!fresh.has(row.callKey) || (row.outcomeCode !== INVALID && row.outcomeCode !== CONTACT)) return;
        inputs.push({ pseudonym: batch.pseudonyms(i), kind: row.outcomeCode === INVALID ? 'mark' : 'contact', evidence: row.evidence, occurredAt: row.occurredAt });
      });
      // The features with rows of their own per call first (right party): the shared history's rows stay locked from
      // applyTrustBatch to the commit, and a concurrent batch on any of the same numbers waits that long.
      const extended = await batch.extend?.(tx, fresh);
      const changes = await applyTrustBatch(tx, batch.source, inputs, batch.rules, batch.now);
      // Last: every batch of the tenant writes its counters (tabulation usage, the short-call meter) and every batch
      // of a campaign its one tally row, so those locks are taken just before the commit, in the same order by all.
      if (extended !== undefined) await batch.extendLast?.(tx, extended);
      const tallies = new Map<string, [number, number, number]>();
      for (const receipt of batch.receipts) {
        if (!fresh.has(receipt.callKey)) continue;
        const tally = tallies.get(receipt.campaignId) ?? [0, 0, 0];
        tally[receipt.outcomeCode]! += 1;
        tallies.set(receipt.campaignId, tally);
      }
      const ids = [...tallies.keys()].sort();
      await tx.$executeRawUnsafe(
        COUNT_CAMPAIGN_OUTCOMES,
        join(ids),
        join(ids.map((id) => tallies.get(id)![0])),
        join(ids.map((id) => tallies.get(id)![1])),
        join(ids.map((id) => tallies.get(id)![2])),
      );

      return { fresh, changes, extended };
    },
    { maxWait: 10_000, timeout: 20_000 },
  ));
}
