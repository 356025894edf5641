/**
 * `npm run simulate:right-party [-- --contacts 100000 --seed 20261211 --param name=value … --no-write]`
 *
 * How many dial attempts it takes to reach the right person (CPC) when a contact's phones are dialed in the file's
 * order, "valid numbers first" (the hygiene alone: the pool's invalid numbers out, unconfirmed ones last), or best
 * first (server/domain/rightParty.ts bestOrder, the function the server's order=best uses). Writes the table to
 * docs/performance.md between the simulate:right-party markers (nothing else in that file is touched).
 *
 * The population (every figure is a parameter below, printed with the result):
 * - each contact has 5 phones in random file order: 1 is the person's own; of the other 4, each is dead with
 *   probability 1/2 (40% of all phones), reassigned to someone else with 1/4 (20%), else a third party's live
 *   number (a relative, a former employer: 20%);
 * - the pool knows a dead number as invalid (removed) or unconfirmed with the probabilities below; live numbers
 *   carry a false unconfirmed now and then;
 * - "answered recently" comes from other tenants: each of OTHER_TENANTS reached a person on a live number with the
 *   given probability, and the signal counts only from NETWORK_MIN_SOURCES distinct tenants (answeredRecently);
 * - the tenant's own history: some contacts were reached before on their own phone (Qualificado), some on a number
 *   reassigned since (a stale Qualificado), some third-party numbers answered by someone else (Não qualificado),
 *   some dead numbers tabulated invalid for this contact (Inativo).
 * Dialing: the list in order, up to triesPerPhone attempts on a phone before the next, then the list again. A dead
 * number costs one attempt and leaves the list; a live one answers at its own rate per attempt: the person (success)
 * on their own phone, someone else (wrong party, the phone leaves the list) on the others. A contact not reached
 * within maxAttempts counts maxAttempts.
 */
import { writeDocSection } from './docSection';
import { prng } from '../plugin/contract/prng';
import { PAIR_STATE, answeredRecently, bestOrder, type PairState, type PhoneFacts } from '../server/domain/rightParty';


const PARAMS = {
  phonesPerContact: 5,
  pDeadOther: 0.5,
  pReassignedOther: 0.25,
  /**
   * Live numbers differ in how often they are answered: a share are "answerers" (pAnswerAnswerer per attempt),
   * the rest screen unknown callers (pAnswerScreener). Other tenants' answers come from the same rate, which is
   * why "answered recently" says something about the next call.
   */
  shareAnswerers: 0.6,
  pAnswerAnswerer: 0.35,
  pAnswerScreener: 0.05,
  /** Attempts on one phone in a row before the dialer moves to the next one. */
  triesPerPhone: 3,
  maxAttempts: 50,
  /** The pool on a dead number: invalid (removed by the hygiene), unconfirmed; else unknown (clean). */
  pPoolInvalid: 0.5,
  pPoolUnconfirmed: 0.2,
  /** A false unconfirmed on a live number. */
  pFalseUnconfirmed: 0.03,
  /** Other tenants: each dialed the number in the window with pOtherDialed, otherAttempts times (at its answer rate). */
  otherTenants: 6,
  pOtherDialed: 0.5,
  otherAttempts: 2,
  /** A dead number answered before it died, within the window. */
  pOtherAnsweredDead: 0.01,
  /** The tenant's own history. */
  pOwnQualified: 0.3,
  pStaleQualified: 0.1,
  pOwnNotQualified: 0.3,
  pOwnInactive: 0.2,
};

type Kind = 'own' | 'dead' | 'reassigned' | 'third';
type Phone = { kind: Kind; poolInvalid: boolean; answerRate: number; facts: PhoneFacts };

function parseOptions(args: readonly string[]): { contacts: number; seed: number; write: boolean } {
  const options = { contacts: 100_000, seed: 20261211, write: true };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--contacts') options.contacts = Number(args[++i]);
    else if (args[i] === '--seed') options.seed = Number(args[++i]);
    else if (args[i] === '--no-write') options.write = false;
    else if (args[i] === '--param') {
      // A what-if run: such runs do not write the docs unless --write is given after it.
      const [name, value] = String(args[++i]).split('=') as [keyof typeof PARAMS, string];
      if (!(name in PARAMS)) throw new Error(`unknown parameter ${name} (one of ${Object.keys(PARAMS).join(', ')})`);
      (PARAMS as Record<string, number>)[name] = Number(value);
      options.write = false;
    } else if (args[i] === '--write') options.write = true;
    else throw new Error(`unknown option ${args[i]}`);
  }
  return options;
}

