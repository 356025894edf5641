import type { Uf } from './ddd';

/**
 * Suppression lists ("não ligar"): numbers a campaign must not dial, by law or by the tenant's own decision. Which
 * lists apply is decided by the campaign's purpose. Sources and dates are in docs/compliance.md.
 *
 * Decisions:
 * - Suppression is compliance, not hygiene: it applies to every campaign, hygiene on or off, and its numbers are
 *   counted apart ("suprimidos"), never in "higienizados".
 * - A campaign whose purpose was never set ("nao_informado", the default) gets every list: an admin who has not
 *   said "cobrança" must not lose the Não Me Perturbe filter by omission (fail closed).
 * - Shared lists (national, state) are pseudonymized with the pool's key, so one import serves every tenant; a
 *   tenant's own lists with a key of its own (Pseudonymizer.tenantPhones), so its entries cannot be joined with
 *   another tenant's or with the pool.
 */
export const PURPOSES = ['telemarketing', 'consignado', 'cobranca', 'pesquisa', 'outro', 'nao_informado'] as const;
export type Purpose = (typeof PURPOSES)[number];
/** What a list may be scoped to: every purpose but "nao_informado", which means "all of them". */
export type ListPurpose = Exclude<Purpose, 'nao_informado'>;
export const LIST_PURPOSES: readonly ListPurpose[] = ['telemarketing', 'consignado', 'cobranca', 'pesquisa', 'outro'];

/** What a dial-time check may reveal about the list that holds a number: its kind, nothing more. */
export const LIST_KINDS = ['national', 'state', 'tenant', 'campaign'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export type SharedListInfo = { kind: 'national' | 'state'; uf: Uf | null; name: string; purposes: readonly ListPurpose[]; source: string };

/**
 * The shared lists the operator may import, with their default purposes (the operator may narrow or widen them at
 * import time when a law changes). Procon-SP's covers collections since Lei 17.334/2021 rewrote art. 1º § 1º of
 * Lei 13.226/2008; the other states' are set to telemarketing and payroll-loan offers until their texts are checked.
 */
export const SHARED_LISTS: Readonly<Record<string, SharedListInfo>> = {
  nmp: {
    kind: 'national',
    uf: null,
    name: 'Não Me Perturbe (ABR Telecom)',
    purposes: ['telemarketing', 'consignado'],
    source: 'naomeperturbe.com.br — operadoras (Anatel, 2019) e bancos/consignado (Febraban/ABBC, 2020); não cobre cobrança',
  },
  'procon-sp': {
    kind: 'state',
    uf: 'SP',
    name: 'Procon-SP — Cadastro para Bloqueio de Telemarketing',
    purposes: ['telemarketing', 'consignado', 'cobranca'],
    source: 'SP Lei 13.226/2008, art. 1º § 1º na redação da Lei 17.334/2021 (inclui cobrança)',
  },
  'procon-pr': { kind: 'state', uf: 'PR', name: 'Bloqueio de telemarketing — Paraná', purposes: ['telemarketing', 'consignado'], source: 'lei estadual do PR (texto a confirmar)' },
  'procon-sc': { kind: 'state', uf: 'SC', name: 'Bloqueio de telemarketing — Santa Catarina', purposes: ['telemarketing', 'consignado'], source: 'lei estadual de SC (texto a confirmar)' },
  'procon-rs': { kind: 'state', uf: 'RS', name: 'Bloqueio de telemarketing — Rio Grande do Sul', purposes: ['telemarketing', 'consignado'], source: 'lei estadual do RS (texto a confirmar)' },
  'procon-es': { kind: 'state', uf: 'ES', name: 'Bloqueio de telemarketing — Espírito Santo', purposes: ['telemarketing', 'consignado'], source: 'lei estadual do ES (texto a confirmar)' },
  'procon-ms': { kind: 'state', uf: 'MS', name: 'Bloqueio de telemarketing — Mato Grosso do Sul', purposes: ['telemarketing', 'consignado'], source: 'lei estadual do MS (texto a confirmar)' },
};
export const SHARED_LIST_CODES = Object.keys(SHARED_LISTS);

/** Whether a shared list scoped to `listPurposes` applies to a campaign of `purpose`. */
export function listApplies(listPurposes: readonly string[], purpose: Purpose): boolean {
  return purpose === 'nao_informado' || listPurposes.includes(purpose);
}

/** The mailing filter's verdict for a suppressed phone: beyond the statuses (0-3) and below 0 (parse errors). */
export const SUPPRESSED_VERDICT = 4;

/** Kind codes as the in-memory index stores them (0: not suppressed). */
export const KIND_CODE: Record<ListKind, number> = { national: 1, state: 2, tenant: 3, campaign: 4 };
export const KIND_OF_CODE: readonly (ListKind | undefined)[] = [undefined, 'national', 'state', 'tenant', 'campaign'];

/**
 * The suppression lists of one mailing or check, ready for the hot path: per valid number (E.164 digits, with its
 * pool pseudonym already in `batch`), the KIND_CODE of the most specific list holding it, or 0.
 */
export interface SuppressionMatcher {
  match(digits: ArrayLike<number>, count: number, batch: import('./pseudonym').PseudonymBatch): Uint8Array;
}
