import type { PrismaClient } from '../generated/prisma/client';
import type { RuleConfig } from '../config';
import type { StatusChange } from './statusIndex';
import { retryOnConflict } from '../db/conflicts';

/** outcome codes in SQL arrays */
const INVALID = 0;
const CONTACT = 1;

export type ReceiptRow = { callKey: string; campaignId: string; outcome: number };
export type ContributionRow = { callKey: string; pseudonym: bigint; contributor: bigint; outcome: number; occurredAt: number };

export type OutcomeBatch = {
  receipts: ReceiptRow[];
  /** The receipts of hygiene-enabled campaigns, pseudonymized: what reaches the shared history. */
  contributions: ContributionRow[];
  now: Date;
  /** Brazilian day number, for the per-tenant daily cap */
  day: number;
  rules: RuleConfig;
};

const join = (values: readonly unknown[]) => values.join(',');

// Idempotency first: only call keys this statement inserts are counted. Sorted, so concurrent batches lock
// receipts in the same order. The usual answer is "all new" (keys null); the list comes back only otherwise.
const INSERT_RECEIPTS = `
WITH inserted AS (
  INSERT INTO call_receipts (call_key, received_at)
  SELECT k, $2::timestamptz FROM unnest(string_to_array($1, ',')::uuid[]) AS k ORDER BY k
  ON CONFLICT DO NOTHING
  RETURNING call_key
)
SELECT count(*)::int AS n, CASE WHEN count(*) < $3::int THEN string_agg(call_key::text, ',') END AS keys FROM inserted`;

const COUNT_CAMPAIGN_OUTCOMES = `
UPDATE campaigns c SET reported_invalid = c.reported_invalid + v.i, reported_contact = c.reported_contact + v.c,
  reported_neutral = c.reported_neutral + v.n
FROM (SELECT unnest(string_to_array($1, ',')::uuid[]) AS id, unnest(string_to_array($2, ',')::bigint[]) AS i,
             unnest(string_to_array($3, ',')::bigint[]) AS c, unnest(string_to_array($4, ',')::bigint[]) AS n) v
WHERE c.id = v.id`;

/*
 * The shared history keeps evidence against numbers (docs/rules.md): a row exists once a number got an invalid
 * mark; a contact resets a number that has marks; neutral outcomes change nothing there (they are counted in
 * the campaign tallies). Most tabulations are neutral, so most batches write little of the history.
 *
 * MARK_NUMBERS, one row per number with invalid marks in the batch (one tenant):
 * - contrib: this tenant's invalid marks on the number today; `counted` is how many of this batch's marks fit
 *   under the daily cap (day_marks after minus before, both capped);
 * - a contact in the batch resets the score: only counted marks that happened after the last contact remain;
 * - otherwise the counted marks add to the score, unless the old marks expired (no counted mark for TTL days);
 * - status follows the score; status_version moves only when status does (what instances poll).
 * Only the rows whose status changed come back.
 */
const SCORE_EXPR = `CASE WHEN EXCLUDED.contact_reports > 0 THEN EXCLUDED.invalid_score
  ELSE CASE WHEN h.last_invalid_at IS NULL OR h.last_invalid_at < $10::timestamptz THEN 0 ELSE h.invalid_score END
       + EXCLUDED.invalid_score END`;
const STATUS_EXPR = `CASE WHEN (${SCORE_EXPR}) >= $8::int THEN 2 WHEN (${SCORE_EXPR}) > 0 THEN 1 ELSE 0 END`;

