/**
 * The simulated population for `npm run simulate:trust`: numbers, their fates, the honest tenants' mailings and
 * dialing campaigns. Compact on purpose (typed arrays per number; a NumberState only once a number gets evidence),
 * so 1M numbers fit in a few hundred MB. Every modelling choice is a named constant here and printed in the report.
 */
import { applyMark, applyTime, emptyState, type NumberState, type TrustRules } from '../../server/domain/trust';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2 June 2025, 00:00 in Brasília (UTC−3): day 0 of the simulation. */
export const START = Date.UTC(2025, 5, 2, 3, 0);

export const MODEL = {
  honestTenants: 20,
  deadAtStart: 0.15,
  /** Of the numbers dead at the start, the share the pool already holds as invalid (marked 0–180 days before day 0). */
  knownDeadShare: 0.5,
  /** Working numbers cancelled per 30 days (they die; the carrier holds them 180 days before reassigning). */
  monthlyDeaths: 0.01,
  /** Of the numbers known dead at the start, the share the carrier reassigns 180–240 days after they died. */
  reassignedShare: 0.5,
  mailingShare: 0.15,
  /** Each mailing number is in a campaign burst `burstDays` of every `cycleDays`, dialed at each of `slotHours` (BRT) until contacted. */
  cycleDays: 30,
  burstDays: 5,
  slotHours: [9, 13, 17],
  /** Per attempt on a working number: most answer sometimes, some rarely. */
  contactProbability: 0.35,
  rarelyAnsweringShare: 0.3,
  rareContactProbability: 0.05,
  /** Dead numbers: the carrier's permanent answer (sip:404), else the agent's "número inexistente", else nothing. */
  deadCarrierAnswer: 0.88,
  deadAgentAnswer: 0.1,
  /** Tenant 0's trunk labels this share of its no-answers as Q.850 cause 1. */
  noisyTrunkShare: 0.05,
  /** A number on probation may be dialed in a week by this share of the tenants that hold it (a lottery per tenant, number and week). */
  probationDialShare: 0.1,
  adversaryFakeMarksPerDay: 10_000,
  adversaryMarksPerTarget: 5,
  adversaryFakeContactsPerDay: 10_000,
  adversaryLookupsPerDay: 2_000_000,
  /** Verdict lookups per rolling day: base + factor × the tenant's average daily tabulations over the last 30 days. */
  lookupBase: 50_000,
  lookupPerTabulation: 2,
};

/**
 * How the reputation ledger counts the sources applyContact names: `any` (every contact, as the rules return them)
 * or `corroborated` (only when the contact cleared the number for everybody, so one source's word cannot cost others).
 */
export type ContradictionLedger = 'any' | 'corroborated';
export type Options = { numbers: number; days: number; seed: number; rules: TrustRules; ledger: ContradictionLedger; write: boolean };

