import type { CallFacts, OutcomeReport } from '../../contract/protocol';
import { q850Outcome, sipOutcome, vicidialOutcome } from '../adapters';
import type { VicidialDb } from './db';

/**
 * One call = one VICIdial `uniqueid`: its `vicidial_carrier_log` row (the carrier's answer: Q.850 cause, SIP code,
 * seconds) and its `vicidial_log` row (number dialed, campaign, lead, the agent's or the system's status). Which
 * one decides the tabulation code:
 * - not answered (dialstatus ≠ ANSWER): the carrier. `sip:NNN` when the SIP code is known, else `q850:N`: the
 *   status VICIdial derives from them (NA, AB, ADC, ADCT…) depends on its EDL setting and says less.
 * - answered: the status, once final (QUEUE/INCALL/PU wait for the agent's disposition, which may land hours later).
 *   The code sent for a status: the connector's `mapaStatus`, else the status itself when the tenant's map on the
 *   server knows it (defaults + the tenant's own), else a default code chosen by the status's flags in
 *   `vicidial_campaign_statuses` / `vicidial_statuses` (human_answered/customer_contact/sale → "atendeu",
 *   answering_machine → "secretária eletrônica", otherwise "chamada não completada"): flags, not names, because
 *   every operation invents statuses. No flag says "the number does not exist": such a custom status must be mapped
 *   (`mapaStatus` or the console), see docs/vicidial.md.
 */

export type CarrierRow = {
  uniqueid: string;
  call_date: string;
  lead_id: number | null;
  hangup_cause: number;
  dialstatus: string | null;
  dial_time: number;
  answered_time: number;
  sip_hangup_cause: number;
};

export type LogRow = {
  uniqueid: string;
  lead_id: number;
  list_id: string | number | null;
  campaign_id: string | null;
  call_date: string;
  length_in_sec: number | null;
  status: string | null;
  phone_code: string | null;
  phone_number: string | null;
  alt_dial: string | null;
};

export type StatusFlags = { human: boolean; machine: boolean };

/** Statuses of a call still in progress in vicidial_log: the final one comes later. */
export const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set(['NEW', 'QUEUE', 'INCALL', 'PU', 'DISPO']);

/** Flags per status: campaign statuses (key "CAMPAIGN|STATUS") over system ones (key "STATUS"). */
export class StatusBook {
  private constructor(private readonly flags: Map<string, StatusFlags>) {}

  static async load(db: VicidialDb): Promise<StatusBook> {
    const flags = new Map<string, StatusFlags>();
    const of = (row: Record<string, unknown>): StatusFlags => ({
      human: row.human_answered === 'Y' || row.customer_contact === 'Y' || row.sale === 'Y',
      machine: row.answering_machine === 'Y',
    });
    for (const row of await db.query('SELECT status, human_answered, customer_contact, sale, answering_machine FROM vicidial_statuses')) {
      flags.set(String(row.status).toUpperCase(), of(row));
    }
    for (const row of await db.query('SELECT status, campaign_id, human_answered, customer_contact, sale, answering_machine FROM vicidial_campaign_statuses')) {
      flags.set(`${String(row.campaign_id)}|${String(row.status).toUpperCase()}`, of(row));
    }
    return new StatusBook(flags);
  }

  static of(entries: Record<string, StatusFlags>): StatusBook {
    return new StatusBook(new Map(Object.entries(entries)));
  }

  flagsOf(campaignId: string | null, status: string): StatusFlags | undefined {
    return (campaignId ? this.flags.get(`${campaignId}|${status}`) : undefined) ?? this.flags.get(status);
  }
}

export type ClassifyContext = {
  statuses: StatusBook;
  /** Codes the tenant's map on the server knows, normalized (lower case, trimmed). */
  knownCodes: ReadonlySet<string>;
  statusMap: Readonly<Record<string, string>>;
  campaigns: Readonly<Record<string, string>>;
  onlyMapped: boolean;
  callIdPrefix: string;
  utcOffset: string;
};

