/**
 * Outcome adapters: turn what dialers emit into the tabulation codes the server maps (see docs/plugin.md and
 * server/domain/tabulations.ts). They only translate; deciding what is "invalid" is the server's tenant map,
 * so a tenant can override any code without redeploying dialers.
 *
 * Structurally impossible input (a SIP 1xx, a cause of 300, an empty status) throws a TypeError at once: a
 * dialer bug must surface where it is made, not as a dead letter hours later.
 */

/** A SIP final response (200-699) of the outbound INVITE → "sip:NNN". Provisional 1xx are not outcomes. */
export function sipOutcome(statusCode: number | string): string {
  const code = typeof statusCode === 'string' ? Number(statusCode.trim().split(/\s/)[0]) : statusCode;
  if (!Number.isInteger(code) || code < 200 || code > 699) {
    throw new TypeError(`sipOutcome: ${JSON.stringify(statusCode)} is not a SIP final response code (200-699)`);
  }
  return `sip:${code}`;
}

/** A Q.850 / ISDN cause value (1-127) → "q850:N". */
export function q850Outcome(cause: number | string): string {
  const value = typeof cause === 'string' ? Number(cause.trim()) : cause;
  if (!Number.isInteger(value) || value < 0 || value > 127) {
    throw new TypeError(`q850Outcome: ${JSON.stringify(cause)} is not a Q.850 cause (0-127)`);
  }
  return `q850:${value}`;
}

/** Fields of an Asterisk Manager Interface event, as parsed from "Key: value" lines. */
export type AmiEvent = Record<string, string | undefined>;

/**
 * An Asterisk AMI `Hangup` event → "q850:N" from its `Cause` field (`Cause-txt` is only for humans and logs).
 * Keys are matched case-insensitively. Cause 0 ("unknown") is passed on as "q850:0": the default map does not
 * know it, so the server refuses it and the outbox keeps it as a visible dead letter rather than guessing.
 */
export function asteriskHangupOutcome(event: AmiEvent): string {
  const fields = lowerKeys(event);
  const name = fields.event;
  if (name !== undefined && name.toLowerCase() !== 'hangup') {
    throw new TypeError(`asteriskHangupOutcome: expected a Hangup event, got "${name}"`);
  }
  const cause = fields.cause;
  if (cause === undefined || cause.trim() === '') throw new TypeError('asteriskHangupOutcome: the event has no Cause field');
  return q850Outcome(cause);
}

/** Parses one AMI message ("Event: Hangup\r\nCause: 1\r\nCause-txt: Unallocated (unassigned) number\r\n\r\n"). */
export function parseAmiMessage(text: string): AmiEvent {
  const event: AmiEvent = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    event[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return event;
}

/** A VICIdial call status ("DC", "NA", "B", "SALE", or a custom status) → the status itself, upper-cased. */
export function vicidialOutcome(status: string): string {
  const code = status.trim().toUpperCase();
  if (!/^[A-Z0-9_]{1,20}$/.test(code)) throw new TypeError(`vicidialOutcome: ${JSON.stringify(status)} is not a VICIdial status (1-20 letters, digits or _)`);
  return code;
}

/** The dialer's own tabulation ("número inexistente", "CLIENTE_ATENDEU"): passed on for the tenant's map. */
export function ownOutcome(code: string): string {
  const trimmed = code.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new TypeError('ownOutcome: a tabulation code must have 1-200 characters');
  return trimmed;
}

/** Everything a dialer may hand over, in one shape. */
export type DialerSignal =
  | { sip: number | string }
  | { q850: number | string }
  | { asteriskHangup: AmiEvent }
  | { vicidial: string }
  | { code: string };

/** Any DialerSignal → its tabulation code. */
export function outcomeCode(signal: DialerSignal): string {
  if ('sip' in signal) return sipOutcome(signal.sip);
  if ('q850' in signal) return q850Outcome(signal.q850);
  if ('asteriskHangup' in signal) return asteriskHangupOutcome(signal.asteriskHangup);
  if ('vicidial' in signal) return vicidialOutcome(signal.vicidial);
  return ownOutcome(signal.code);
}

function lowerKeys(event: AmiEvent): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(event)) out[key.toLowerCase()] = value;
  return out;
}
