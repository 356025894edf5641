import type { PrismaClient } from '../generated/prisma/client';
import {
  applyContact,
  applyMark,
  applyTime,
  corroborationFactor,
  recompute,
  reputationFactor,
  statusFor,
  tally,
  type Evidence,
  type NumberState,
  type Reputation,
  type SourceEvidence,
  type Status,
  type TrustRules,
} from '../domain/trust';
import type { StatusChange } from './statusIndex';
import { retryOnConflict } from '../db/conflicts';

/**
 * Loads, changes and saves the trust states (server/domain/trust.ts) of one batch's numbers inside the batch's
 * transaction. Rows are locked in pseudonym order (new rows inserted in that order first), so two batches on the
 * same numbers wait for each other instead of interleaving; a deadlock that still happens is retried whole by
 * the caller (db/conflicts.ts).
 */

export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** One tabulation's contribution to the shared history: an invalid mark or a contact, by the batch's source. */
export type TrustInput = { pseudonym: bigint; kind: 'mark' | 'contact'; evidence: Evidence; occurredAt: number };

const join = (values: readonly unknown[]) => values.join(',');
const ms = (value: string | number | bigint) => Number(value);

type HistoryRow = { p: string; s: number; since: string; until: string; strikes: number; reassigned: string };
type EvidenceRow = { p: string; src: string; w: number; b: number; bat: string; own: number; fm: string; lm: string; days: number; lday: number; lc: string; ct: string; cor: boolean };

const STATE_COLUMNS = `pseudonym::text AS p, status AS s, invalid_since_ms::text AS since, probation_until_ms::text AS until,
  strikes, reassigned_at_ms::text AS reassigned`;
const EVIDENCE_COLUMNS = `pseudonym::text AS p, source::text AS src, weight AS w, bucket AS b, bucket_at_ms::text AS bat, own_marks AS own,
  first_mark_at_ms::text AS fm, last_mark_at_ms::text AS lm, mark_days AS days, last_mark_day AS lday, last_contact_at_ms::text AS lc,
  contested_at_ms::text AS ct, corroborated AS cor`;

/** A source's weight multiplier from its ledger row: contradicted marks, and the share of its weight others corroborated. */
export function sourceFactor(row: { marks: string | number | bigint; contradicted: string | number | bigint; mw: number; cw: number }, rules: TrustRules): number {
  return reputationFactor(Number(row.marks), Number(row.contradicted), rules) * corroborationFactor(Number(row.mw), Number(row.cw), rules);
}

/** Reputation of the sources a batch touches, read in its transaction: quarantine takes effect at once. */
export async function loadReputation(tx: Tx, sources: readonly bigint[], rules: TrustRules): Promise<Reputation> {
  const rows =
    sources.length === 0
      ? []
      : await tx.$queryRawUnsafe<{ src: string; marks: string; contradicted: string; mw: number; cw: number; q: boolean }[]>(
          `SELECT source::text AS src, marks::text AS marks, contradicted::text AS contradicted, marked_weight AS mw, corroborated_weight AS cw,
                  quarantined_at IS NOT NULL AS q
           FROM trust_sources WHERE source = ANY(string_to_array($1, ',')::bigint[])`,
          join(sources),
        );
  const bySource = new Map(rows.map((row) => [BigInt(row.src), row]));
  return {
    factor: (source) => {
      const row = bySource.get(source);
      return row ? sourceFactor(row, rules) : 1;
    },
    quarantined: (source) => bySource.get(source)?.q === true,
  };
}

