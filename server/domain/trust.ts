/**
 * The trust rules of the shared history, as pure functions over one number's state (no I/O, time injected), so
 * the same code runs in the server (server/services/trustStore.ts loads and saves the states of a batch's numbers)
 * and in `npm run simulate:trust` (90 simulated days, in process). docs/rules.md states them in words.
 *
 * Every participant is a possible adversary or a broken trunk, so:
 * - Poison: one source's counted weight on a number is capped (`sourceWeightCap`, half the threshold by default)
 *   and accrues through a leaky bucket (`sourceRatePerDay` marks per rolling 24 h, no calendar boundary), so the
 *   shared invalid list needs `minSources` distinct sources, and their counted marks must span `minSpanHours`
 *   (a carrier outage answering 404 to everybody for an hour is not evidence).
 * - Rescue: a contact clears the reporting source's own marks at once; clearing the number for everybody takes
 *   contacts from `contactsToClear` distinct sources within `contactWindowDays`.
 * - Broken trunks: a source whose marks other sources contradict (a contact soon after its mark) loses weight.
 * - The second source: the cap stops one source alone, not one source completing another's evidence (stale marks
 *   of a reassigned number, a trunk's stray cause 1). A source's weight is earned: the share of the weight it put on
 *   numbers that other sources' own marks corroborated (corroborationFactor); a source below the floor is no source
 *   at all, for verdicts, probation strikes and the contacts that clear a number. It is built from marks only, so
 *   nobody's fake contacts can drain it, and marking what is already invalid earns nothing (docs/rules.md).
 * - Recycling: marks expire `quarantineDays` after the last one; an invalid number then goes on probation (a few
 *   dials let through per week) rather than straight back to clean.
 */

export const STATUS = { CLEAN: 0, UNCONFIRMED: 1, INVALID: 2, PROBATION: 3 } as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

/** What kind of answer a mark is: a carrier's permanent answer (SIP 404/410/484/604, Q.850 1/22/28) or an agent's tabulation. */
export type Evidence = 'carrier' | 'agent';

export type TrustRules = {
  invalidThreshold: number;
  minSources: number;
  sourceWeightCap: number;
  sourceRatePerDay: number;
  minSpanHours: number;
  agentWeight: number;
  contactsToClear: number;
  contactWindowDays: number;
  quarantineDays: number;
  requarantineFactor: number;
  probationDays: number;
  /** Reputation: marks contradicted within this many days by another source's contact count against the source. */
  contradictionWindowDays: number;
  /** Marks a source must have before its contradiction ratio lowers its weight. */
  reputationMinMarks: number;
  /** Weight lost per contradicted share: factor = 1 − slope × contradicted / marks. */
  reputationSlope: number;
  /**
   * Corroboration: of the weight a source put on numbers, the share on numbers that another (not quarantined) source
   * also marked while its marks were live. At or below the floor the source weighs nothing; at the target, fully.
   */
  corroborationFloor: number;
  corroborationTarget: number;
};

export const DEFAULT_TRUST_RULES: TrustRules = {
  invalidThreshold: 10,
  minSources: 2,
  sourceWeightCap: 5,
  sourceRatePerDay: 5,
  minSpanHours: 24,
  agentWeight: 0.5,
  contactsToClear: 2,
  contactWindowDays: 30,
  quarantineDays: 180,
  requarantineFactor: 2,
  probationDays: 28,
  contradictionWindowDays: 30,
  reputationMinMarks: 20,
  reputationSlope: 2,
  corroborationFloor: 0.1,
  corroborationTarget: 0.3,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One source's (tenant pseudonym's) evidence on one number. Times are epoch ms; 0 means never. */
export type SourceEvidence = {
  source: bigint;
  /** Counted invalid weight, after quality weights and the rate limit (the cap applies in the verdict). */
  weight: number;
  /** Leaky-bucket level of the rate limit and when it was last updated. */
  bucket: number;
  bucketAt: number;
  /** Every invalid tabulation of this source since its last contact: its own 10-tabulation rule. */
  ownMarks: number;
  firstMarkAt: number;
  lastMarkAt: number;
  /** Distinct days (UTC day numbers) with a counted mark, for the explanation. */
  markDays: number;
  lastMarkDay: number;
  lastContactAt: number;
  /** When this source contested the number's removal: on probation for this source only. */
  contestedAt: number;
  /** Another (not quarantined) source marked the number during this source's current streak (counted once). */
  corroborated: boolean;
};

