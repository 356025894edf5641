import type { CallFacts } from '../../plugin/contract/protocol';
import type { Outcome } from '../domain/outcomes';
import { cpfDigits } from '../domain/cpf';
import { unstorableTextProblem } from '../domain/text';
import type { Tx } from './trustStore';

/**
 * What an outcome batch hands to the features built on top of the tabulations (right party, the short-call meter):
 * the calls counted for the first time, inside the transaction that counts them. A feature that writes in `apply`
 * is therefore exactly-once by construction: a retried or duplicate call never reaches it again, and a rolled-back
 * batch takes its writes with it.
 */
export type AcceptedCall = {
  callKey: string;
  /** The campaign's id on the server (not the dialer's external id). */
  campaignId: string;
  hygiene: boolean;
  /** The phone's national digits (parsePhoneFast). */
  digits: number;
  outcome: Outcome;
  /** The tabulation code, normalized (normalizeTabulationCode). */
  code: string;
  occurredAt: number;
  contactId?: string;
  /** 11 digits, check digits verified. */
  cpf?: string;
  call?: CallFacts;
};

export interface OutcomeExtension {
  /** Runs inside the batch's transaction with only the fresh calls of the batch (never empty). */
  apply(tx: Tx, tenantId: string, calls: readonly AcceptedCall[], now: Date): Promise<void>;
  /**
   * Its rows are written by every batch of the tenant (per-day counters), so it runs last, beside the campaign tallies
   * and just before the commit: a concurrent batch of the same tenant then waits for that commit only. Run first, such
   * a row lock made each batch wait for the whole transaction of the one before it, shared history included
   * (docs/performance.md, "Ingest: a tenant's counters locked last"). Rows locked in a sorted order, as the others.
   */
  readonly contended?: boolean;
  /** After the commit (live events, caches); must not throw. */
  committed?(tenantId: string, calls: readonly AcceptedCall[]): void;
}

export type ExtraFields = Pick<AcceptedCall, 'contactId' | 'cpf' | 'call'>;
export type FieldProblem = { field: string; code: string; message: string };

const MAX_CONTACT_ID_LENGTH = 200;
/** A day: longer rings or talks are a dialer's bug, not a call. */
const MAX_CALL_SECONDS = 86_400;

function parseCallFacts(value: unknown): CallFacts | FieldProblem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: 'call', code: 'VALIDATION_FAILED', message: 'must be an object' };
  const fields = value as Record<string, unknown>;
  const facts: CallFacts = {};
  for (const name of ['answered', 'voicemail'] as const) {
    const flag = fields[name];
    if (flag === undefined || flag === null) continue;
    if (typeof flag !== 'boolean') return { field: `call.${name}`, code: 'VALIDATION_FAILED', message: 'must be true or false' };
    facts[name] = flag;
  }
  for (const name of ['ringSeconds', 'talkSeconds'] as const) {
    const seconds = fields[name];
    if (seconds === undefined || seconds === null) continue;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_CALL_SECONDS) {
      return { field: `call.${name}`, code: 'VALIDATION_FAILED', message: `must be a number of seconds from 0 to ${MAX_CALL_SECONDS}` };
    }
    facts[name] = seconds;
  }
  const accessCode = fields.accessCode;
  if (accessCode !== undefined && accessCode !== null && accessCode !== '') {
    const digits = typeof accessCode === 'string' || typeof accessCode === 'number' ? String(accessCode).replace(/[\s().+-]/g, '') : '';
    if (!/^\d{3,20}$/.test(digits)) return { field: 'call.accessCode', code: 'VALIDATION_FAILED', message: 'must be the access code digits (3 to 20)' };
    facts.accessCode = digits;
  }
  return facts;
}

/** What most items have: none of the optional fields (shared, never written to: callers spread it). */
const NO_EXTRAS: Readonly<ExtraFields> = Object.freeze({});

/** The optional fields of an outcome item beyond the tabulation itself; a problem names its field. */
export function parseExtraFields(fields: Record<string, unknown>): Readonly<ExtraFields> | FieldProblem {
  if (fields.contactId === undefined && fields.cpf === undefined && fields.call === undefined) return NO_EXTRAS;
  const extras: ExtraFields = {};
  const contactId = fields.contactId;
  if (contactId !== undefined && contactId !== null && contactId !== '') {
    if (typeof contactId !== 'string' && typeof contactId !== 'number') return { field: 'contactId', code: 'VALIDATION_FAILED', message: 'must be a string' };
    const text = String(contactId);
    if (text.length > MAX_CONTACT_ID_LENGTH) return { field: 'contactId', code: 'VALIDATION_FAILED', message: `must be at most ${MAX_CONTACT_ID_LENGTH} characters` };
    const unstorable = unstorableTextProblem(text);
    if (unstorable) return { field: 'contactId', code: 'VALIDATION_FAILED', message: unstorable };
    extras.contactId = text;
  }
  const cpf = fields.cpf;
  if (cpf !== undefined && cpf !== null && cpf !== '') {
    const digits = typeof cpf === 'string' ? cpfDigits(cpf) : null;
    if (digits === null) return { field: 'cpf', code: 'INVALID_CPF', message: 'must be a valid CPF (11 digits with matching check digits)' };
    extras.cpf = digits;
  }
  if (fields.call !== undefined && fields.call !== null) {
    const call = parseCallFacts(fields.call);
    if ('field' in call) return call as FieldProblem;
    extras.call = call;
  }
  return extras;
}
