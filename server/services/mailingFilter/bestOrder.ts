import type { MailingCounts } from '../../../plugin/contract/protocol';
import { formatCsvField, parseCsvRecord, type CsvDelimiter } from '../../../plugin/contract/csv';
import { PhoneError, parsePhoneFast } from '../../domain/phone';
import { PAIR_STATE, bestOrder, contactKeyText, reasonOf, type PhoneFacts } from '../../domain/rightParty';
import { STATUS } from '../../domain/trust';
import { AppError } from '../../errors';
import type { PhoneClassifier } from '../phoneClassifier';
import type { PairAnswer, PairQuery } from '../rightParty';

/**
 * "Best phone first" (order=best): a kept contact's phones are moved across its phone columns, the one most likely
 * to reach the right person first (domain/rightParty.ts bestOrder), with the reason of each in an extra column (CSV)
 * or field (JSON). It runs on the kept rows after the hygiene judged them, so without order=best nothing here runs
 * and the output stays byte for byte the input. In a reordered CSV row every field keeps its bytes: phone fields
 * move whole (quotes included), no other field is re-serialized.
 */

export type OrderRequest = {
  /** The column (CSV) or key (JSON) holding the contact's CPF or id; detected from its name when absent. */
  contactColumn?: string;
  /** CSV: the name of the reason column added last (default `motivo_ordem`). */
  reasonColumn?: string;
};

export const DEFAULT_REASON_COLUMN = 'motivo_ordem';
/** JSON/NDJSON: the field beside `kept` with one reason per phone, in the output's order. */
export const JSON_REASON_FIELD = 'orderReasons';

export interface PairLookup {
  lookup(tenantId: string, queries: readonly PairQuery[]): Promise<PairAnswer[]>;
}

const CONTACT_COLUMN_NAMES = ['cpf', 'cpfcnpj', 'cpf_cnpj', 'documento', 'contactid', 'contact_id', 'contato', 'idcontato', 'id_contato', 'leadid', 'lead_id', 'lead', 'cliente_id', 'idcliente', 'id_cliente', 'codigo_cliente'];
const normalizeName = (name: string) => name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The contact column's index: the one named (any case), else the first whose name is a usual CPF / lead id name. */
export function resolveContactColumn(available: readonly string[], requested: string | undefined): number {
  if (requested) {
    const wanted = requested.trim().toLowerCase();
    const index = available.findIndex((name) => name.trim().toLowerCase() === wanted);
    if (index < 0) throw new AppError('VALIDATION_FAILED', `column "${requested}" is not in the mailing`, 'contactColumn');
    return index;
  }
  for (const candidate of CONTACT_COLUMN_NAMES) {
    const index = available.findIndex((name) => normalizeName(name) === candidate);
    if (index >= 0) return index;
  }
  throw new AppError('VALIDATION_FAILED', 'order=best needs the contact (CPF or contact id) column: name it with contactColumn (none of cpf, lead_id, contato… found)', 'contactColumn');
}

/** The raw text of each field of a CSV record, quotes included (so a field can move without being re-serialized). */
export function rawFields(raw: string, delimiter: CsvDelimiter): string[] {
  const fields: string[] = [];
  let start = 0;
  let i = 0;
  for (;;) {
    if (raw.charCodeAt(i) === 0x22) {
      i++;
      while (i < raw.length) {
        if (raw.charCodeAt(i) === 0x22) {
          if (raw.charCodeAt(i + 1) === 0x22) i += 2;
          else break;
        } else i++;
      }
    }
    const next = raw.indexOf(delimiter, i);
    if (next < 0) {
      fields.push(raw.slice(start));
      return fields;
    }
    fields.push(raw.slice(start, next));
    start = i = next + 1;
  }
}

/** One contact's phones to order: their cell text, where they are, and the contact's key text (null: none). */
type Candidate = { contactKey: string | null; cells: string[]; ddd: string };

/**
 * Orders the phones of one mailing's kept contacts. Built per mailing; counts the Qualificado / Não qualificado /
 * Inativo pairs it sees into the mailing's counts (the pool's invalid phones are added by MailingService at the end).
 */
export class PhoneOrderer {
  constructor(
    private readonly tenantId: string,
    private readonly lookup: PairLookup,
    private readonly classifier: PhoneClassifier,
    readonly request: OrderRequest,
    private readonly ninthDigit = false,
  ) {}

  get reasonColumn(): string {
    return this.request.reasonColumn ?? DEFAULT_REASON_COLUMN;
  }

  /** Facts of every phone of every candidate, in one classifier call and one lookup. */
  private async facts(candidates: readonly Candidate[], counts: MailingCounts): Promise<PhoneFacts[][]> {
    const cells = candidates.flatMap((candidate) => candidate.cells);
    const ddds = candidates.flatMap((candidate) => candidate.cells.map(() => candidate.ddd));
    const verdicts = this.classifier.classify(cells, ddds, this.ninthDigit ? new Uint8Array(cells.length) : undefined);
    const queries: PairQuery[] = [];
    const queryOf: number[] = [];
    candidates.forEach((candidate) => {
      for (const cell of candidate.cells) {
        const digits = this.digitsOf(cell, candidate.ddd);
        queryOf.push(digits > 0 ? queries.length : -1);
        if (digits > 0) queries.push({ contactKey: candidate.contactKey, digits });
      }
    });
    const answers = await this.lookup.lookup(this.tenantId, queries);
    const facts: PhoneFacts[][] = [];
    let cell = 0;
    for (const candidate of candidates) {
      const phones: PhoneFacts[] = [];
      for (let k = 0; k < candidate.cells.length; k++, cell++) {
        const answer = (queryOf[cell] as number) >= 0 ? answers[queryOf[cell] as number] : undefined;
        const pair = candidate.contactKey === null ? PAIR_STATE.UNKNOWN : (answer?.pair ?? PAIR_STATE.UNKNOWN);
        if (pair === PAIR_STATE.QUALIFIED) counts.rightPartyQualified++;
        else if (pair === PAIR_STATE.NOT_QUALIFIED) counts.rightPartyNotQualified++;
        else if (pair === PAIR_STATE.INACTIVE) counts.rightPartyInactive++;
        phones.push({ pair, answeredRecently: answer?.answeredRecently ?? false, unconfirmed: verdicts[cell] === STATUS.UNCONFIRMED });
      }
      facts.push(phones);
    }
    return facts;
  }

