/**
 * `npm run simulate:trust [-- --numbers 1000000 --days 90 --seed 20250602 --rule key=value … --ledger any|corroborated --no-write]`
 *
 * Drives the real trust rules (server/domain/trust.ts) in process, with a simulated clock, through a population of
 * numbers, 20 honest tenants (one with a noisy trunk) and one adversary (bench/trust-sim/), then prints the goals of
 * issue 9 and writes them to docs/rules.md between the simulate:trust markers (nothing else in that file is touched).
 * `--rule` overrides one value of DEFAULT_TRUST_RULES and `--ledger` the reputation ledger's policy, to try
 * alternatives; such runs do not write the docs unless
 * `--write` is given.
 */
import { writeDocSection } from './docSection';
import { DEFAULT_TRUST_RULES, type TrustRules } from '../server/domain/trust';
import { type Metrics, simulate } from './trust-sim/run';
import { type ContradictionLedger, MODEL, type Options } from './trust-sim/world';


function parseOptions(argv: string[]): Options & { overridden: boolean } {
  const options = { numbers: 1_000_000, days: 90, seed: 20250602, rules: { ...DEFAULT_TRUST_RULES }, ledger: 'any' as ContradictionLedger, write: true, overridden: false };
  let forceWrite = false;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag}: needs a value`);
      return next;
    };
    if (flag === '--numbers') options.numbers = Number(value());
    else if (flag === '--days') options.days = Number(value());
    else if (flag === '--seed') options.seed = Number(value());
    else if (flag === '--no-write') options.write = false;
    else if (flag === '--ledger') {
      const ledger = value();
      if (ledger !== 'any' && ledger !== 'corroborated') throw new Error('--ledger: any or corroborated');
      options.ledger = ledger;
      options.overridden = true;
    }
    else if (flag === '--write') forceWrite = true;
    else if (flag === '--rule') {
      const [key, raw] = value().split('=');
      if (!key || !(key in DEFAULT_TRUST_RULES) || raw === undefined || !Number.isFinite(Number(raw))) throw new Error(`--rule: expected one of ${Object.keys(DEFAULT_TRUST_RULES).join(', ')} as key=number`);
      options.rules[key as keyof TrustRules] = Number(raw);
      options.overridden = true;
    } else throw new Error(`${flag}: unknown flag (--numbers, --days, --seed, --rule key=value, --ledger any|corroborated, --no-write, --write)`);
  }
  if (!Number.isInteger(options.numbers) || options.numbers < 1000) throw new Error('--numbers: an integer ≥ 1000');
  if (!Number.isInteger(options.days) || options.days < 8 || options.days > 365) throw new Error('--days: an integer from 8 to 365');
  if (options.overridden && !forceWrite) options.write = false;
  return options;
}

const percent = (part: number, whole: number, digits = 2): string => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(digits)}%`);
const met = (ok: boolean): string => (ok ? '**met**' : '**NOT met**');
const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

