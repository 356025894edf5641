import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CsvReader } from '../../contract/csv';
import type { OutcomeReport } from '../../contract/protocol';
import { ownOutcome, q850Outcome, sipOutcome, vicidialOutcome } from '../adapters';

export type CodeKind = 'own' | 'sip' | 'q850' | 'vicidial';

export function parseCodeKind(value: string | undefined): CodeKind | undefined {
  const map: Record<string, CodeKind> = { own: 'own', proprio: 'own', próprio: 'own', sip: 'sip', q850: 'q850', vicidial: 'vicidial' };
  return value === undefined ? 'own' : map[value.toLowerCase()];
}

const ALIASES: Record<keyof OutcomeReport, string[]> = {
  callId: ['callid', 'call_id', 'id_chamada', 'chamada', 'uniqueid'],
  campaignId: ['campaignid', 'campaign_id', 'campaign', 'campanha', 'id_campanha'],
  phone: ['phone', 'telefone', 'numero', 'número', 'phone_number'],
  code: ['code', 'codigo', 'código', 'tabulacao', 'tabulação', 'status'],
  occurredAt: ['occurredat', 'occurred_at', 'data', 'quando', 'datetime'],
};

export type OutcomeLine = { line: number; outcome?: OutcomeReport; error?: string };

const convert: Record<CodeKind, (code: string) => string> = { own: ownOutcome, sip: sipOutcome, q850: q850Outcome, vicidial: vicidialOutcome };

function build(get: (field: keyof OutcomeReport) => string | undefined, line: number, defaultCampaign: string | undefined, kind: CodeKind): OutcomeLine {
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
  return { line, outcome: { callId: callId!, campaignId: campaignId!, phone: phone!, code, ...(occurredAt ? { occurredAt } : {}) } };
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
  let columns: Partial<Record<keyof OutcomeReport, number>> | undefined;
  const rows = function* (records: ReturnType<CsvReader['push']>): Generator<OutcomeLine> {
    for (const record of records) {
      if (!columns) {
        const header = record.fields.map((name) => name.trim().toLowerCase());
        columns = {};
        for (const field of Object.keys(ALIASES) as (keyof OutcomeReport)[]) {
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