/** Reads and locks the states of `pseudonyms` (sorted), creating rows first for those in `create`. */
export async function lockStates(tx: Tx, pseudonyms: readonly bigint[], create: readonly bigint[]): Promise<Map<bigint, NumberState>> {
  if (create.length > 0) {
    await tx.$executeRawUnsafe(
      `INSERT INTO number_history (pseudonym) SELECT p FROM unnest(string_to_array($1, ',')::bigint[]) AS p ORDER BY p ON CONFLICT DO NOTHING`,
      join(create),
    );
  }
  const rows = await tx.$queryRawUnsafe<HistoryRow[]>(
    `SELECT ${STATE_COLUMNS} FROM number_history WHERE pseudonym = ANY(string_to_array($1, ',')::bigint[]) ORDER BY pseudonym FOR UPDATE`,
    join(pseudonyms),
  );
  const states = new Map<bigint, NumberState>();
  for (const row of rows) {
    states.set(BigInt(row.p), {
      status: Number(row.s) as Status,
      invalidSince: ms(row.since),
      probationUntil: ms(row.until),
      strikes: Number(row.strikes),
      reassignedAt: ms(row.reassigned),
      sources: [],
    });
  }
  if (states.size === 0) return states;
  const evidence = await tx.$queryRawUnsafe<EvidenceRow[]>(
    `SELECT ${EVIDENCE_COLUMNS} FROM number_evidence WHERE pseudonym = ANY(string_to_array($1, ',')::bigint[])`,
    join([...states.keys()]),
  );
  for (const row of evidence) {
    states.get(BigInt(row.p))?.sources.push({
      source: BigInt(row.src),
      weight: Number(row.w),
      bucket: Number(row.b),
      bucketAt: ms(row.bat),
      ownMarks: Number(row.own),
      firstMarkAt: ms(row.fm),
      lastMarkAt: ms(row.lm),
      markDays: Number(row.days),
      lastMarkDay: Number(row.lday),
      lastContactAt: ms(row.lc),
      contestedAt: ms(row.ct),
      corroborated: row.cor,
    });
  }
  const overrides = await tx.$queryRawUnsafe<{ p: string; src: string; s: number }[]>(
    `SELECT pseudonym::text AS p, source::text AS src, status AS s FROM tenant_overrides
     WHERE pseudonym = ANY(string_to_array($1, ',')::bigint[]) AND status >= 0`,
    join([...states.keys()]),
  );
  for (const row of overrides) {
    const state = states.get(BigInt(row.p))!;
    let bySource = savedOverrides.get(state);
    if (!bySource) {
      bySource = new Map();
      savedOverrides.set(state, bySource);
    }
    bySource.set(BigInt(row.src), Number(row.s));
  }
  return states;
}

/** The per-tenant overrides each loaded state had, so saving writes only those that changed. */
const savedOverrides = new WeakMap<NumberState, Map<bigint, number>>();
const NO_OVERRIDE = -1;

const SAVE_OVERRIDES = `
INSERT INTO tenant_overrides AS o (source, pseudonym, status, version)
SELECT source, pseudonym, status, nextval('status_version_seq')
FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::bigint[], string_to_array($3, ',')::smallint[]) AS t(source, pseudonym, status)
ORDER BY source, pseudonym
ON CONFLICT (source, pseudonym) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version
RETURNING source::text AS src, pseudonym::text AS p, status AS s, version::text AS v`;

/**
 * Where a source's own view of a number (statusFor: its own 10 tabulations, its own contact, its contest) differs
 * from the pool's, an override row; where it no longer does, the row says so (-1) with a new version, so every
 * instance's index drops it at its next poll.
 */
async function saveOverrides(tx: Tx, saved: readonly SavedNumber[], rules: TrustRules): Promise<StatusChange[]> {
  const rows: Array<[bigint, bigint, number]> = [];
  for (const { pseudonym, state } of saved) {
    const before = savedOverrides.get(state);
    // Most numbers have no override before or after: no Map is made for them.
    let after: Map<bigint, number> | undefined;
    for (const entry of state.sources) {
      const view = statusFor(state, entry.source, rules).status;
      if (view === state.status) continue;
      after ??= new Map();
      after.set(entry.source, view);
    }
    if (before === undefined && after === undefined) continue;
    for (const source of new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])) {
      const next = after?.get(source) ?? NO_OVERRIDE;
      if (next !== (before?.get(source) ?? NO_OVERRIDE)) rows.push([source, pseudonym, next]);
    }
    if (after) savedOverrides.set(state, after);
    else savedOverrides.delete(state);
  }
  if (rows.length === 0) return [];
  const written = await tx.$queryRawUnsafe<{ src: string; p: string; s: number; v: string }[]>(
    SAVE_OVERRIDES,
    join(rows.map(([source]) => source)),
    join(rows.map(([, pseudonym]) => pseudonym)),
    join(rows.map(([, , status]) => status)),
  );
  return written.map((row) => ({ source: BigInt(row.src), pseudonym: BigInt(row.p), status: Number(row.s), version: BigInt(row.v) }));
}