/** xorshift32: seeded, fast, good enough for a simulation. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4_294_967_296;
  };
}

/** A stateless hash in [0, 1) for lotteries that must give the same answer on every call. */
export function hashUnit(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x85ebca6b, 0xcc9e2d51) ^ Math.imul(b + 0x1b873593, 0x27d4eb2f) ^ Math.imul(c + 0x165667b1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

export const ADVERSARY = MODEL.honestTenants;
export const NOISY_TENANT = 0;
/** Source pseudonyms 1..21 (0 is the legacy source of the migrated history). */
export const SOURCES = Array.from({ length: MODEL.honestTenants + 1 }, (_v, tenant) => BigInt(tenant + 1));
export const tenantOf = (source: bigint): number => Number(source) - 1;

export class World {
  readonly alive: Uint8Array;
  readonly rarelyAnswers: Uint8Array;
  /** Day a working number dies, or a dead one is reassigned (-1: never in the simulation). */
  readonly fateDay: Int16Array;
  readonly wasReassigned: Uint8Array;
  /** Index into `states`, -1 while the number has no evidence. */
  readonly stateIndex: Int32Array;
  readonly states: NumberState[] = [];
  readonly stateNumber: number[] = [];
  /** The two most recent distinct sources that reached a number with no state yet, so a later state starts with them. */
  readonly contactSource: Int8Array;
  readonly contactAt: Float64Array;
  /** Per tenant: its mailing, grouped by the day offset of each number's campaign burst. */
  readonly mailings: Int32Array[][];
  /** Per tenant and mailing entry: contacted during the current burst (the dialer stops dialing it). */
  readonly reached: Uint8Array[];

  constructor(
    readonly numbers: number,
    readonly rules: TrustRules,
    readonly random: () => number,
  ) {
    this.alive = new Uint8Array(numbers);
    this.rarelyAnswers = new Uint8Array(numbers);
    this.fateDay = new Int16Array(numbers).fill(-1);
    this.wasReassigned = new Uint8Array(numbers);
    this.stateIndex = new Int32Array(numbers).fill(-1);
    this.contactSource = new Int8Array(numbers * 2).fill(-1);
    this.contactAt = new Float64Array(numbers * 2);
    this.mailings = [];
    this.reached = [];
  }

  stateOf(number: number): NumberState | undefined {
    const index = this.stateIndex[number]!;
    return index < 0 ? undefined : this.states[index];
  }

  /** The state of a number that gets its first evidence, with the contacts it had before (as the server would hold them). */
  createState(number: number): NumberState {
    const state = emptyState();
    for (let slot = 0; slot < 2; slot++) {
      const tenant = this.contactSource[number * 2 + slot]!;
      if (tenant < 0) continue;
      state.sources.push({
        source: SOURCES[tenant]!,
        weight: 0,
        bucket: 0,
        bucketAt: 0,
        ownMarks: 0,
        firstMarkAt: 0,
        lastMarkAt: 0,
        markDays: 0,
        lastMarkDay: 0,
        lastContactAt: this.contactAt[number * 2 + slot]!,
        contestedAt: 0,
        corroborated: false,
      });
    }
    this.stateIndex[number] = this.states.length;
    this.states.push(state);
    this.stateNumber.push(number);
    return state;
  }

  /** A contact on a number with no state: remembered compactly (no NumberState per clean, never-marked number). */
  rememberContact(number: number, tenant: number, now: number): void {
    const first = number * 2;
    if (this.contactSource[first] !== tenant) {
      this.contactSource[first + 1] = this.contactSource[first]!;
      this.contactAt[first + 1] = this.contactAt[first]!;
      this.contactSource[first] = tenant;
    }
    this.contactAt[first] = now;
  }
}

/** Day 0: who is dead, what the pool already knows, who dies or is reassigned during the run, and the mailings. */
export function buildWorld(options: Options, random: () => number): World {
  const world = new World(options.numbers, options.rules, random);
  const rules = options.rules;
  const deathsPerDay = MODEL.monthlyDeaths / 30;
  for (let number = 0; number < options.numbers; number++) {
    world.rarelyAnswers[number] = random() < MODEL.rarelyAnsweringShare ? 1 : 0;
    if (random() >= MODEL.deadAtStart) {
      world.alive[number] = 1;
      // Geometric draw of the day this working number is cancelled, if within the run.
      const deathDay = Math.floor(Math.log(1 - random()) / Math.log(1 - deathsPerDay));
      if (deathDay < options.days) world.fateDay[number] = deathDay;
      continue;
    }
    if (random() >= MODEL.knownDeadShare) continue; // dead, but nobody has reported it yet
    // Known dead: 2–3 tenants proved it in the past; its last mark is 0–180 days old.
    const lastMarkAt = START - Math.floor(random() * rules.quarantineDays * DAY);
    const diedAt = lastMarkAt - 10 * DAY;
    const state = world.createState(number);
    const witnesses = 2 + Math.floor(random() * 2);
    for (let witness = 0; witness < witnesses; witness++) {
      const source = SOURCES[Math.floor(random() * MODEL.honestTenants)]!;
      // Three marks a day on two days, in time order: 26 hours of evidence.
      for (let mark = 0; mark < 6; mark++) applyMark(state, source, 'carrier', lastMarkAt - (mark < 3 ? DAY : 0) - ((5 - mark) % 3) * HOUR - witness * 60_000, rules);
    }
    applyTime(state, START, rules);
    if (random() < MODEL.reassignedShare) {
      const reassignedAt = diedAt + 180 * DAY + random() * 60 * DAY;
      const day = Math.floor((reassignedAt - START) / DAY);
      if (day < 0) {
        world.alive[number] = 1;
        world.wasReassigned[number] = 1;
      } else if (day < options.days) world.fateDay[number] = day;
    }
  }
  for (let tenant = 0; tenant < MODEL.honestTenants; tenant++) {
    const byOffset: number[][] = Array.from({ length: MODEL.cycleDays }, () => []);
    let size = 0;
    for (let number = 0; number < options.numbers; number++) {
      if (random() >= MODEL.mailingShare) continue;
      byOffset[Math.floor(random() * MODEL.cycleDays)]!.push(number);
      size++;
    }
    world.mailings.push(byOffset.map((group) => Int32Array.from(group)));
    world.reached.push(new Uint8Array(size));
  }
  return world;
}
