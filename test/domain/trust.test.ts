/**
 * The trust rules of the shared history (server/domain/trust.ts), tried as a hostile tenant or a broken trunk would.
 * Pure functions and an injected clock: no database. Each case is built so that it fails if the rule it names is
 * removed (e.g. the midnight burst uses a one-source variant of the rules so that only the rolling bucket stops it).
 */
import {
  applyContact,
  applyMark,
  applyTime,
  corroborationFactor,
  DEFAULT_TRUST_RULES,
  emptyState,
  explain,
  FULL_TRUST,
  type NumberState,
  recompute,
  type Reputation,
  reputationFactor,
  STATUS,
  statusFor,
  tally,
  type TrustRules,
} from '../../server/domain/trust';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Brazilian midnight (UTC−3) of 2025-03-10, as the server's clock would read it. */
const MIDNIGHT_BRT = Date.UTC(2025, 2, 10, 3, 0);
const T0 = Date.UTC(2025, 2, 3, 12, 0);
const RULES = DEFAULT_TRUST_RULES;
const [A, B, C, D] = [101n, 202n, 303n, 404n];

function marks(state: NumberState, source: bigint, count: number, from: number, every: number, rules: TrustRules = RULES, reputation: Reputation = FULL_TRUST): number {
  for (let i = 0; i < count; i++) applyMark(state, source, 'carrier', from + i * every, rules, reputation);
  return from + (count - 1) * every;
}

/** A and B, 5 carrier marks each on two days: the shared invalid list. Returns the time of the last mark. */
function invalidatedByTwo(state: NumberState, from = T0): number {
  marks(state, A, 3, from, HOUR);
  marks(state, B, 3, from, HOUR);
  marks(state, A, 2, from + DAY + HOUR, HOUR);
  return marks(state, B, 2, from + DAY + HOUR, HOUR);
}

function reputationOf(factors: Map<bigint, number>, quarantined = new Set<bigint>()): Reputation {
  return { factor: (source) => factors.get(source) ?? 1, quarantined: (source) => quarantined.has(source) };
}

describe('trust rules: poison', () => {
  it('when one source sends 5 marks at 23:59 and 5 at 00:01, then the rolling bucket counts 5 and the number is not invalid', () => {
    // One source allowed to decide alone, with room for 10: only the rate limit stands between it and the list.
    const loneRules = { ...RULES, minSources: 1, sourceWeightCap: 10, minSpanHours: 0 };
    const state = emptyState();
    marks(state, A, 5, MIDNIGHT_BRT - MINUTE, 1, loneRules);
    marks(state, A, 5, MIDNIGHT_BRT + MINUTE, 1, loneRules);
    expect(tally(state, loneRules, FULL_TRUST, MIDNIGHT_BRT + MINUTE).score).toBeCloseTo(5, 1);
    expect(state.status).toBe(STATUS.UNCONFIRMED);

    const shared = emptyState();
    marks(shared, A, 5, MIDNIGHT_BRT - MINUTE, 1);
    marks(shared, A, 5, MIDNIGHT_BRT + MINUTE, 1);
    expect(shared.status).toBe(STATUS.UNCONFIRMED);
  });

  it('when one source sends 1,000 marks in a day, then its weight is capped and the number is not invalid', () => {
    const loneRules = { ...RULES, minSources: 1, minSpanHours: 0 };
    const state = emptyState();
    marks(state, A, 1000, T0, DAY / 1000, loneRules);
    expect(tally(state, loneRules, FULL_TRUST, T0 + DAY).score).toBe(RULES.sourceWeightCap);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    expect(state.sources[0]!.ownMarks).toBe(1000);
  });

  it('when two sources send 10 marks within an hour, then the number is not invalid until their marks span minSpanHours', () => {
    const state = emptyState();
    marks(state, A, 5, T0, MINUTE);
    marks(state, B, 5, T0 + 10 * MINUTE, MINUTE);
    expect(tally(state, RULES, FULL_TRUST, T0 + HOUR)).toMatchObject({ score: 10, sources: 2 });
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    applyMark(state, A, 'carrier', T0 + (RULES.minSpanHours - 1) * HOUR, RULES);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    applyMark(state, A, 'carrier', T0 + RULES.minSpanHours * HOUR, RULES);
    expect(state.status).toBe(STATUS.INVALID);
  });

  it('when two sources mark a number over 2 days, then it is invalid for everybody', () => {
    const state = emptyState();
    const last = invalidatedByTwo(state);
    expect(state.status).toBe(STATUS.INVALID);
    expect(state.invalidSince).toBe(last);
    expect(statusFor(state, C, RULES)).toEqual({ status: STATUS.INVALID, own: false });
  });

  it('when agent tabulations are the evidence, then they weigh agentWeight each', () => {
    const state = emptyState();
    for (let i = 0; i < 4; i++) applyMark(state, A, 'agent', T0 + i * HOUR, RULES);
    expect(tally(state, RULES, FULL_TRUST, T0 + 4 * HOUR).score).toBeCloseTo(4 * RULES.agentWeight);
  });
});