export type NumberState = {
  status: Status;
  /** When the current invalid streak began (the number entered the invalid list), 0 when not invalid. */
  invalidSince: number;
  /** Probation: until when, and how many times the number came back from it as dead. */
  probationUntil: number;
  strikes: number;
  /**
   * When the invalid streak that corroborated contacts ended had begun: the number was probably reassigned, which
   * the explanation shows to sources whose last contact predates that streak.
   */
  reassignedAt: number;
  sources: SourceEvidence[];
};

export const emptyState = (): NumberState => ({ status: STATUS.CLEAN, invalidSince: 0, probationUntil: 0, strikes: 0, reassignedAt: 0, sources: [] });

/** A source's standing: its weight multiplier, and whether the operator quarantined it. */
export type Reputation = { factor(source: bigint): number; quarantined(source: bigint): boolean };
export const FULL_TRUST: Reputation = { factor: () => 1, quarantined: () => false };

/**
 * Weight multiplier from the share of the weight a source put on numbers that others corroborated. Trust has to be
 * earned by reporting numbers that other tenants, on their own, find dead too: fake marks on working numbers are
 * not corroborated (nobody else gets a permanent answer there), so they cost the faker its weight whatever numbers
 * it chooses, and no other tenant's contacts can lower it (nothing for fake contacts to drain). Weight, not
 * numbers: only a heavy streak can complete a verdict (the others are capped at half the threshold), and a broken
 * trunk's stray cause 1 on a no-answer is light, so it costs the trunk little of the weight of its real 404s.
 */
export function corroborationFactor(markedWeight: number, corroboratedWeight: number, rules: TrustRules): number {
  if (markedWeight < rules.reputationMinMarks) return 1;
  const share = corroboratedWeight / markedWeight;
  if (rules.corroborationTarget <= rules.corroborationFloor) return share > rules.corroborationFloor ? 1 : 0;
  return Math.max(0, Math.min(1, (share - rules.corroborationFloor) / (rules.corroborationTarget - rules.corroborationFloor)));
}

/** Weight multiplier from a source's marks and how many of them other sources contradicted. */
export function reputationFactor(marks: number, contradicted: number, rules: TrustRules): number {
  if (marks < rules.reputationMinMarks) return 1;
  return Math.max(0, Math.min(1, 1 - rules.reputationSlope * (contradicted / marks)));
}

function evidenceOf(state: NumberState, source: bigint): SourceEvidence {
  let evidence = state.sources.find((entry) => entry.source === source);
  if (!evidence) {
    evidence = { source, weight: 0, bucket: 0, bucketAt: 0, ownMarks: 0, firstMarkAt: 0, lastMarkAt: 0, markDays: 0, lastMarkDay: 0, lastContactAt: 0, contestedAt: 0, corroborated: false };
    state.sources.push(evidence);
  }
  return evidence;
}

/** What the shared verdict rests on: counted score, distinct sources and the span of their marks. */
export type Tally = { score: number; sources: number; spanHours: number; lastMarkAt: number };

/**
 * The history recorded before provenance (migration 20261202050000_trust_model): it passed the old rules (a
 * per-tenant daily cap, so at least two days or two tenants), so it keeps its old weight, uncapped and counting
 * as corroborated, until it expires like any other evidence.
 */
export const LEGACY_SOURCE = 0n;

export function tally(state: NumberState, rules: TrustRules, reputation: Reputation, now: number): Tally {
  let score = 0;
  let sources = 0;
  let first = Infinity;
  let last = 0;
  for (const evidence of state.sources) {
    if (evidence.weight <= 0 || reputation.quarantined(evidence.source)) continue;
    if (now - evidence.lastMarkAt > quarantineMs(state, rules)) continue;
    if (evidence.source === LEGACY_SOURCE) {
      score += evidence.weight;
      sources += rules.minSources;
      first = Math.min(first, evidence.lastMarkAt - rules.minSpanHours * HOUR);
      last = Math.max(last, evidence.lastMarkAt);
      continue;
    }
    const weight = Math.min(rules.sourceWeightCap, evidence.weight * reputation.factor(evidence.source));
    if (weight <= 0) continue;
    score += weight;
    sources++;
    first = Math.min(first, evidence.firstMarkAt);
    last = Math.max(last, evidence.lastMarkAt);
  }
  return { score, sources, spanHours: sources === 0 ? 0 : (last - first) / HOUR, lastMarkAt: last };
}

