/** Canonical outcomes and the number statuses of the shared history (docs/rules.md). */
export const OUTCOMES = ['invalid', 'contact', 'neutral'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const NumberStatus = { clean: 0, unconfirmed: 1, invalid: 2 } as const;
export type NumberStatusValue = (typeof NumberStatus)[keyof typeof NumberStatus];
export const STATUS_NAMES = ['clean', 'unconfirmed', 'invalid'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
