/**
 * The 90-day run of `npm run simulate:trust`: honest tenants dial their campaigns, the adversary poisons, rescues
 * and enumerates, and every piece of evidence goes through the real rules of server/domain/trust.ts with the
 * simulated clock. The filter, the reputation ledger and the read meter are modelled the way the server keeps them.
 */
import { applyContact, applyMark, applyTime, corroborationFactor, type Evidence, type NumberState, type Reputation, reputationFactor, STATUS, statusFor, tally } from '../../server/domain/trust';
import { ADVERSARY, buildWorld, DAY, hashUnit, HOUR, MODEL, NOISY_TENANT, type Options, prng, SOURCES, START, tenantOf } from './world';

const TENANTS = MODEL.honestTenants + 1;
const WINDOW = 30;

export type Metrics = {
  workingEver: number;
  wrongInvalid: { total: number; adversary: number; noise: number; other: number };
  dead: { eligible: number; caught: number; daysToCatch: number[] };
  rescued: { total: number; fromInvalid: number; fromProbation: number; marksWiped: number };
  reads: { adversaryTried: number; adversaryGranted: number; adversaryBeyondBudget: number; adversaryBudgetLastDay: number; honestRefused: number };
  probation: { entered: number; struck: number; clearedByContact: number; endedClean: number };
  reassigned: { total: number; stillInvalidAtEnd: number };
  deaths: number;
  honestDials: number;
  factors: { adversary: number; noisy: number; honestMin: number };
  /** Share of the weight each kind of source put on numbers that others corroborated, over the last rolling window. */
  corroboration: { adversary: number; noisy: number; honestMin: number };
  peakStates: number;
};