export type SavedNumber = { pseudonym: bigint; before: Status; state: NumberState; marks: number; contacts: number; lastMarkAt: number; lastContactAt: number };

const SAVE_HISTORY = `
WITH input AS (
  SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::smallint[], string_to_array($3, ',')::int[],
                       string_to_array($4, ',')::int[], string_to_array($5, ',')::int[], string_to_array($6, ',')::bigint[],
                       string_to_array($7, ',')::bigint[], string_to_array($8, ',')::int[], string_to_array($9, ',')::bigint[],
                       string_to_array($10, ',')::bigint[], string_to_array($11, ',')::bigint[], string_to_array($12, ',')::boolean[])
    AS t(pseudonym, status, score, marks, contacts, since, until, strikes, reassigned, last_mark, last_contact, changed)
), saved AS (
UPDATE number_history h SET
  status = i.status, invalid_score = i.score,
  invalid_reports = h.invalid_reports + i.marks, contact_reports = h.contact_reports + i.contacts,
  invalid_since_ms = i.since, probation_until_ms = i.until, strikes = i.strikes, reassigned_at_ms = i.reassigned,
  last_invalid_at = CASE WHEN i.last_mark > 0 THEN to_timestamp(i.last_mark / 1000.0) ELSE h.last_invalid_at END,
  last_contact_at = CASE WHEN i.last_contact > 0 THEN to_timestamp(i.last_contact / 1000.0) ELSE h.last_contact_at END,
  status_version = CASE WHEN i.changed THEN nextval('status_version_seq') ELSE h.status_version END,
  status_changed_at = CASE WHEN i.changed THEN $13::timestamptz ELSE h.status_changed_at END
FROM (SELECT * FROM input ORDER BY pseudonym) i
WHERE h.pseudonym = i.pseudonym
RETURNING h.pseudonym, h.status, h.status_version, i.changed
)
SELECT pseudonym::text AS p, status AS s, status_version::text AS v FROM saved WHERE changed`;

const SAVE_EVIDENCE = `
INSERT INTO number_evidence AS e (pseudonym, source, weight, bucket, bucket_at_ms, own_marks, first_mark_at_ms, last_mark_at_ms,
                                  mark_days, last_mark_day, last_contact_at_ms, contested_at_ms, corroborated)
SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::bigint[], string_to_array($3, ',')::float8[],
                     string_to_array($4, ',')::float8[], string_to_array($5, ',')::bigint[], string_to_array($6, ',')::int[],
                     string_to_array($7, ',')::bigint[], string_to_array($8, ',')::bigint[], string_to_array($9, ',')::int[],
                     string_to_array($10, ',')::int[], string_to_array($11, ',')::bigint[], string_to_array($12, ',')::bigint[],
                     string_to_array($13, ',')::boolean[])
ORDER BY 1, 2
ON CONFLICT (pseudonym, source) DO UPDATE SET
  weight = EXCLUDED.weight, bucket = EXCLUDED.bucket, bucket_at_ms = EXCLUDED.bucket_at_ms, own_marks = EXCLUDED.own_marks,
  first_mark_at_ms = EXCLUDED.first_mark_at_ms, last_mark_at_ms = EXCLUDED.last_mark_at_ms, mark_days = EXCLUDED.mark_days,
  last_mark_day = EXCLUDED.last_mark_day, last_contact_at_ms = EXCLUDED.last_contact_at_ms, contested_at_ms = EXCLUDED.contested_at_ms,
  corroborated = EXCLUDED.corroborated`;