  private digitsOf(cell: string, ddd: string): number {
    let digits = parsePhoneFast(cell, this.ninthDigit);
    if (digits === -PhoneError.TOO_SHORT && ddd) digits = parsePhoneFast(ddd + cell, this.ninthDigit);
    return digits;
  }

  /** CSV: the header's extra last field. */
  csvHeaderSuffix(delimiter: CsvDelimiter): string {
    return delimiter + formatCsvField(this.reasonColumn, delimiter);
  }

  /**
   * Rewrites `raws[0, count)` (kept CSV rows): phones in their best order across the phone columns (non-empty first),
   * and the reasons, `|`-separated in the phones' new order, in a last column.
   */
  async orderCsvRows(
    raws: string[],
    count: number,
    layout: { delimiter: CsvDelimiter; phoneIndexes: readonly number[]; dddIndex: number },
    contactIndex: number,
    counts: MailingCounts,
    /** The cell's characters from the reader's text (csv.ts MailingEncoding.cellText). */
    cellText: (text: string) => string = (text) => text,
  ): Promise<void> {
    const { delimiter, phoneIndexes, dddIndex } = layout;
    const candidates: Candidate[] = [];
    const slots: number[][] = [];
    for (let row = 0; row < count; row++) {
      const fields = parseCsvRecord(raws[row] as string, delimiter);
      const cell = (index: number) => cellText(fields[index] ?? '').trim();
      const present = phoneIndexes.filter((index) => cell(index) !== '');
      slots.push(present);
      const contact = cell(contactIndex);
      candidates.push({ contactKey: contact ? contactKeyText({ contactId: contact }) : null, cells: present.map(cell), ddd: dddIndex >= 0 ? cell(dddIndex) : '' });
    }
    const facts = await this.facts(candidates, counts);
    for (let row = 0; row < count; row++) {
      const phones = facts[row] as PhoneFacts[];
      const order = bestOrder(phones);
      const reasons = order.map((index) => reasonOf(phones[index] as PhoneFacts)).join('|');
      let raw = raws[row] as string;
      if (order.some((index, position) => index !== position) || (slots[row] as number[]).some((index, k) => index !== phoneIndexes[k])) {
        const fields = rawFields(raw, delimiter);
        const present = slots[row] as number[];
        const moved = [...order.map((index) => fields[present[index] as number] as string), ...phoneIndexes.filter((index) => !present.includes(index)).map((index) => fields[index] ?? '')];
        phoneIndexes.forEach((index, k) => {
          if (index < fields.length) fields[index] = moved[k] as string;
        });
        raw = fields.join(delimiter);
      }
      raws[row] = raw + delimiter + reasons;
    }
  }

  /**
   * JSON contacts (already copies, kept): phones reordered within their slots (string fields and phone arrays, in
   * key order), returning each contact's reasons in the phones' new order.
   */
  async orderContacts(contacts: readonly { contact: Record<string, unknown>; phoneKeys: readonly string[] }[], counts: MailingCounts): Promise<string[][]> {
    const slotsOf: [string, number][][] = [];
    const candidates: Candidate[] = contacts.map(({ contact, phoneKeys }) => {
      const slots: [string, number][] = [];
      const cells: string[] = [];
      for (const key of phoneKeys) {
        const value = contact[key];
        const values = Array.isArray(value) ? value : [value];
        values.forEach((item, position) => {
          const text = item === undefined || item === null ? '' : String(item).trim();
          if (text === '') return;
          slots.push([key, Array.isArray(value) ? position : -1]);
          cells.push(text);
        });
      }
      slotsOf.push(slots);
      const keyField = this.contactKeyOf(contact);
      return { contactKey: keyField, cells, ddd: '' };
    });
    const facts = await this.facts(candidates, counts);
    return contacts.map(({ contact }, i) => {
      const phones = facts[i] as PhoneFacts[];
      const slots = slotsOf[i] as [string, number][];
      const order = bestOrder(phones);
      const values = slots.map(([key, position]) => (position < 0 ? contact[key] : (contact[key] as unknown[])[position]));
      const arrays = new Map<string, unknown[]>();
      slots.forEach(([key, position], k) => {
        const value = values[order[k] as number];
        if (position < 0) contact[key] = value;
        else {
          let copy = arrays.get(key);
          if (!copy) {
            copy = [...(contact[key] as unknown[])];
            arrays.set(key, copy);
            contact[key] = copy;
          }
          copy[position] = value;
        }
      });
      return order.map((index) => reasonOf(phones[index] as PhoneFacts));
    });
  }

  private contactKeyOf(contact: Record<string, unknown>): string | null {
    const keys = Object.keys(contact);
    let index: number;
    try {
      index = resolveContactColumn(keys, this.request.contactColumn);
    } catch {
      return null; // this contact has no such key: ordered without its own history
    }
    const value = contact[keys[index] as string];
    return typeof value === 'string' || typeof value === 'number' ? contactKeyText({ contactId: String(value) }) : null;
  }
}