function report(options: Options, metrics: Metrics, seconds: number, command: string): string {
  const wrong = metrics.wrongInvalid;
  const dead = metrics.dead;
  const sorted = [...dead.daysToCatch].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]!.toFixed(1) : 'n/a';
  const overallShare = metrics.workingEver === 0 ? 0 : wrong.total / metrics.workingEver;
  const reads = metrics.reads;
  const rows = [
    ['working numbers wrongly invalidated, total', `${thousands(wrong.total)} of ${thousands(metrics.workingEver)} (${percent(wrong.total, metrics.workingEver, 4)})`, '≤ 0.01%', met(overallShare <= 0.0001)],
    ['… with the adversary\'s marks counted', thousands(wrong.adversary), '0', met(wrong.adversary === 0)],
    ['… with the noisy trunk\'s marks counted (no adversary)', thousands(wrong.noise), '—', ''],
    ['… by other evidence (marks from before a reassignment)', thousands(wrong.other), '—', ''],
    ['dead numbers caught within 7 days of being dialed by ≥ 2 tenants', `${thousands(dead.caught)} of ${thousands(dead.eligible)} (${percent(dead.caught, dead.eligible)}), median ${median} days`, '≥ 95%', met(dead.eligible > 0 && dead.caught / dead.eligible >= 0.95)],
    ['dead numbers the adversary rescued', `${thousands(metrics.rescued.total)} (from invalid ${thousands(metrics.rescued.fromInvalid)}, from probation ${thousands(metrics.rescued.fromProbation)}, others' marks wiped ${thousands(metrics.rescued.marksWiped)})`, '0', met(metrics.rescued.total === 0)],
    ['verdicts the adversary read beyond its budget', `${thousands(reads.adversaryBeyondBudget)} (tried ${thousands(reads.adversaryTried)}, granted ${thousands(reads.adversaryGranted)}; budget on the last day ${thousands(reads.adversaryBudgetLastDay)})`, '0', met(reads.adversaryBeyondBudget === 0)],
  ];
  const table = ['| measure | result | goal | |', '| --- | --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const facts = [
    `- Command: \`${command}\` — seed ${options.seed}, ${thousands(options.numbers)} numbers, ${options.days} simulated days, ${seconds.toFixed(0)} s on this machine, ${new Date().toISOString().slice(0, 10)}.`,
    `- Population: ${percent(MODEL.deadAtStart, 1, 0)} dead on day 0 (${percent(MODEL.knownDeadShare, 1, 0)} of them already invalid in the pool, last marked 0–180 days before), ` +
      `${percent(MODEL.monthlyDeaths, 1, 0)} of working numbers cancelled a month (${thousands(metrics.deaths)} died), ` +
      `${percent(MODEL.reassignedShare, 1, 0)} of the known-dead reassigned 180–240 days after they died (${thousands(metrics.reassigned.total)} working again by the end, ` +
      `${thousands(metrics.reassigned.stillInvalidAtEnd)} of them still inside their quarantine: the designed lag, not counted as wrong).`,
    `- Honest tenants: ${MODEL.honestTenants}, each holding ${percent(MODEL.mailingShare, 1, 0)} of the numbers, each number in a ${MODEL.burstDays}-day campaign burst every ${MODEL.cycleDays} days, ` +
      `dialed at ${MODEL.slotHours.join('h, ')}h until reached (${thousands(metrics.honestDials)} dials). Working numbers answer ${MODEL.contactProbability} of attempts ` +
      `(${percent(MODEL.rarelyAnsweringShare, 1, 0)} of them only ${MODEL.rareContactProbability}); dead ones give the carrier's 404 (${MODEL.deadCarrierAnswer}) or the agent's ` +
      `"número inexistente" (${MODEL.deadAgentAnswer}). Tenant 0's trunk labels ${percent(MODEL.noisyTrunkShare, 1, 0)} of its no-answers as Q.850 cause 1. ` +
      `Invalid numbers are filtered (statusFor: own-view exceptions apply); a number on probation is dialed in a given week by ${percent(MODEL.probationDialShare, 1, 0)} of the tenants holding it.`,
    `- Adversary: ${thousands(MODEL.adversaryFakeMarksPerDay)} fake invalid marks a day (${MODEL.adversaryMarksPerTarget} on each of ${thousands(MODEL.adversaryFakeMarksPerDay / MODEL.adversaryMarksPerTarget)} new working numbers), ` +
      `${thousands(MODEL.adversaryFakeContactsPerDay)} fake contacts a day on dead numbers the pool holds evidence on, ${thousands(MODEL.adversaryLookupsPerDay)} verdict lookups a day tried. ` +
      `Read budget per day: ${thousands(MODEL.lookupBase)} + ${MODEL.lookupPerTabulation} × the tenant's average daily tabulations over 30 days (fake ones included: they buy reads). Honest lookups refused: ${thousands(reads.honestRefused)}.`,
    `- Reputation: per source over a rolling ${options.rules.contradictionWindowDays} days, marks and contradicted marks (reputationFactor) and the weight it put on numbers and the part of it ` +
      `others corroborated (corroborationFactor: nothing at ${options.rules.corroborationFloor} or less, fully from ${options.rules.corroborationTarget}), the product applied from the next day; ` +
      `ledger \`${options.ledger}\` (${options.ledger === 'any' ? 'every source applyContact names is counted' : 'a named source is counted only when the contact cleared the number for everybody'}). ` +
      `Corroborated share at the end: adversary ${metrics.corroboration.adversary.toFixed(3)}, noisy trunk ${metrics.corroboration.noisy.toFixed(3)}, lowest other honest tenant ${metrics.corroboration.honestMin.toFixed(3)}. ` +
      `Factors at the end: adversary ${metrics.factors.adversary.toFixed(2)}, noisy trunk ${metrics.factors.noisy.toFixed(2)}, lowest other honest tenant ${metrics.factors.honestMin.toFixed(2)}.`,
    `- Probation: ${thousands(metrics.probation.entered)} entries, ${thousands(metrics.probation.struck)} sent back invalid (strike), ${thousands(metrics.probation.clearedByContact)} cleared by a contact, ${thousands(metrics.probation.endedClean)} ended clean by time. Peak states held: ${thousands(metrics.peakStates)}.`,
    `- Rules: \`${JSON.stringify(options.rules)}\``,
  ];
  return `## Simulation (npm run simulate:trust)\n\n${table}\n\n${facts.join('\n')}\n`;
}


function main(): void {
  const args = process.argv.slice(2);
  const options = parseOptions(args);
  const command = ['npm run simulate:trust', ...(args.length ? ['--', ...args] : [])].join(' ');
  console.log(`simulate:trust: ${options.numbers} numbers, ${options.days} days, seed ${options.seed}`);
  const started = Date.now();
  const metrics = simulate(options, (line) => console.log(line));
  const section = report(options, metrics, (Date.now() - started) / 1000, command);
  console.log(`\n${section}`);
  if (options.write) console.log(`written to ${writeDocSection('rules.md', 'simulate:trust', section)}`);
}

main();