/** The shared status the evidence supports, before probation. */
function verdictOf(count: Tally, rules: TrustRules): Status {
  // A small epsilon: weights are fractional (agent marks, reputation) and sums of them drift.
  if (count.score + 1e-9 >= rules.invalidThreshold && count.sources >= rules.minSources && count.spanHours >= rules.minSpanHours) return STATUS.INVALID;
  return count.score > 1e-9 ? STATUS.UNCONFIRMED : STATUS.CLEAN;
}

/** The status follows the evidence, except on probation, which ends only by contact, corroborated marks or time. */
function settle(state: NumberState, rules: TrustRules, reputation: Reputation, now: number): void {
  if (state.status === STATUS.PROBATION) return;
  const count = tally(state, rules, reputation, now);
  let next = verdictOf(count, rules);
  // Sent back from probation by `minSources` permanent answers (applyMark), below the threshold by design: the
  // verdict holds while those sources still count, or the next sweep would undo the strike.
  if (next !== STATUS.INVALID && state.status === STATUS.INVALID && state.strikes > 0 && count.sources >= rules.minSources) next = STATUS.INVALID;
  if (next === STATUS.INVALID && state.status !== STATUS.INVALID) state.invalidSince = now;
  if (next !== STATUS.INVALID) state.invalidSince = 0;
  state.status = next;
}

/** What a mark changed in the sources' reputation ledger. */
export type MarkEffect = {
  /** Weight this mark added to the source's evidence on the number (0 over its rate or its raw cap). */
  added: number;
  /** Weight that became corroborated, per source: a streak's weight when corroborated, then each mark's. */
  corroborated: Array<{ source: bigint; weight: number }>;
};
const NO_EFFECT: MarkEffect = { added: 0, corroborated: [] };

/**
 * Corroboration between the counted mark of `own` and the other sources' live marks on the number: each streak is
 * corroborated once, whatever the standing of either source (standing comes from corroboration, so requiring it
 * would lock out every source of a pool that starts cold; a weightless source earns its weight back by reporting
 * numbers others find dead). Quarantined evidence corroborates nobody. A number already on the invalid list
 * corroborates nobody: marking the list a tenant can read would be free reputation.
 */
function corroborate(state: NumberState, own: SourceEvidence, rules: TrustRules, reputation: Reputation, now: number): MarkEffect['corroborated'] {
  if (state.status === STATUS.INVALID || reputation.quarantined(own.source)) return [];
  const named: MarkEffect['corroborated'] = [];
  for (const entry of state.sources) {
    if (entry === own || entry.weight <= 0 || reputation.quarantined(entry.source) || now - entry.lastMarkAt > quarantineMs(state, rules)) continue;
    if (!entry.corroborated) {
      entry.corroborated = true;
      named.push({ source: entry.source, weight: entry.weight });
    }
    if (!own.corroborated) {
      own.corroborated = true;
      named.push({ source: own.source, weight: own.weight });
    }
  }
  return named;
}

/**
 * An invalid tabulation from `source`: counted in its own marks, and in the shared score within its rate and cap.
 * Returns the weight it added and the weight it corroborated, for the sources' reputation ledger.
 */
