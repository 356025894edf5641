import { STATUS } from './trust';

/**
 * Canonical outcomes of a call, and how they are stored. Number statuses are `STATUS` in ./trust.ts (the one
 * source of their values: the trust rules, the status index and the filter's verdicts all use it); an outcome
 * code and a status code are different things that both happen to have an "invalid" (docs/rules.md).
 */
export const OUTCOMES = ['invalid', 'contact', 'neutral', 'right_party', 'wrong_party'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Right party ("falou com o titular") and wrong party ("não conhece / número de outra pessoa") are contacts to the
 * shared history and the campaign tallies (a person answered: the number is alive); only the tenant's own
 * contact–phone states tell them apart (server/domain/rightParty.ts).
 */
export const isContactOutcome = (outcome: Outcome): boolean => outcome === 'contact' || outcome === 'right_party' || outcome === 'wrong_party';

/** Outcome codes as stored in SQL (call receipts, outcome batches). */
export const OUTCOME = { INVALID: 0, CONTACT: 1, NEUTRAL: 2 } as const;
export const OUTCOME_CODE: Record<Outcome, (typeof OUTCOME)[keyof typeof OUTCOME]> = {
  invalid: OUTCOME.INVALID,
  contact: OUTCOME.CONTACT,
  neutral: OUTCOME.NEUTRAL,
  right_party: OUTCOME.CONTACT,
  wrong_party: OUTCOME.CONTACT,
};

/** Statuses by name, for code that reads better with them (values from STATUS). */
export const NumberStatus = { clean: STATUS.CLEAN, unconfirmed: STATUS.UNCONFIRMED, invalid: STATUS.INVALID } as const;
/** Status names by value: STATUS_NAMES[STATUS.INVALID] === 'invalid'. */
export const STATUS_NAMES = ['clean', 'unconfirmed', 'invalid'] as const;