const MARK_NUMBERS = `
WITH input AS (
  SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::bigint[],
                       string_to_array($3, ',')::int[], string_to_array($4, ',')::int[], string_to_array($5, ',')::int[])
    AS t(pseudonym, contributor, inv, con, inv_after)
),
contrib AS (
  INSERT INTO number_contributions AS nc (pseudonym, contributor, day, day_marks)
  SELECT pseudonym, contributor, $6::int, inv FROM input ORDER BY pseudonym
  ON CONFLICT (pseudonym, contributor) DO UPDATE
    SET day_marks = CASE WHEN nc.day = EXCLUDED.day THEN nc.day_marks + EXCLUDED.day_marks ELSE EXCLUDED.day_marks END,
        day = EXCLUDED.day
  RETURNING pseudonym, day_marks
),
scored AS (
  SELECT i.pseudonym, i.inv, i.con, i.inv_after,
         GREATEST(0, LEAST($7::int, c.day_marks) - LEAST($7::int, c.day_marks - i.inv)) AS counted
  FROM input i JOIN contrib c ON c.pseudonym = i.pseudonym
),
next AS (
  SELECT pseudonym, inv, con, counted, CASE WHEN con > 0 THEN LEAST(counted, inv_after) ELSE counted END AS add_score
  FROM scored
),
upserted AS (
INSERT INTO number_history AS h (pseudonym, status, invalid_score, invalid_reports, contact_reports,
                                  last_invalid_at, last_contact_at, status_version, status_changed_at)
SELECT pseudonym,
       CASE WHEN add_score >= $8::int THEN 2 WHEN add_score > 0 THEN 1 ELSE 0 END,
       add_score, inv, con,
       CASE WHEN counted > 0 THEN $9::timestamptz END,
       CASE WHEN con > 0 THEN $9::timestamptz END,
       CASE WHEN add_score > 0 THEN nextval('status_version_seq') ELSE 0 END,
       $9::timestamptz
FROM next ORDER BY pseudonym
ON CONFLICT (pseudonym) DO UPDATE SET
  invalid_score = ${SCORE_EXPR},
  status = ${STATUS_EXPR},
  status_version = CASE WHEN (${STATUS_EXPR}) <> h.status THEN nextval('status_version_seq') ELSE h.status_version END,
  status_changed_at = CASE WHEN (${STATUS_EXPR}) <> h.status THEN $9::timestamptz ELSE h.status_changed_at END,
  invalid_reports = h.invalid_reports + EXCLUDED.invalid_reports,
  contact_reports = h.contact_reports + EXCLUDED.contact_reports,
  last_invalid_at = COALESCE(EXCLUDED.last_invalid_at, h.last_invalid_at),
  last_contact_at = COALESCE(EXCLUDED.last_contact_at, h.last_contact_at)
RETURNING pseudonym, status, status_version, (status_changed_at = $9::timestamptz AND status_version > 0) AS changed
)
SELECT pseudonym::text AS p, status AS s, status_version::text AS v FROM upserted WHERE changed`;

/**
 * Locks a batch's existing history rows in pseudonym order. MARK_NUMBERS and RESET_ON_CONTACT each lock in that
 * order, but one after the other: a batch marking A and resetting B and another marking B and resetting A
 * deadlocked (test/faults/instances-soak.test.ts found it). Taken only when a batch runs both statements.
 */
const LOCK_NUMBERS = `
SELECT count(*)::int AS n FROM (
  SELECT 1 FROM number_history WHERE pseudonym = ANY(string_to_array($1, ',')::bigint[]) ORDER BY pseudonym FOR UPDATE
) locked`;

/** A human answered: a number with marks goes back to clean; a number without marks has nothing to reset. */
const RESET_ON_CONTACT = `
WITH input AS (
  SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::int[]) AS t(pseudonym, con)
)
UPDATE number_history h SET
  invalid_score = 0, status = 0, status_version = nextval('status_version_seq'), status_changed_at = $3::timestamptz,
  contact_reports = h.contact_reports + i.con, last_contact_at = $3::timestamptz
FROM (SELECT * FROM input ORDER BY pseudonym) i
WHERE h.pseudonym = i.pseudonym AND h.status > 0
RETURNING h.pseudonym::text AS p, h.status AS s, h.status_version::text AS v`;

type NumberAggregate = { pseudonym: bigint; contributor: bigint; inv: number; con: number; lastContact: number; invTimes: number[] };