export function applyMark(state: NumberState, source: bigint, evidence: Evidence, now: number, rules: TrustRules, reputation: Reputation = FULL_TRUST): MarkEffect {
  const own = evidenceOf(state, source);
  own.ownMarks++;
  const quality = evidence === 'carrier' ? 1 : rules.agentWeight;
  const rate = rules.sourceRatePerDay / DAY;
  const level = Math.max(0, own.bucket - (now - own.bucketAt) * rate);
  own.bucketAt = now;
  if (level + quality > rules.sourceRatePerDay + 1e-9) {
    own.bucket = level;
    return NO_EFFECT; // over this source's rate: counted in its own marks and the tallies, not in the shared score
  }
  own.bucket = level + quality;
  // Marks older than the quarantine no longer count: a fresh streak starts from this one.
  if (own.lastMarkAt > 0 && now - own.lastMarkAt > quarantineMs(state, rules)) own.weight = 0;
  if (own.weight === 0) {
    own.firstMarkAt = now;
    own.corroborated = false;
  }
  const before = own.weight;
  const wasCorroborated = own.corroborated;
  own.weight = Math.min(own.weight + quality, rules.sourceWeightCap * 2);
  own.lastMarkAt = now;
  const day = Math.floor(now / DAY);
  if (day !== own.lastMarkDay) {
    own.markDays++;
    own.lastMarkDay = day;
  }
  const added = own.weight - before;
  const effect: MarkEffect = { added, corroborated: corroborate(state, own, rules, reputation, now) };
  if (wasCorroborated && added > 0) effect.corroborated.push({ source, weight: added });
  if (state.status === STATUS.PROBATION) {
    // Still dead after its quarantine: permanent carrier answers from `minSources` sources send it back to the
    // invalid list with a longer quarantine next time. One source alone cannot (it would be a way to poison).
    const carriers = evidence === 'carrier' ? tally(state, rules, reputation, now).sources : 0;
    if (carriers >= rules.minSources) {
      state.strikes++;
      state.status = STATUS.INVALID;
      state.invalidSince = now;
      state.probationUntil = 0;
    }
    return effect;
  }
  settle(state, rules, reputation, now);
  return effect;
}

/**
 * A human answered, for `source`. Its own marks are cleared at once; everybody's only when contacts from
 * `contactsToClear` distinct sources agree within the window (on probation too). Returns the other sources whose
 * recent marks this contact contradicts, only when it cleared the number (their reputation pays for it).
 */
export function applyContact(state: NumberState, source: bigint, now: number, rules: TrustRules, reputation: Reputation = FULL_TRUST): bigint[] {
  const own = evidenceOf(state, source);
  // A contact older than the latest mark it would overturn says nothing about the number now (it may have died since).
  // The contacting source's own marks count here even as it withdraws them: otherwise a source could mark, then
  // "contact" to withdraw, and so let older contacts agree that its marks had kept out (simulate:trust: the
  // adversary's fake contacts wiped dead numbers' evidence that way).
  const evidenceSince = Math.max(0, ...state.sources.filter((entry) => entry.weight > 0 || entry.source === source).map((entry) => entry.lastMarkAt));
  const contradicted = state.sources
    .filter((entry) => entry.source !== source && entry.weight > 0 && now - entry.lastMarkAt <= rules.contradictionWindowDays * DAY)
    .map((entry) => entry.source);
  own.weight = 0;
  own.bucket = 0;
  own.ownMarks = 0;
  own.lastContactAt = now;
  const windowStart = Math.max(now - rules.contactWindowDays * DAY, evidenceSince, 1);
  // A source that weighs nothing (its marks were not corroborated) has no say in an undo either.
  const agreeing = state.sources.filter((entry) => entry.lastContactAt >= windowStart && !reputation.quarantined(entry.source) && reputation.factor(entry.source) > 0).length;
  // Probation too needs corroborated contacts: one contact there cleared numbers an adversary wanted back
  // (simulate:trust rescued 4,151 dead numbers that way). The contacting source dials it again at once (statusFor).
  if (agreeing >= rules.contactsToClear) {
    // Back from the dead: whoever reached it before that streak began may now reach somebody else.
    if (state.status === STATUS.PROBATION || state.status === STATUS.INVALID) state.reassignedAt = state.invalidSince || now;
    for (const entry of state.sources) {
      entry.weight = 0;
      entry.bucket = 0;
    }
    state.status = STATUS.CLEAN;
    state.invalidSince = 0;
    state.probationUntil = 0;
    // Only a corroborated contact contradicts the marks: one adversary's fake contacts on dead numbers would
    // otherwise drain every honest tenant's reputation (simulate:trust: all factors at 0 by day 77).
    return contradicted;
  }
  settle(state, rules, reputation, now);
  return [];
}

function quarantineMs(state: NumberState, rules: TrustRules): number {
  return rules.quarantineDays * DAY * rules.requarantineFactor ** state.strikes;
}