function makeContact(random: () => number): Phone[] {
  const p = PARAMS;
  const ownAt = Math.floor(random() * p.phonesPerContact);
  const staleQualified = random() < p.pStaleQualified;
  const qualified = random() < p.pOwnQualified;
  let staleGiven = false;
  const phones: Phone[] = [];
  for (let i = 0; i < p.phonesPerContact; i++) {
    const roll = random();
    const kind: Kind = i === ownAt ? 'own' : roll < p.pDeadOther ? 'dead' : roll < p.pDeadOther + p.pReassignedOther ? 'reassigned' : 'third';
    const answerRate = kind === 'dead' ? 0 : random() < p.shareAnswerers ? p.pAnswerAnswerer : p.pAnswerScreener;
    const chance = kind === 'dead' ? p.pOtherAnsweredDead : p.pOtherDialed * (1 - (1 - answerRate) ** p.otherAttempts);
    let otherSources = 0;
    for (let t = 0; t < p.otherTenants; t++) if (random() < chance) otherSources++;
    let poolInvalid = false;
    let unconfirmed = false;
    if (kind === 'dead') {
      const pool = random();
      poolInvalid = pool < p.pPoolInvalid;
      unconfirmed = !poolInvalid && pool < p.pPoolInvalid + p.pPoolUnconfirmed;
    } else unconfirmed = random() < p.pFalseUnconfirmed;
    let pair: PairState = PAIR_STATE.UNKNOWN;
    if (kind === 'own' && qualified) pair = PAIR_STATE.QUALIFIED;
    else if (kind === 'reassigned' && staleQualified && !staleGiven) {
      pair = PAIR_STATE.QUALIFIED;
      staleGiven = true;
    } else if ((kind === 'reassigned' || kind === 'third') && random() < p.pOwnNotQualified) pair = PAIR_STATE.NOT_QUALIFIED;
    else if (kind === 'dead' && random() < p.pOwnInactive) pair = PAIR_STATE.INACTIVE;
    phones.push({ kind, poolInvalid, answerRate, facts: { pair, unconfirmed, answeredRecently: answeredRecently({ otherSources, own: false }) } });
  }
  return phones;
}

/**
 * Attempts until the right person answers (MAX_ATTEMPTS when never), dialing `phones` in this order the way
 * collection dialers are usually set ("tentativas por telefone"): each phone up to TRIES_PER_PHONE times in a row
 * before the next one, then the list again from the top with the phones still in it.
 */
function attemptsToRightParty(phones: readonly Phone[], random: () => number): number {
  const list = [...phones];
  let attempts = 0;
  while (list.length > 0) {
    for (let i = 0; i < list.length; ) {
      const phone = list[i] as Phone;
      let left = true;
      for (let tries = 0; tries < PARAMS.triesPerPhone; tries++) {
        if (attempts >= PARAMS.maxAttempts) return PARAMS.maxAttempts;
        attempts++;
        if (phone.kind === 'dead') break;
        if (random() < phone.answerRate) {
          if (phone.kind === 'own') return attempts;
          break; // wrong party: not dialed again for this contact
        }
        if (tries === PARAMS.triesPerPhone - 1) left = false;
      }
      if (left) list.splice(i, 1);
      else i++;
    }
  }
  return PARAMS.maxAttempts;
}

const orders: Record<string, (phones: readonly Phone[]) => Phone[]> = {
  'file order (no hygiene)': (phones) => [...phones],
  'valid numbers first (hygiene: invalid out, unconfirmed last)': (phones) => {
    const kept = phones.filter((phone) => !phone.poolInvalid);
    return [...kept.filter((phone) => !phone.facts.unconfirmed), ...kept.filter((phone) => phone.facts.unconfirmed)];
  },
  'best first (order=best)': (phones) => {
    const kept = phones.filter((phone) => !phone.poolInvalid);
    return bestOrder(kept.map((phone) => phone.facts)).map((index) => kept[index] as Phone);
  },  // The ceiling of any ordering: the person's own phone first (known only to the simulation).
  'oracle (own phone first; the ceiling)': (phones) => [...phones.filter((phone) => phone.kind === 'own'), ...phones.filter((phone) => phone.kind !== 'own' && !phone.poolInvalid)],
};