export type Decision =
  | { kind: 'report'; outcome: OutcomeReport }
  | { kind: 'wait' }
  | { kind: 'skip'; reason: 'unmapped-campaign' | 'no-phone' };

export const isAnswered = (carrier: CarrierRow): boolean => (carrier.dialstatus ?? '').toUpperCase() === 'ANSWER' || carrier.answered_time > 0;

function carrierCode(carrier: CarrierRow): string | null {
  if (carrier.sip_hangup_cause >= 200 && carrier.sip_hangup_cause <= 699) return sipOutcome(carrier.sip_hangup_cause);
  if (carrier.hangup_cause >= 1 && carrier.hangup_cause <= 127) return q850Outcome(carrier.hangup_cause);
  return null;
}

export function statusCode(status: string, campaignId: string | null, context: ClassifyContext): string {
  const mapped = context.statusMap[status];
  if (mapped) return mapped;
  if (context.knownCodes.has(status.toLowerCase())) return vicidialOutcome(status);
  const flags = context.statuses.flagsOf(campaignId, status);
  if (flags?.human) return 'atendeu';
  if (flags?.machine) return 'secretária eletrônica';
  if (flags) return 'chamada não completada';
  return vicidialOutcome(status); // unknown everywhere: the server refuses it into the dead letters, visibly
}

/** The number as dialed: Brazilian numbers as stored (DDD + subscriber), others with their country code. */
function phoneOf(log: LogRow): string | null {
  const number = (log.phone_number ?? '').trim();
  if (!number) return null;
  const code = (log.phone_code ?? '').trim();
  return code === '' || code === '55' ? number : `+${code}${number}`;
}

/**
 * What to do with one call now. `expired`: its re-read window is over, so report what is known (an answered call
 * whose disposition never came is reported by its carrier cause, else by its last status).
 */
export function decide(carrier: CarrierRow | undefined, log: LogRow | undefined, context: ClassifyContext, waitedCarrier: boolean, expired: boolean): Decision {
  if (!log) return { kind: 'wait' }; // the number dialed and the campaign are only in vicidial_log
  const vicidialCampaign = log.campaign_id ?? '';
  const campaignId = context.campaigns[vicidialCampaign] ?? (context.onlyMapped ? undefined : vicidialCampaign);
  if (!campaignId) return { kind: 'skip', reason: 'unmapped-campaign' };
  const phone = phoneOf(log);
  if (!phone) return { kind: 'skip', reason: 'no-phone' };
  const status = (log.status ?? '').trim().toUpperCase();
  const final = status !== '' && !IN_PROGRESS_STATUSES.has(status);
  const flags = status ? context.statuses.flagsOf(log.campaign_id, status) : undefined;

  let code: string | null = null;
  if (carrier && !isAnswered(carrier)) code = carrierCode(carrier);
  if (!code) {
    if (final && (carrier || flags?.human || flags?.machine || waitedCarrier || expired)) code = statusCode(status, log.campaign_id, context);
    else if (expired) code = (carrier && carrierCode(carrier)) ?? (status ? statusCode(status, log.campaign_id, context) : 'chamada não completada');
    else return { kind: 'wait' };
  }

  const call: CallFacts = {};
  if (carrier) {
    call.answered = isAnswered(carrier);
    call.ringSeconds = Math.max(0, carrier.dial_time - carrier.answered_time);
    call.talkSeconds = carrier.answered_time;
  } else if (flags?.human || flags?.machine) {
    call.answered = true;
    if (log.length_in_sec !== null && log.length_in_sec >= 0) call.talkSeconds = log.length_in_sec;
  }
  if (flags?.machine) call.voicemail = true;
  const outcome: OutcomeReport = {
    callId: `${context.callIdPrefix}:${log.uniqueid}`,
    campaignId,
    phone,
    code,
    occurredAt: `${log.call_date.replace(' ', 'T')}${context.utcOffset}`,
    contactId: String(log.lead_id),
    ...(Object.keys(call).length > 0 ? { call } : {}),
  };
  return { kind: 'report', outcome };
}
