import type { MalformedReason } from '../../../plugin/contract/protocol';

/**
 * Contacts nested deeper come back apart (TOO_DEEP). JSON.parse reads any depth, but JSON.stringify (and String()
 * of a nested phone array) recurse once per level and overflow the stack near 10,000 levels, which failed the
 * serialization of the contact's whole 4,096-contact batch. 100 levels is far beyond any real contact.
 */
export const MAX_CONTACT_DEPTH = 100;

/** Whether a parsed JSON value nests deeper than `limit` (a bare value is depth 0, `{}` 1); iterative, like JSON.parse. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child as object, depth + 1]);
    }
  }
  return false;
}

/** The NDJSON line of a contact too deep to be written back: its line instead of its content. */
export function tooDeepLine(line: number): string {
  const reason: MalformedReason = { column: '*', code: 'TOO_DEEP', message: `line ${line}: the contact is nested deeper than ${MAX_CONTACT_DEPTH} levels; flatten it and send it again` };
  return JSON.stringify({ malformed: null, reasons: [reason] }) + '\n';
}