/**
 * Time passing (the maintenance sweep, and before any use of a loaded state): an invalid number whose evidence
 * is older than its quarantine goes on probation; probation that saw no new evidence ends clean; unconfirmed
 * numbers whose marks expired are clean again.
 */
export function applyTime(state: NumberState, now: number, rules: TrustRules, reputation: Reputation = FULL_TRUST): void {
  const lastMark = Math.max(0, ...state.sources.map((entry) => entry.lastMarkAt));
  const expired = lastMark > 0 && now - lastMark > quarantineMs(state, rules);
  // Expired marks no longer count anywhere, the source's own 10-tabulation rule included.
  if (expired) for (const entry of state.sources) entry.ownMarks = 0;
  if (state.status === STATUS.INVALID && expired) {
    for (const entry of state.sources) entry.weight = 0;
    state.status = STATUS.PROBATION;
    state.probationUntil = now + rules.probationDays * DAY;
    return;
  }
  if (state.status === STATUS.PROBATION) {
    if (now >= state.probationUntil) {
      state.status = STATUS.CLEAN;
      state.invalidSince = 0;
      state.probationUntil = 0;
    }
    return;
  }
  if (expired) for (const entry of state.sources) entry.weight = 0;
  settle(state, rules, reputation, now);
}

/** The operator quarantined a source or its reputation changed: the verdict is recomputed from the rest. */
export function recompute(state: NumberState, now: number, rules: TrustRules, reputation: Reputation): void {
  settle(state, rules, reputation, now);
}

/** A tenant withdraws its own contributions to one number (its right; erasure of the whole row is the operator's). */
export function withdraw(state: NumberState, source: bigint, now: number, rules: TrustRules, reputation: Reputation = FULL_TRUST): void {
  state.sources = state.sources.filter((entry) => entry.source !== source);
  recompute(state, now, rules, reputation);
}

/**
 * What one source sees for a number: the shared status, except that its own 10 tabulations remove the number
 * from its own mailings (the single-tenant rule it had before the pool), and its own contact since the invalid
 * streak began lets it dial the number (it proved it works for it).
 */
export function statusFor(state: NumberState, source: bigint, rules: TrustRules): { status: Status; own: boolean } {
  const own = state.sources.find((entry) => entry.source === source);
  if (own && own.ownMarks >= rules.invalidThreshold && state.status !== STATUS.INVALID) return { status: STATUS.INVALID, own: true };
  const removed = state.status === STATUS.INVALID || state.status === STATUS.PROBATION;
  if (own && removed && own.lastContactAt > state.invalidSince) return { status: STATUS.CLEAN, own: true };
  if (own && state.status === STATUS.INVALID && own.contestedAt > state.invalidSince) return { status: STATUS.PROBATION, own: true };
  return { status: state.status, own: false };
}

/** A source contests a removal: the number goes on probation for it alone (the pool's verdict is unchanged). */
export function contest(state: NumberState, source: bigint, now: number): void {
  evidenceOf(state, source).contestedAt = now;
}

/** Why a number was removed, for a source that holds it in a mailing: counts, never identities. */
export type Explanation = {
  status: Status;
  countedMarks: number;
  distinctSources: number;
  distinctDays: number;
  lastSeenAt: number;
  expiresAt: number;
  possiblyReassigned: boolean;
};

export function explain(state: NumberState, source: bigint, now: number, rules: TrustRules, reputation: Reputation = FULL_TRUST): Explanation {
  const count = tally(state, rules, reputation, now);
  const own = state.sources.find((entry) => entry.source === source);
  return {
    status: statusFor(state, source, rules).status,
    countedMarks: Math.round(count.score * 10) / 10,
    distinctSources: count.sources,
    distinctDays: state.sources.reduce((sum, entry) => sum + (entry.weight > 0 ? entry.markDays : 0), 0),
    lastSeenAt: count.lastMarkAt,
    expiresAt: count.lastMarkAt === 0 ? 0 : count.lastMarkAt + quarantineMs(state, rules),
    possiblyReassigned: state.reassignedAt > 0 && (own?.lastContactAt ?? 0) > 0 && (own?.lastContactAt ?? 0) < state.reassignedAt,
  };
}