function simulate(contacts: number, seed: number): { name: string; mean: number; reached: number }[] {
  const population = prng(seed);
  const people = Array.from({ length: contacts }, () => makeContact(population));
  return Object.entries(orders).map(([name, order]) => {
    // The same dialing luck for every order: each runs on its own stream from the same seed.
    const luck = prng(seed ^ 0x5bd1e995);
    let total = 0;
    let reached = 0;
    for (const phones of people) {
      const attempts = attemptsToRightParty(order(phones), luck);
      total += attempts;
      if (attempts < PARAMS.maxAttempts) reached++;
    }
    return { name, mean: total / contacts, reached: reached / contacts };
  });
}

type Results = ReturnType<typeof simulate>;

/** The first scenario counts the phones dialed until the person answers (every live number answers its first call). */
const FIRST_CALL_ANSWERED = { shareAnswerers: 1, pAnswerAnswerer: 1 };

function table(results: Results): string[] {
  const [file, valid, best, oracle] = results as [Results[0], Results[0], Results[0], Results[0]];
  const fewer = (ours: number, than: number) => `${Math.round((1 - ours / than) * 1000) / 10}%`;
  return [
    '| order | mean attempts to the right party | reached within the cap |',
    '| --- | --- | --- |',
    ...results.map((result) => `| ${result.name} | ${result.mean.toFixed(2)} | ${(result.reached * 100).toFixed(1)}% |`),
    '',
    '| goal | result | target | verdict |',
    '| --- | --- | --- | --- |',
    `| best first vs file order | ${fewer(best.mean, file.mean)} fewer attempts | ≥ 40% | ${1 - best.mean / file.mean >= 0.4 ? 'met' : 'NOT met'} |`,
    `| best first vs valid numbers first | ${fewer(best.mean, valid.mean)} fewer attempts | ≥ 20% | ${1 - best.mean / valid.mean >= 0.2 ? 'met' : 'NOT met'} |`,
    `| (ceiling of any order: oracle vs file order) | ${fewer(oracle.mean, file.mean)} fewer attempts | | |`,
  ];
}

function report(contacts: number, seed: number, firstCall: Results, realistic: Results, seconds: number, command: string): string {
  const params = Object.entries(PARAMS).map(([name, value]) => `${name}=${value}`).join(', ');
  return [
    '## Best phone first (npm run simulate:right-party)',
    '',
    `${contacts.toLocaleString('en-US')} contacts × ${PARAMS.phonesPerContact} phones, seed ${seed}, \`${command}\` (${seconds.toFixed(1)} s). ` +
      'Mean dial attempts until the right person answers (a contact not reached counts the cap), the same population and dialing luck for each order; ' +
      'best first runs `bestOrder` of server/domain/rightParty.ts, the function behind `order=best`.',
    '',
    `### Phones dialed until the right person (every live number answers its first call: ${Object.entries(FIRST_CALL_ANSWERED).map(([k, v]) => `${k}=${v}`).join(', ')})`,
    '',
    ...table(firstCall),
    '',
    '### With answer rates (live numbers answer 35% or 5% of calls; 3 tries per phone before the next)',
    '',
    ...table(realistic),
    '',
    'With answer rates, most attempts are spent waiting for the person to pick up their own phone, which no order of the ' +
      'phones changes: even knowing the right phone (the oracle row) saves little. Ordering shortens the search for the ' +
      'right number (the first table); it cannot make people answer.',
    '',
    `Parameters (bench/simulate-right-party.ts states what each means): ${params}. They are assumptions, not measurements; ` +
      '`--param name=value` runs a what-if (not written to the docs).',
    '',
  ].join('\n');
}


function main(): void {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  const command = ['npm run simulate:right-party', ...(args.length ? ['--', ...args] : [])].join(' ');
  const started = Date.now();
  const base = { ...PARAMS };
  Object.assign(PARAMS, FIRST_CALL_ANSWERED);
  const firstCall = simulate(options.contacts, options.seed);
  Object.assign(PARAMS, base);
  const realistic = simulate(options.contacts, options.seed);
  const section = report(options.contacts, options.seed, firstCall, realistic, (Date.now() - started) / 1000, command);
  console.log(section);
  if (options.write) console.log(`written to ${writeDocSection('performance.md', 'simulate:right-party', section)}`);
}

main();