/** Writes the states back; returns the numbers whose status changed, with their new versions. */
export async function saveStates(tx: Tx, saved: readonly SavedNumber[], rules: TrustRules, reputation: Reputation, now: Date): Promise<StatusChange[]> {
  if (saved.length === 0) return [];
  const nowMs = now.getTime();
  // Only the numbers whose status changed come back.
  const changed = await tx.$queryRawUnsafe<{ p: string; s: number; v: string }[]>(
    SAVE_HISTORY,
    join(saved.map((n) => n.pseudonym)),
    join(saved.map((n) => n.state.status)),
    join(saved.map((n) => Math.round(tally(n.state, rules, reputation, nowMs).score))),
    join(saved.map((n) => n.marks)),
    join(saved.map((n) => n.contacts)),
    join(saved.map((n) => n.state.invalidSince)),
    join(saved.map((n) => n.state.probationUntil)),
    join(saved.map((n) => n.state.strikes)),
    join(saved.map((n) => n.state.reassignedAt)),
    join(saved.map((n) => n.lastMarkAt)),
    join(saved.map((n) => n.lastContactAt)),
    join(saved.map((n) => n.state.status !== n.before)),
    now.toISOString(),
  );
  const evidence: Array<[bigint, SourceEvidence]> = saved.flatMap((n) => n.state.sources.map((entry) => [n.pseudonym, entry] as [bigint, SourceEvidence]));
  if (evidence.length > 0) {
    await tx.$executeRawUnsafe(
      SAVE_EVIDENCE,
      join(evidence.map(([p]) => p)),
      join(evidence.map(([, e]) => e.source)),
      join(evidence.map(([, e]) => e.weight)),
      join(evidence.map(([, e]) => e.bucket)),
      join(evidence.map(([, e]) => e.bucketAt)),
      join(evidence.map(([, e]) => e.ownMarks)),
      join(evidence.map(([, e]) => e.firstMarkAt)),
      join(evidence.map(([, e]) => e.lastMarkAt)),
      join(evidence.map(([, e]) => e.markDays)),
      join(evidence.map(([, e]) => e.lastMarkDay)),
      join(evidence.map(([, e]) => e.lastContactAt)),
      join(evidence.map(([, e]) => e.contestedAt)),
      join(evidence.map(([, e]) => e.corroborated)),
    );
  }
  const changes: StatusChange[] = changed.map((row) => ({ pseudonym: BigInt(row.p), status: Number(row.s), version: BigInt(row.v) }));
  return [...changes, ...(await saveOverrides(tx, saved, rules))];
}

/** What one batch adds to a source's reputation counters. */
export type ReputationDelta = { marks: number; contradicted: number; markedWeight: number; corroboratedWeight: number };

/** Adds to the sources' reputation counters: marks, contradicted marks, weight put on numbers and its corroborated part. */
export async function countReputation(tx: Tx, deltas: ReadonlyMap<bigint, ReputationDelta>): Promise<void> {
  const sources = [...deltas.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sources.length === 0) return;
  const column = (pick: (delta: ReputationDelta) => number) => join(sources.map((source) => pick(deltas.get(source)!)));
  await tx.$executeRawUnsafe(
    `INSERT INTO trust_sources AS t (source, marks, contradicted, marked_weight, corroborated_weight)
     SELECT * FROM unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')::bigint[], string_to_array($3, ',')::bigint[],
                          string_to_array($4, ',')::float8[], string_to_array($5, ',')::float8[]) ORDER BY 1
     ON CONFLICT (source) DO UPDATE SET marks = t.marks + EXCLUDED.marks, contradicted = t.contradicted + EXCLUDED.contradicted,
       marked_weight = t.marked_weight + EXCLUDED.marked_weight, corroborated_weight = t.corroborated_weight + EXCLUDED.corroborated_weight`,
    join(sources),
    column((delta) => delta.marks),
    column((delta) => delta.contradicted),
    column((delta) => delta.markedWeight),
    column((delta) => delta.corroboratedWeight),
  );
}

const byBigint = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Applies one tenant's batch of marks and contacts to the shared history. A contact on a number without a row
 * changes nothing (the history keeps evidence against numbers only, and no record that a tenant dials one).
 */
