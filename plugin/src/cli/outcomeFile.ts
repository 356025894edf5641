import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CsvReader } from '../../contract/csv';
import type { CallFacts, OutcomeReport } from '../../contract/protocol';
import { ownOutcome, q850Outcome, sipOutcome, vicidialOutcome } from '../adapters';

export type CodeKind = 'own' | 'sip' | 'q850' | 'vicidial';

export function parseCodeKind(value: string | undefined): CodeKind | undefined {
  const map: Record<string, CodeKind> = { own: 'own', proprio: 'own', próprio: 'own', sip: 'sip', q850: 'q850', vicidial: 'vicidial' };
  return value === undefined ? 'own' : map[value.toLowerCase()];
}

/** Columns of an outcome file: the report's own fields, and the call facts (CallFacts) flattened. */
type Field = Exclude<keyof OutcomeReport, 'call'> | 'answered' | 'voicemail' | 'ringSeconds' | 'talkSeconds' | 'accessCode';

const ALIASES: Record<Field, string[]> = {
  callId: ['callid', 'call_id', 'id_chamada', 'chamada', 'uniqueid'],
  campaignId: ['campaignid', 'campaign_id', 'campaign', 'campanha', 'id_campanha'],
  phone: ['phone', 'telefone', 'numero', 'número', 'phone_number'],
  code: ['code', 'codigo', 'código', 'tabulacao', 'tabulação', 'status'],
  occurredAt: ['occurredat', 'occurred_at', 'data', 'quando', 'datetime'],
  contactId: ['contactid', 'contact_id', 'lead_id', 'leadid', 'id_contato', 'contato'],
  cpf: ['cpf'],
  answered: ['answered', 'atendida', 'atendeu'],
  voicemail: ['voicemail', 'caixa_postal', 'caixapostal'],
  ringSeconds: ['ringseconds', 'ring_seconds', 'segundos_chamando', 'dial_time'],
  talkSeconds: ['talkseconds', 'talk_seconds', 'segundos_falando', 'answered_time', 'duracao'],
  accessCode: ['accesscode', 'access_code', 'codigo_acesso', 'código_acesso', 'bina', 'callerid'],
};

const TRUE = new Set(['1', 'true', 'sim', 's', 'y', 'yes']);
const FALSE = new Set(['0', 'false', 'nao', 'não', 'n', 'no']);

/** The call facts of a line, as the server reads them; a cell it cannot read is an error naming the column. */
function callFacts(get: (field: Field) => string | undefined): CallFacts | string | undefined {
  const facts: CallFacts = {};
  for (const name of ['answered', 'voicemail'] as const) {
    const text = get(name)?.trim().toLowerCase();
    if (!text) continue;
    if (TRUE.has(text)) facts[name] = true;
    else if (FALSE.has(text)) facts[name] = false;
    else return `${name}: "${text}" is not sim/não`;
  }
  for (const name of ['ringSeconds', 'talkSeconds'] as const) {
    const text = get(name)?.trim();
    if (!text) continue;
    const seconds = Number(text.replace(',', '.'));
    if (!Number.isFinite(seconds) || seconds < 0) return `${name}: "${text}" is not a number of seconds`;
    facts[name] = seconds;
  }
  const accessCode = get('accessCode')?.trim();
  if (accessCode) facts.accessCode = accessCode;
  return Object.keys(facts).length > 0 ? facts : undefined;
}

export type OutcomeLine = { line: number; outcome?: OutcomeReport; error?: string };

const convert: Record<CodeKind, (code: string) => string> = { own: ownOutcome, sip: sipOutcome, q850: q850Outcome, vicidial: vicidialOutcome };

function build(get: (field: Field) => string | undefined, line: number, defaultCampaign: string | undefined, kind: CodeKind): OutcomeLine {
  const callId = get('callId')?.trim();
  const campaignId = get('campaignId')?.trim() || defaultCampaign;
  const phone = get('phone')?.trim();
  const raw = get('code')?.trim();
  const occurredAt = get('occurredAt')?.trim();
  const missing = [!callId && 'callId', !campaignId && 'campaignId', !phone && 'phone', !raw && 'code'].filter(Boolean);
  if (missing.length > 0) return { line, error: `missing ${missing.join(', ')}` };
  let code: string;
  try {
    code = convert[kind](raw!);
  } catch (error) {
    return { line, error: (error as Error).message };
  }
  const call = callFacts(get);
  if (typeof call === 'string') return { line, error: call };
  const contactId = get('contactId')?.trim();
  const cpf = get('cpf')?.trim();
  return {
    line,
    outcome: {
      callId: callId!,
      campaignId: campaignId!,
      phone: phone!,
      code,
      ...(occurredAt ? { occurredAt } : {}),
      ...(contactId ? { contactId } : {}),
      ...(cpf ? { cpf } : {}),
      ...(call ? { call } : {}),
    },
  };
}

/** Outcomes of a CSV (any delimiter, header with the column names above) or NDJSON file, streamed. */
export async function* readOutcomeFile(file: string, defaultCampaign: string | undefined, kind: CodeKind): AsyncGenerator<OutcomeLine> {
  const ndjson = /\.(nd)?jsonl?$/i.test(file);
  const decoder = new StringDecoder('utf8');
  if (ndjson) {
    let rest = '';
    let line = 0;
    const parse = (text: string): OutcomeLine | undefined => {
      line++;
      if (text.trim() === '') return undefined;
      try {
        const object = JSON.parse(text) as Record<string, unknown>;
        const lower = new Map(Object.entries(object).map(([k, v]) => [k.toLowerCase(), v === null || v === undefined ? undefined : String(v)]));
        return build((field) => ALIASES[field].map((alias) => lower.get(alias)).find((v) => v !== undefined), line, defaultCampaign, kind);
      } catch (error) {
        return { line, error: (error as Error).message };
      }
    };
    for await (const chunk of createReadStream(file)) {
      const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) {
        const item = parse(text);
        if (item) yield item;
      }
    }
    const last = parse(rest + decoder.end());
    if (last) yield last;
    return;
  }
  const reader = new CsvReader();
  let columns: Partial<Record<Field, number>> | undefined;
  const rows = function* (records: ReturnType<CsvReader['push']>): Generator<OutcomeLine> {
    for (const record of records) {
      if (!columns) {
        const header = record.fields.map((name) => name.trim().toLowerCase());
        columns = {};
        for (const field of Object.keys(ALIASES) as Field[]) {
          const index = header.findIndex((name) => ALIASES[field].includes(name));
          if (index >= 0) columns[field] = index;
        }
        continue;
      }
      const map = columns;
      yield build((field) => (map[field] === undefined ? undefined : record.fields[map[field]!]), record.line, defaultCampaign, kind);
    }
  };
  for await (const chunk of createReadStream(file)) yield* rows(reader.push(decoder.write(chunk as Buffer)));
  yield* rows(reader.push(decoder.end()));
  yield* rows(reader.end());
}