function aggregateByNumber(rows: readonly ContributionRow[]): NumberAggregate[] {
  const byNumber = new Map<bigint, NumberAggregate>();
  for (const row of rows) {
    if (row.outcome !== INVALID && row.outcome !== CONTACT) continue;
    let agg = byNumber.get(row.pseudonym);
    if (!agg) {
      agg = { pseudonym: row.pseudonym, contributor: row.contributor, inv: 0, con: 0, lastContact: -Infinity, invTimes: [] };
      byNumber.set(row.pseudonym, agg);
    }
    if (row.outcome === INVALID) {
      agg.inv++;
      agg.invTimes.push(row.occurredAt);
    } else {
      agg.con++;
      agg.lastContact = Math.max(agg.lastContact, row.occurredAt);
    }
  }
  return [...byNumber.values()].sort((a, b) => (a.pseudonym < b.pseudonym ? -1 : a.pseudonym > b.pseudonym ? 1 : 0));
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const toChanges = (rows: { p: string; s: number; v: string }[]): StatusChange[] =>
  rows.map((row) => ({ pseudonym: BigInt(row.p), status: Number(row.s), version: BigInt(row.v) }));

async function updateHistory(tx: Tx, numbers: readonly NumberAggregate[], batch: OutcomeBatch, nowIso: string, expiredBefore: string): Promise<StatusChange[]> {
  const marked = numbers.filter((n) => n.inv > 0);
  const contactOnly = numbers.filter((n) => n.inv === 0);
  const changes: StatusChange[] = [];
  if (marked.length > 0 && contactOnly.length > 0) await tx.$queryRawUnsafe(LOCK_NUMBERS, join(numbers.map((n) => n.pseudonym)));
  if (marked.length > 0) {
    const rows = await tx.$queryRawUnsafe<{ p: string; s: number; v: string }[]>(
      MARK_NUMBERS,
      join(marked.map((n) => n.pseudonym)),
      join(marked.map((n) => n.contributor)),
      join(marked.map((n) => n.inv)),
      join(marked.map((n) => n.con)),
      join(marked.map((n) => n.invTimes.filter((t) => t > n.lastContact).length)),
      batch.day,
      batch.rules.tenantDailyInvalidCap,
      batch.rules.invalidThreshold,
      nowIso,
      expiredBefore,
    );
    changes.push(...toChanges(rows));
  }
  if (contactOnly.length > 0) {
    const rows = await tx.$queryRawUnsafe<{ p: string; s: number; v: string }[]>(
      RESET_ON_CONTACT,
      join(contactOnly.map((n) => n.pseudonym)),
      join(contactOnly.map((n) => n.con)),
      nowIso,
    );
    changes.push(...toChanges(rows));
  }
  return changes;
}

/**
 * Commits one batch: receipts, campaign tallies and the shared history, all or nothing. Returns the call keys
 * that were new (the others were already counted) and the numbers whose status changed.
 */
export async function applyOutcomeBatch(prisma: PrismaClient, batch: OutcomeBatch): Promise<{ fresh: Set<string>; changes: StatusChange[] }> {
  const nowIso = batch.now.toISOString();
  const expiredBefore = new Date(batch.now.getTime() - batch.rules.invalidMarkTtlDays * 86_400_000).toISOString();
  // A deadlock or serialization failure rolled the whole batch back: running it again counts it once.
  return retryOnConflict(() => prisma.$transaction(
    async (tx) => {
      const callKeys = batch.receipts.map((r) => r.callKey);
      const [inserted] = await tx.$queryRawUnsafe<{ n: number; keys: string | null }[]>(INSERT_RECEIPTS, join(callKeys), nowIso, callKeys.length);
      const fresh = new Set(inserted!.keys === null ? callKeys : inserted!.keys.split(','));
      if (inserted!.n === 0) return { fresh: new Set<string>(), changes: [] };

      const numbers = aggregateByNumber(batch.contributions.filter((row) => fresh.has(row.callKey)));
      const changes = numbers.length === 0 ? [] : await updateHistory(tx, numbers, batch, nowIso, expiredBefore);
      // Last: every batch of a campaign updates its one tally row, so its lock is taken just before the commit.
      const tallies = new Map<string, [number, number, number]>();
      for (const receipt of batch.receipts) {
        if (!fresh.has(receipt.callKey)) continue;
        const tally = tallies.get(receipt.campaignId) ?? [0, 0, 0];
        tally[receipt.outcome]! += 1;
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

      return { fresh, changes };
    },
    { maxWait: 10_000, timeout: 20_000 },
  ));
}