export async function applyTrustBatch(tx: Tx, source: bigint, inputs: readonly TrustInput[], rules: TrustRules, now: Date): Promise<StatusChange[]> {
  if (inputs.length === 0) return [];
  const nowMs = now.getTime();
  const byNumber = new Map<bigint, TrustInput[]>();
  for (const input of inputs) {
    const list = byNumber.get(input.pseudonym);
    if (list) list.push(input);
    else byNumber.set(input.pseudonym, [input]);
  }
  const pseudonyms = [...byNumber.keys()].sort(byBigint);
  const marked = pseudonyms.filter((p) => byNumber.get(p)!.some((input) => input.kind === 'mark'));
  const states = await lockStates(tx, pseudonyms, marked);
  const involved = new Set<bigint>([source]);
  for (const state of states.values()) for (const entry of state.sources) involved.add(entry.source);
  const reputation = await loadReputation(tx, [...involved].sort(byBigint), rules);

  const saved: SavedNumber[] = [];
  const deltas = new Map<bigint, ReputationDelta>();
  const delta = (of: bigint): ReputationDelta => {
    let entry = deltas.get(of);
    if (!entry) {
      entry = { marks: 0, contradicted: 0, markedWeight: 0, corroboratedWeight: 0 };
      deltas.set(of, entry);
    }
    return entry;
  };
  for (const pseudonym of pseudonyms) {
    const state = states.get(pseudonym);
    if (!state) continue;
    const before = state.status;
    applyTime(state, nowMs, rules, reputation);
    const entry: SavedNumber = { pseudonym, before, state, marks: 0, contacts: 0, lastMarkAt: 0, lastContactAt: 0 };
    // In the order the calls happened: a contact clears the marks before it, not the ones after.
    for (const input of byNumber.get(pseudonym)!.sort((a, b) => a.occurredAt - b.occurredAt)) {
      if (input.kind === 'mark') {
        const effect = applyMark(state, source, input.evidence, nowMs, rules, reputation);
        delta(source).markedWeight += effect.added;
        for (const credit of effect.corroborated) delta(credit.source).corroboratedWeight += credit.weight;
        entry.marks++;
        entry.lastMarkAt = nowMs;
      } else {
        for (const other of applyContact(state, source, nowMs, rules, reputation)) delta(other).contradicted++;
        entry.contacts++;
        entry.lastContactAt = nowMs;
      }
    }
    if (entry.marks > 0) delta(source).marks += entry.marks;
    saved.push(entry);
  }
  await countReputation(tx, deltas);
  // What this batch corroborated counts at once: a tenant whose marks another tenant just confirmed weighs again in
  // these verdicts, rather than from the next maintenance sweep.
  if ([...deltas.values()].some((entry) => entry.corroboratedWeight > 0)) {
    const settled = await loadReputation(tx, [...involved].sort(byBigint), rules);
    for (const entry of saved) recompute(entry.state, nowMs, rules, settled);
    return saveStates(tx, saved, rules, settled, now);
  }
  return saveStates(tx, saved, rules, reputation, now);
}

/**
 * Applies `change` to each state of `pseudonyms` in one transaction (locked, with the reputation of every source
 * involved) and saves them: what maintenance, quarantine and other whole-page rewrites share. Run again whole on
 * a deadlock. Returns the status changes for the caller to apply to its index.
 */
export function rewriteStates(
  prisma: PrismaClient,
  pseudonyms: readonly bigint[],
  rules: TrustRules,
  now: Date,
  change: (state: NumberState, reputation: Reputation) => void,
): Promise<StatusChange[]> {
  return retryOnConflict(() =>
    prisma.$transaction(async (tx) => {
      const states = await lockStates(tx, pseudonyms, []);
      const sources = new Set<bigint>();
      for (const state of states.values()) for (const entry of state.sources) sources.add(entry.source);
      const reputation = await loadReputation(tx, [...sources], rules);
      const saved: SavedNumber[] = [];
      for (const [pseudonym, state] of states) {
        const before = state.status;
        change(state, reputation);
        saved.push({ pseudonym, before, state, marks: 0, contacts: 0, lastMarkAt: 0, lastContactAt: 0 });
      }
      return saveStates(tx, saved, rules, reputation, now);
    }),
  );
}
