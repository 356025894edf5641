import { cpfDigits } from './cpf';
import type { Outcome } from './outcomes';

/**
 * Right party ("contato com o titular", CPC): per tenant, each contact–phone pair is Qualificado (the right person was
 * reached on it), Não qualificado (the number is active, someone else answered) or Inativo (the tenant's own invalid
 * tabulation for that contact, or the pool's invalid list at read time). Pure functions, so the server
 * (services/rightParty.ts, mailingFilter/bestOrder.ts) and `npm run simulate:right-party` run the same rules.
 */

/** A pair's state as stored (right_party_states.state); 0 is "nothing known", never stored. */
export const PAIR_STATE = { UNKNOWN: 0, QUALIFIED: 1, NOT_QUALIFIED: 2, INACTIVE: 3 } as const;
export type PairState = (typeof PAIR_STATE)[keyof typeof PAIR_STATE];

/**
 * The contact a call or a mailing row is about, as the text that is pseudonymized: a CPF (in any spelling, also when
 * a dialer sends it as its contact id) wins over a contact id, so "529.982.247-25" in the mailing finds the calls
 * reported with `cpf` or with `contactId: "52998224725"`. Null: no contact.
 */
export function contactKeyText(contact: { cpf?: string | undefined; contactId?: string | undefined }): string | null {
  const cpf = contact.cpf ? cpfDigits(contact.cpf) : null;
  if (cpf) return `cpf:${cpf}`;
  const id = contact.contactId?.trim();
  if (!id) return null;
  const idAsCpf = cpfDigits(id);
  return idAsCpf ? `cpf:${idAsCpf}` : `id:${id}`;
}

/**
 * What one call does to its pair. Right and wrong party set the state; an invalid tabulation makes the pair Inativo;
 * a plain contact (someone answered, who is not said) only lifts an Inativo (the number works); neutral calls
 * (busy, no answer) change nothing.
 */
export type PairEffect = { kind: 'set'; state: PairState } | { kind: 'lift-inactive' } | { kind: 'none' };

export function effectOf(outcome: Outcome): PairEffect {
  switch (outcome) {
    case 'right_party':
      return { kind: 'set', state: PAIR_STATE.QUALIFIED };
    case 'wrong_party':
      return { kind: 'set', state: PAIR_STATE.NOT_QUALIFIED };
    case 'invalid':
      return { kind: 'set', state: PAIR_STATE.INACTIVE };
    case 'contact':
      return { kind: 'lift-inactive' };
    default:
      return { kind: 'none' };
  }
}

/** A pair's state after `effects` in time order, from `current` (the stored state, UNKNOWN when none). */
export function stateAfter(current: PairState, effects: readonly PairEffect[]): PairState {
  let state = current;
  for (const effect of effects) {
    if (effect.kind === 'set') state = effect.state;
    else if (effect.kind === 'lift-inactive' && state === PAIR_STATE.INACTIVE) state = PAIR_STATE.UNKNOWN;
  }
  return state;
}

/**
 * The network signal, "a person answered this number recently somewhere": answers (contact, right or wrong party) of
 * hygiene-enabled campaigns in the last NETWORK_WINDOW_DAYS. Never who answered nor which tenant asked.
 *
 * Abuse: a tenant could report fake answers to push dead numbers up in everybody's order (it cannot remove or keep
 * a number: ordering only). So another tenant's answers count only when NETWORK_MIN_SOURCES distinct tenants report
 * them; a tenant's own answers count for itself alone (they are its own knowledge).
 */
export const NETWORK_WINDOW_DAYS = 90;
export const NETWORK_MIN_SOURCES = 2;

export function answeredRecently(answers: { otherSources: number; own: boolean }): boolean {
  return answers.own || answers.otherSources >= NETWORK_MIN_SOURCES;
}

/** What is known of one phone of a contact when the mailing is ordered. */
export type PhoneFacts = {
  /** The tenant's own state of this contact–phone pair. */
  pair: PairState;
  answeredRecently: boolean;
  /** The pool's verdict is unconfirmed (1 to 9 invalid marks, or probation let through). */
  unconfirmed: boolean;
};

/** Why a phone is where it is, per phone in the output (CSV column `motivo_ordem`, JSON field `orderReasons`). */
export const ORDER_REASONS = ['qualificado', 'atendeu_recentemente', 'limpo', 'nao_qualificado', 'nao_confirmado', 'inativo'] as const;
export type OrderReason = (typeof ORDER_REASONS)[number];

/**
 * The reason, which is also the rank (its index in ORDER_REASONS): the tenant's own right-party history first, then
 * the network's "answered recently", then plain clean numbers, then numbers where someone else answered for this
 * contact, then unconfirmed numbers, and last the ones the tenant's own tabulations say are dead for this contact.
 * Own history outranks the pool: a Qualificado number with a few invalid marks is still where the person was reached.
 */
export function reasonOf(facts: PhoneFacts): OrderReason {
  if (facts.pair === PAIR_STATE.QUALIFIED) return 'qualificado';
  if (facts.pair === PAIR_STATE.INACTIVE) return 'inativo';
  if (facts.unconfirmed) return 'nao_confirmado';
  if (facts.pair === PAIR_STATE.NOT_QUALIFIED) return 'nao_qualificado';
  return facts.answeredRecently ? 'atendeu_recentemente' : 'limpo';
}

const RANK: Readonly<Record<OrderReason, number>> = Object.fromEntries(ORDER_REASONS.map((reason, rank) => [reason, rank])) as Record<OrderReason, number>;

/** The phones' indexes, best first; ties keep the file's order (a stable sort). */
export function bestOrder(phones: readonly PhoneFacts[]): number[] {
  const ranks = phones.map((facts) => RANK[reasonOf(facts)]);
  return phones.map((_facts, index) => index).sort((a, b) => (ranks[a] as number) - (ranks[b] as number) || a - b);
}