export function simulate(options: Options, progress: (line: string) => void): Metrics {
  const random = prng(options.seed);
  const rules = options.rules;
  const world = buildWorld(options, random);
  const numbers = options.numbers;

  // Per number, one episode at a time (from its death, or from leaving the invalid list while dead): which honest
  // tenants dialed it, and when the second one did. An episode closes when the pool catches the number (counted
  // then: within 7 days or late), or is counted missed at the end or at a reassignment once its 7 days are over.
  const dialers = new Uint32Array(numbers);
  const secondDialAt = new Float64Array(numbers);
  const openEpisode = (number: number): void => {
    dialers[number] = 0;
    secondDialAt[number] = 0;
  };
  const closeEpisode = (number: number, caughtAt: number): void => {
    const second = secondDialAt[number]!;
    if (second > 0 && (caughtAt > 0 || second + 7 * DAY <= START + today * DAY)) {
      metrics.dead.eligible++;
      if (caughtAt > 0 && caughtAt <= second + 7 * DAY) {
        metrics.dead.caught++;
        metrics.dead.daysToCatch.push((caughtAt - second) / DAY);
      }
    }
    openEpisode(number);
  };
  const wronglyInvalid = new Uint8Array(numbers);
  const rescued = new Uint8Array(numbers);

  // Reputation ledger: per source and day of a rolling window, marks reported and marks contradicted.
  const marksByDay = new Float64Array(TENANTS * WINDOW);
  const contradictedByDay = new Float64Array(TENANTS * WINDOW);
  const tabulationsByDay = new Float64Array(TENANTS * WINDOW);
  const weightByDay = new Float64Array(TENANTS * WINDOW);
  const corroboratedByDay = new Float64Array(TENANTS * WINDOW);
  const factors = new Float64Array(TENANTS).fill(1);
  const reputation: Reputation = { factor: (source) => factors[tenantOf(source)] ?? 1, quarantined: () => false };
  let today = 0;
  const windowSum = (ledger: Float64Array, tenant: number): number => {
    let sum = 0;
    for (let day = 0; day < WINDOW; day++) sum += ledger[tenant * WINDOW + day]!;
    return sum;
  };
  const count = (ledger: Float64Array, tenant: number, amount = 1): void => {
    ledger[tenant * WINDOW + (today % WINDOW)]! += amount;
  };

  const metrics: Metrics = {
    workingEver: 0,
    wrongInvalid: { total: 0, adversary: 0, noise: 0, other: 0 },
    dead: { eligible: 0, caught: 0, daysToCatch: [] },
    rescued: { total: 0, fromInvalid: 0, fromProbation: 0, marksWiped: 0 },
    reads: { adversaryTried: 0, adversaryGranted: 0, adversaryBeyondBudget: 0, adversaryBudgetLastDay: 0, honestRefused: 0 },
    probation: { entered: 0, struck: 0, clearedByContact: 0, endedClean: 0 },
    reassigned: { total: 0, stillInvalidAtEnd: 0 },
    deaths: 0,
    honestDials: 0,
    factors: { adversary: 1, noisy: 1, honestMin: 1 },
    corroboration: { adversary: 1, noisy: 1, honestMin: 1 },
    peakStates: 0,
  };

  const counts = (state: NumberState, tenant: number, now: number): boolean => {
    const evidence = state.sources.find((entry) => entry.source === SOURCES[tenant]);
    return !!evidence && evidence.weight > 0 && factors[tenant]! > 0 && now - evidence.lastMarkAt <= rules.quarantineDays * rules.requarantineFactor ** state.strikes * DAY;
  };

  /** Bookkeeping of one status change, whatever caused it. */
  const transition = (number: number, state: NumberState, before: number, now: number): void => {
    const after = state.status;
    if (after === before) return;
    if (after === STATUS.INVALID) {
      if (world.alive[number]) {
        if (!wronglyInvalid[number]) {
          wronglyInvalid[number] = 1;
          metrics.wrongInvalid.total++;
          if (counts(state, ADVERSARY, now)) metrics.wrongInvalid.adversary++;
          else if (counts(state, NOISY_TENANT, now)) metrics.wrongInvalid.noise++;
          else metrics.wrongInvalid.other++;
        }
      } else closeEpisode(number, now);
      if (before === STATUS.PROBATION) metrics.probation.struck++;
    }
    if (after === STATUS.PROBATION) metrics.probation.entered++;
    if (before === STATUS.PROBATION && after === STATUS.CLEAN) {
      if (state.reassignedAt === now) metrics.probation.clearedByContact++;
      else metrics.probation.endedClean++;
    }
    // A dead number back in the mailings: a new episode of "caught within 7 days".
    if (before === STATUS.INVALID && !world.alive[number]) openEpisode(number);
  };

  const provenWithout = (state: NumberState, tenant: number, now: number): boolean => {
    const others = tally(state, rules, { factor: reputation.factor, quarantined: (source) => source === SOURCES[tenant] }, now);
    return others.score + 1e-9 >= rules.invalidThreshold && others.sources >= rules.minSources && others.spanHours >= rules.minSpanHours;
  };

  /** Time first, as the server does with every state it loads: what follows is the event's own effect. */
  const loaded = (number: number, state: NumberState, now: number): number => {
    const before = state.status;
    applyTime(state, now, rules, reputation);
    transition(number, state, before, now);
    return state.status;
  };

  const mark = (number: number, tenant: number, evidence: Evidence, now: number): void => {
    const state = world.stateOf(number) ?? world.createState(number);
    const before = loaded(number, state, now);
    const effect = applyMark(state, SOURCES[tenant]!, evidence, now, rules, reputation);
    count(weightByDay, tenant, effect.added);
    for (const credit of effect.corroborated) count(corroboratedByDay, tenantOf(credit.source), credit.weight);
    count(marksByDay, tenant);
    count(tabulationsByDay, tenant);
    transition(number, state, before, now);
  };

  const contact = (number: number, tenant: number, now: number): void => {
    count(tabulationsByDay, tenant);
    const state = world.stateOf(number);
    if (!state) {
      world.rememberContact(number, tenant, now);
      return;
    }
    const before = loaded(number, state, now);
    const othersWeight = (): number => state.sources.reduce((sum, entry) => sum + (entry.source !== SOURCES[tenant] ? entry.weight : 0), 0);
    const weightBefore = tenant === ADVERSARY ? othersWeight() : 0;
    // A rescue overturns what others proved: the adversary withdrawing its own marks from a verdict they made is not one.
    const provedByOthers = tenant === ADVERSARY && before === STATUS.INVALID && provenWithout(state, ADVERSARY, now);
    for (const source of applyContact(state, SOURCES[tenant]!, now, rules, reputation)) {
      if (options.ledger === 'any' || state.sources.find((entry) => entry.source === source)?.weight === 0) count(contradictedByDay, tenantOf(source));
    }
    if (tenant === ADVERSARY && !world.alive[number] && !rescued[number]) {
      const fromInvalid = provedByOthers && state.status !== STATUS.INVALID;
      const fromProbation = before === STATUS.PROBATION && state.status !== STATUS.PROBATION;
      const wiped = weightBefore > 0 && othersWeight() === 0;
      if (fromInvalid || fromProbation || wiped) {
        rescued[number] = 1;
        metrics.rescued.total++;
        if (fromInvalid) metrics.rescued.fromInvalid++;
        else if (fromProbation) metrics.rescued.fromProbation++;
        else metrics.rescued.marksWiped++;
      }
    }
    transition(number, state, before, now);
  };

  /** One honest attempt, if the tenant's filtered mailing still holds the number. Returns true on a contact. */
  const dial = (number: number, tenant: number, now: number, week: number): boolean => {
    const state = world.stateOf(number);
    if (state) {
      if (state.status === STATUS.PROBATION) {
        if (hashUnit(number, tenant, week) >= MODEL.probationDialShare) return false;
      } else if (statusFor(state, SOURCES[tenant]!, rules).status === STATUS.INVALID) return false;
    }
    metrics.honestDials++;
    if (!world.alive[number]) {
      const mask = dialers[number]! | (1 << tenant);
      if (mask !== dialers[number] && secondDialAt[number] === 0 && (mask & (mask - 1)) !== 0) secondDialAt[number] = now;
      dialers[number] = mask;
      const answer = random();
      if (answer < MODEL.deadCarrierAnswer) mark(number, tenant, 'carrier', now);
      else if (answer < MODEL.deadCarrierAnswer + MODEL.deadAgentAnswer) mark(number, tenant, 'agent', now);
      else count(tabulationsByDay, tenant);
      return false;
    }
    const answers = world.rarelyAnswers[number] ? MODEL.rareContactProbability : MODEL.contactProbability;
    if (random() < answers) {
      contact(number, tenant, now);
      return true;
    }
    if (tenant === NOISY_TENANT && random() < MODEL.noisyTrunkShare) mark(number, tenant, 'carrier', now);
    else count(tabulationsByDay, tenant);
    return false;
  };

  const lookupBudget = (tenant: number): number => MODEL.lookupBase + (MODEL.lookupPerTabulation * windowSum(tabulationsByDay, tenant)) / WINDOW;
  const started = Date.now();

  for (today = 0; today < options.days; today++) {
    const dayStart = START + today * DAY;
    const week = Math.floor(today / 7);
    for (let tenant = 0; tenant < TENANTS; tenant++) {
      marksByDay[tenant * WINDOW + (today % WINDOW)] = 0;
      contradictedByDay[tenant * WINDOW + (today % WINDOW)] = 0;
      tabulationsByDay[tenant * WINDOW + (today % WINDOW)] = 0;
      weightByDay[tenant * WINDOW + (today % WINDOW)] = 0;
      corroboratedByDay[tenant * WINDOW + (today % WINDOW)] = 0;
    }
    // Fates of the day: cancellations and reassignments.
    for (let number = 0; number < numbers; number++) {
      if (world.fateDay[number] !== today) continue;
      if (world.alive[number]) {
        world.alive[number] = 0;
        metrics.deaths++;
        openEpisode(number);
      } else {
        closeEpisode(number, 0);
        world.alive[number] = 1;
        world.wasReassigned[number] = 1;
      }
    }
    // The maintenance sweep: time passes and reputations changed, so every state is settled again.
    for (let index = 0; index < world.states.length; index++) {
      const state = world.states[index]!;
      const before = state.status;
      applyTime(state, dayStart, rules, reputation);
      transition(world.stateNumber[index]!, state, before, dayStart);
    }
    // Honest campaigns: each mailing number is in a burst of `burstDays` days; three attempts a day until reached.
    for (let tenant = 0; tenant < MODEL.honestTenants; tenant++) {
      let dialable = 0;
      for (let back = 0; back < MODEL.burstDays; back++) dialable += world.mailings[tenant]![(today - back + MODEL.cycleDays * 10) % MODEL.cycleDays]!.length;
      if (dialable > lookupBudget(tenant)) metrics.reads.honestRefused += dialable - lookupBudget(tenant);
    }
    for (const [slot, hour] of MODEL.slotHours.entries()) {
      for (let tenant = 0; tenant < MODEL.honestTenants; tenant++) {
        const now = dayStart + hour * HOUR + tenant * 60_000;
        const reached = world.reached[tenant]!;
        let entry = 0;
        for (let offset = 0; offset < MODEL.cycleDays; offset++) {
          const group = world.mailings[tenant]![offset]!;
          const age = (today - offset + MODEL.cycleDays * 10) % MODEL.cycleDays;
          if (age >= MODEL.burstDays) {
            entry += group.length;
            continue;
          }
          for (let at = 0; at < group.length; at++, entry++) {
            if (slot === 0 && age === 0) reached[entry] = 0;
            if (reached[entry]) continue;
            if (dial(group[at]!, tenant, now + at * 0.1, week)) reached[entry] = 1;
          }
        }
      }
    }
    // The adversary: fake invalid marks on working numbers (5 a target, the most its rate lets count) ...
    for (let made = 0; made < MODEL.adversaryFakeMarksPerDay; ) {
      const number = Math.floor(random() * numbers);
      if (!world.alive[number]) continue;
      for (let fake = 0; fake < MODEL.adversaryMarksPerTarget; fake++, made++) mark(number, ADVERSARY, 'carrier', dayStart + (10 + fake) * HOUR);
    }
    // ... fake contacts on dead numbers the pool holds evidence on (worst case: it knows which they are) ...
    const deadKnown: number[] = [];
    for (let index = 0; index < world.states.length; index++) if (!world.alive[world.stateNumber[index]!]) deadKnown.push(world.stateNumber[index]!);
    for (let made = 0; made < MODEL.adversaryFakeContactsPerDay && deadKnown.length > 0; made++) {
      contact(deadKnown[Math.floor(random() * deadKnown.length)]!, ADVERSARY, dayStart + 19 * HOUR + made);
    }
    // ... and enumeration of verdicts, which the meter refuses past the budget its tabulations earned.
    const budget = lookupBudget(ADVERSARY);
    const granted = Math.min(MODEL.adversaryLookupsPerDay, budget);
    metrics.reads.adversaryTried += MODEL.adversaryLookupsPerDay;
    metrics.reads.adversaryGranted += granted;
    metrics.reads.adversaryBeyondBudget += Math.max(0, granted - budget);
    metrics.reads.adversaryBudgetLastDay = budget;
    // Reputation for tomorrow, from the rolling window.
    for (let tenant = 0; tenant < TENANTS; tenant++) {
      factors[tenant] =
        reputationFactor(windowSum(marksByDay, tenant), windowSum(contradictedByDay, tenant), rules) *
        corroborationFactor(windowSum(weightByDay, tenant), windowSum(corroboratedByDay, tenant), rules);
    }
    metrics.peakStates = Math.max(metrics.peakStates, world.states.length);
    if ((today + 1) % 7 === 0 || today === options.days - 1) {
      const invalid = world.states.reduce((sum, state) => sum + (state.status === STATUS.INVALID ? 1 : 0), 0);
      const heap = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
      progress(
        `day ${String(today + 1).padStart(3)}: ${invalid} invalid, ${world.states.length} states, wrongly invalid ${metrics.wrongInvalid.total} ` +
          `(adversary ${metrics.wrongInvalid.adversary}), rescued ${metrics.rescued.total}, factors adversary ${factors[ADVERSARY]!.toFixed(2)} ` +
          `noisy ${factors[NOISY_TENANT]!.toFixed(2)} honest min ${Math.min(...factors.slice(1, ADVERSARY)).toFixed(2)}, heap ${heap} MB, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  }

  for (let number = 0; number < numbers; number++) {
    if (world.alive[number] || world.fateDay[number]! >= 0 || world.wasReassigned[number]) metrics.workingEver++;
    if (world.wasReassigned[number]) {
      metrics.reassigned.total++;
      if (world.alive[number] && world.stateOf(number)?.status === STATUS.INVALID) metrics.reassigned.stillInvalidAtEnd++;
    }
    if (!world.alive[number]) closeEpisode(number, 0);
  }
  metrics.factors = { adversary: factors[ADVERSARY]!, noisy: factors[NOISY_TENANT]!, honestMin: Math.min(...factors.slice(1, ADVERSARY)) };
  const share = (tenant: number): number => windowSum(corroboratedByDay, tenant) / Math.max(1, windowSum(weightByDay, tenant));
  metrics.corroboration = { adversary: share(ADVERSARY), noisy: share(NOISY_TENANT), honestMin: Math.min(...Array.from({ length: MODEL.honestTenants - 1 }, (_v, index) => share(index + 1))) };
  return metrics;
}