describe('trust rules: rescue', () => {
  it('when a third source sends one fake contact on an invalid number, then it stays invalid for everybody but clean for that source', () => {
    const state = emptyState();
    invalidatedByTwo(state);
    const contradicted = applyContact(state, C, T0 + 3 * DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    expect(statusFor(state, C, RULES)).toEqual({ status: STATUS.CLEAN, own: true });
    expect(statusFor(state, A, RULES).status).toBe(STATUS.INVALID);
    expect(statusFor(state, D, RULES).status).toBe(STATUS.INVALID);
    // A lone contact contradicts nobody: one adversary's fake contacts would drain honest reputations.
    expect(contradicted).toEqual([]);
  });

  it('when one source sends 1,000 fake contacts on an invalid number, then it is still invalid for everybody else', () => {
    const state = emptyState();
    invalidatedByTwo(state);
    for (let i = 0; i < 1000; i++) applyContact(state, C, T0 + 3 * DAY + i * MINUTE, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    expect(statusFor(state, D, RULES).status).toBe(STATUS.INVALID);
  });

  it('when contacts come from 2 sources within the window, then the number is clean for everybody', () => {
    const state = emptyState();
    invalidatedByTwo(state);
    applyContact(state, C, T0 + 3 * DAY, RULES);
    const contradicted = applyContact(state, D, T0 + 5 * DAY, RULES);
    expect(contradicted.sort()).toEqual([A, B]);
    expect(state.status).toBe(STATUS.CLEAN);
    expect(tally(state, RULES, FULL_TRUST, T0 + 5 * DAY).score).toBe(0);
    expect(statusFor(state, A, RULES).status).toBe(STATUS.CLEAN);
  });

  it('when a contact predates the marks, then it does not join a later fake contact to clear the number', () => {
    // C reached the number before it died; A and B then proved it dead; D's one contact must not borrow C's.
    const state = emptyState();
    applyContact(state, C, T0 - 2 * DAY, RULES);
    invalidatedByTwo(state);
    applyContact(state, D, T0 + 3 * DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    expect(statusFor(state, A, RULES).status).toBe(STATUS.INVALID);
  });

  it('when an old noisy mark precedes a contact that precedes the death, then that contact still does not help a fake one', () => {
    const state = emptyState();
    applyMark(state, D, 'carrier', T0 - 5 * DAY, RULES); // a trunk's cause 1 on a no-answer, while it worked
    applyContact(state, C, T0 - 2 * DAY, RULES);
    invalidatedByTwo(state);
    applyContact(state, 505n, T0 + 3 * DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
  });
});

describe("trust rules: a source's own view", () => {
  it('when one source reports 10 tabulations of its own, then statusFor says invalid for that source only', () => {
    const state = emptyState();
    for (let i = 0; i < RULES.invalidThreshold; i++) applyMark(state, A, i % 2 ? 'carrier' : 'agent', T0 + i * 10 * MINUTE, RULES);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    expect(statusFor(state, A, RULES)).toEqual({ status: STATUS.INVALID, own: true });
    expect(statusFor(state, B, RULES)).toEqual({ status: STATUS.UNCONFIRMED, own: false });
    applyContact(state, A, T0 + DAY, RULES);
    expect(statusFor(state, A, RULES).status).not.toBe(STATUS.INVALID);
  });

  it("when a source's own marks are older than the quarantine, then they no longer remove the number from its mailings", () => {
    const state = emptyState();
    const last = marks(state, A, RULES.invalidThreshold, T0, HOUR);
    applyTime(state, last + (RULES.quarantineDays + 1) * DAY, RULES);
    expect(statusFor(state, A, RULES).status).toBe(STATUS.CLEAN);
  });
});

describe('trust rules: recycled numbers', () => {
  it('when marks expire, then probation, then one contact frees it for its source and two clear it, flagged possibly reassigned for an earlier contact', () => {
    const state = emptyState();
    applyContact(state, C, T0 - 60 * DAY, RULES);
    const last = invalidatedByTwo(state);
    applyTime(state, last + (RULES.quarantineDays - 1) * DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    applyTime(state, last + (RULES.quarantineDays + 1) * DAY, RULES);
    expect(state.status).toBe(STATUS.PROBATION);
    const contactAt = last + (RULES.quarantineDays + 3) * DAY;
    applyContact(state, D, contactAt, RULES);
    expect(state.status).toBe(STATUS.PROBATION);
    expect(statusFor(state, D, RULES).status).toBe(STATUS.CLEAN);
    applyContact(state, A, contactAt, RULES);
    expect(state.status).toBe(STATUS.CLEAN);
    expect(explain(state, C, contactAt, RULES).possiblyReassigned).toBe(true);
    expect(explain(state, D, contactAt, RULES).possiblyReassigned).toBe(false);
    expect(explain(state, A, contactAt, RULES).possiblyReassigned).toBe(false);
  });

  it('when probation sees no evidence for probationDays, then the number is clean again', () => {
    const state = emptyState();
    const last = invalidatedByTwo(state);
    const probationAt = last + (RULES.quarantineDays + 1) * DAY;
    applyTime(state, probationAt, RULES);
    applyTime(state, probationAt + (RULES.probationDays - 1) * DAY, RULES);
    expect(state.status).toBe(STATUS.PROBATION);
    applyTime(state, probationAt + RULES.probationDays * DAY, RULES);
    expect(state.status).toBe(STATUS.CLEAN);
  });

  it('when a number on probation gets carrier marks from 2 sources, then it is invalid with 1 strike and a longer quarantine', () => {
    const state = emptyState();
    const last = invalidatedByTwo(state);
    const probationAt = last + (RULES.quarantineDays + 1) * DAY;
    applyTime(state, probationAt, RULES);
    applyMark(state, C, 'carrier', probationAt + DAY, RULES);
    expect(state.status).toBe(STATUS.PROBATION); // one source alone cannot send it back
    const struckAt = probationAt + DAY + HOUR;
    applyMark(state, D, 'carrier', struckAt, RULES);
    expect(state).toMatchObject({ status: STATUS.INVALID, strikes: 1, invalidSince: struckAt });
    const longer = RULES.quarantineDays * RULES.requarantineFactor;
    expect(explain(state, C, struckAt, RULES).expiresAt).toBe(struckAt + longer * DAY);
    // The sweep must not undo it the next day, nor after the first quarantine: only after the longer one.
    applyTime(state, struckAt + DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    applyTime(state, struckAt + (RULES.quarantineDays + 10) * DAY, RULES);
    expect(state.status).toBe(STATUS.INVALID);
    applyTime(state, struckAt + (longer + 1) * DAY, RULES);
    expect(state.status).toBe(STATUS.PROBATION);
  });

  it('when one source sends agent marks on a number on probation, then it stays on probation', () => {
    const state = emptyState();
    const last = invalidatedByTwo(state);
    const probationAt = last + (RULES.quarantineDays + 1) * DAY;
    applyTime(state, probationAt, RULES);
    marks(state, C, 5, probationAt + HOUR, HOUR);
    applyMark(state, D, 'agent', probationAt + DAY, RULES);
    expect(state.status).toBe(STATUS.PROBATION);
  });
});

describe('trust rules: reputation and quarantine of sources', () => {
  it("when the operator quarantines a source, then its evidence stops counting and the verdict is recomputed", () => {
    const state = emptyState();
    const last = invalidatedByTwo(state);
    const quarantined = reputationOf(new Map(), new Set([B]));
    recompute(state, last + HOUR, RULES, quarantined);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    expect(tally(state, RULES, quarantined, last + HOUR)).toMatchObject({ score: 5, sources: 1 });
    recompute(state, last + 2 * HOUR, RULES, FULL_TRUST);
    expect(state.status).toBe(STATUS.INVALID);
  });

  it('when a quarantined source contacts an invalid number, then its contact does not help clear it', () => {
    const state = emptyState();
    invalidatedByTwo(state);
    const quarantined = reputationOf(new Map(), new Set([C]));
    applyContact(state, C, T0 + 3 * DAY, RULES, quarantined);
    applyContact(state, D, T0 + 3 * DAY + HOUR, RULES, quarantined);
    expect(state.status).toBe(STATUS.INVALID);
  });

  it("when other sources' contacts contradict most of a source's marks, then the source loses weight", () => {
    expect(reputationFactor(RULES.reputationMinMarks - 1, RULES.reputationMinMarks - 1, RULES)).toBe(1);
    expect(reputationFactor(100, 0, RULES)).toBe(1);
    expect(reputationFactor(100, 25, RULES)).toBeCloseTo(0.5);
    expect(reputationFactor(100, 60, RULES)).toBe(0);

    // A trunk that labels no-answers as cause 1: B marks 20 numbers, A and C reach each of them soon after.
    let contradictedB = 0;
    for (let i = 0; i < RULES.reputationMinMarks; i++) {
      const state = emptyState();
      applyMark(state, B, 'carrier', T0 + i * HOUR, RULES);
      expect(applyContact(state, A, T0 + i * HOUR + 2 * DAY, RULES)).toEqual([]);
      if (applyContact(state, C, T0 + i * HOUR + 2 * DAY, RULES).includes(B)) contradictedB++;
    }
    const factorB = reputationFactor(RULES.reputationMinMarks, contradictedB, RULES);
    expect(factorB).toBe(0);

    // With half its weight, B's 5 marks plus A's 5 no longer reach the threshold.
    const state = emptyState();
    invalidatedByTwo(state);
    const halved = reputationOf(new Map([[B, 0.5]]));
    recompute(state, T0 + 2 * DAY, RULES, halved);
    expect(tally(state, RULES, halved, T0 + 2 * DAY).score).toBeCloseTo(7.5);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
  });

  it("when a contact comes long after a source's marks, then it does not count against that source", () => {
    const state = emptyState();
    applyMark(state, B, 'carrier', T0, RULES);
    expect(applyContact(state, A, T0 + (RULES.contradictionWindowDays + 1) * DAY, RULES)).toEqual([]);
  });
});

/** The reputation ledger as the server and simulate:trust keep it: weight each source put on numbers, and its corroborated part. */
class Ledger implements Reputation {
  readonly marked = new Map<bigint, number>();
  readonly corroborated = new Map<bigint, number>();
  factor(source: bigint): number {
    return corroborationFactor(this.marked.get(source) ?? 0, this.corroborated.get(source) ?? 0, RULES);
  }
  quarantined(): boolean {
    return false;
  }
  mark(state: NumberState, source: bigint, at: number, evidence: 'carrier' | 'agent' = 'carrier'): void {
    const effect = applyMark(state, source, evidence, at, RULES, this);
    this.marked.set(source, (this.marked.get(source) ?? 0) + effect.added);
    for (const credit of effect.corroborated) this.corroborated.set(credit.source, (this.corroborated.get(credit.source) ?? 0) + credit.weight);
  }
}

const X = 666n; // the adversary
const N = 777n; // a tenant whose trunk labels some no-answers as Q.850 cause 1

/** X fakes 5 carrier marks on each of 20 working numbers nobody else reports: 100 uncorroborated weight. */
function fakeMarks(ledger: Ledger): void {
  for (let number = 0; number < 20; number++) {
    const state = emptyState();
    for (let i = 0; i < 5; i++) ledger.mark(state, X, T0 - 10 * DAY + number * MINUTE + i * HOUR);
  }
}

describe('trust rules: corroboration (who weighs)', () => {
  it('when a source marks numbers that other sources also mark, then that weight is corroborated and it weighs fully', () => {
    const ledger = new Ledger();
    for (let number = 0; number < 10; number++) {
      const state = emptyState();
      for (let i = 0; i < 3; i++) ledger.mark(state, A, T0 + number * MINUTE + i * HOUR);
      for (let i = 0; i < 3; i++) ledger.mark(state, B, T0 + DAY + number * MINUTE + i * HOUR);
    }
    expect(ledger.corroborated.get(A)).toBe(ledger.marked.get(A));
    expect(ledger.corroborated.get(B)).toBe(ledger.marked.get(B));
    expect(ledger.factor(A)).toBe(1);
    expect(ledger.factor(B)).toBe(1);
  });

  it('when a source\'s marked weight is not corroborated by anybody, then it weighs nothing once past reputationMinMarks', () => {
    expect(corroborationFactor(RULES.reputationMinMarks - 1, 0, RULES)).toBe(1);
    expect(corroborationFactor(100, 100 * RULES.corroborationFloor, RULES)).toBe(0);
    expect(corroborationFactor(100, 100 * RULES.corroborationTarget, RULES)).toBe(1);
    const ledger = new Ledger();
    fakeMarks(ledger);
    expect(ledger.marked.get(X)).toBe(100);
    expect(ledger.factor(X)).toBe(0);
  });

  it('when an adversary and a noisy trunk mark the same working number, then it is not invalid (their weights never meet)', () => {
    const ledger = new Ledger();
    fakeMarks(ledger);
    const state = emptyState();
    for (let i = 0; i < 5; i++) ledger.mark(state, X, T0 + i * HOUR);
    // The trunk's cause 1 on five no-answers over two days: with X's 5 that was 10 counted marks from 2 sources.
    for (let i = 0; i < 5; i++) ledger.mark(state, N, T0 + DAY + i * HOUR);
    expect(tally(state, RULES, ledger, T0 + 2 * DAY)).toMatchObject({ score: 5, sources: 1 });
    expect(state.status).toBe(STATUS.UNCONFIRMED);
    expect(tally(state, RULES, FULL_TRUST, T0 + 2 * DAY).score).toBe(10); // what the adversary's marks were worth before
  });

  it('when a number on probation has one source\'s marks from before it was reassigned, then the adversary\'s mark does not send it back', () => {
    const ledger = new Ledger();
    fakeMarks(ledger);
    const state = emptyState();
    const last = invalidatedByTwo(state);
    const probationAt = last + (RULES.quarantineDays + 1) * DAY;
    applyTime(state, probationAt, RULES, ledger);
    marks(state, C, 6, probationAt + HOUR, HOUR); // dead then; reassigned since
    ledger.mark(state, X, probationAt + 5 * DAY);
    expect(state.status).toBe(STATUS.PROBATION);
  });

  it('when a source marks a number already on the invalid list, then nobody is corroborated (reading the list buys no reputation)', () => {
    const ledger = new Ledger();
    const state = emptyState();
    invalidatedByTwo(state);
    ledger.mark(state, X, T0 + 3 * DAY);
    expect(ledger.corroborated.get(X) ?? 0).toBe(0);
    expect(ledger.corroborated.get(A) ?? 0).toBe(0);
  });

  it('when a source that weighs nothing fakes a contact after an honest one, then the marks before them are not wiped', () => {
    const ledger = new Ledger();
    fakeMarks(ledger);
    const state = emptyState();
    applyMark(state, N, 'carrier', T0, RULES, ledger);
    applyMark(state, N, 'carrier', T0 + HOUR, RULES, ledger);
    applyContact(state, C, T0 + DAY, RULES, ledger); // it worked then; it died since
    applyContact(state, X, T0 + 3 * DAY, RULES, ledger);
    expect(state.sources.find((entry) => entry.source === N)!.weight).toBe(2);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
  });

  it('when a source withdraws its own marks with a contact, then contacts older than those marks still do not agree', () => {
    const state = emptyState();
    const weightless = reputationOf(new Map([[X, 0]]));
    applyMark(state, N, 'carrier', T0, RULES, weightless);
    applyContact(state, C, T0 + DAY, RULES, weightless);
    for (let i = 0; i < 5; i++) applyMark(state, X, 'carrier', T0 + 2 * DAY + i * HOUR, RULES, weightless);
    applyContact(state, D, T0 + 3 * DAY, RULES, weightless); // after X's marks: C's older contact does not agree
    applyContact(state, X, T0 + 4 * DAY, RULES, weightless); // X's own marks go ...
    applyContact(state, X, T0 + 5 * DAY, RULES, weightless); // ... and C's contact is still older than them
    expect(state.sources.find((entry) => entry.source === N)!.weight).toBe(1);
    expect(state.status).toBe(STATUS.UNCONFIRMED);
  });
});
