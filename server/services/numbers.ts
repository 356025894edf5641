import type { NumberCheck } from '../../plugin/contract/protocol';
import { parsePhone, parsePhoneFast, phoneErrorCodeOf } from '../domain/phone';
import { Pseudonymizer } from '../domain/pseudonym';
import { STATUS_NAMES } from '../domain/outcomes';
import type { Realtime } from '../realtime/realtime';
import type { PhoneClassifier } from './phoneClassifier';
import type { ReadBudget } from './readBudget';

/**
 * The verdict a check answers. "Não confirmado" is another tenant's recent evidence, shown only inside the
 * tenant's own mailing counts (issue 9): a check answers clean for it, so it reads only what filtering would do.
 */
const STATUS_JSON = STATUS_NAMES.map((status) => JSON.stringify({ status: status === 'unconfirmed' ? 'clean' : status }));

/** Per-number questions a running dialer asks: verdicts for a few numbers, and their watch tokens. */
export class NumberService {
  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly classifier: PhoneClassifier,
    private readonly readBudget?: ReadBudget,
  ) {}

  /** Every verdict read draws on the tenant's budget, and a range walk is flagged (services/readBudget.ts). */
  private async meter(tenantId: string, phones: readonly string[], where: string): Promise<void> {
    if (!this.readBudget) return;
    await this.readBudget.charge(tenantId, phones.length);
    if (phones.length >= 1000) {
      const digits = phones.map((phone) => parsePhoneFast(phone.trim())).filter((value) => value >= 0);
      await this.readBudget.flagEnumeration(tenantId, digits, where);
    }
  }

  async check(tenantId: string, phones: readonly string[]): Promise<string> {
    await this.meter(tenantId, phones, 'numbers/check');
    return this.checkJson(phones, this.classifier.forTenant(tenantId));
  }

  async watchTokensFor(tenantId: string, phones: readonly string[]): Promise<(number | null)[]> {
    await this.meter(tenantId, phones, 'watch-tokens');
    return this.watchTokens(phones);
  }

  /**
   * Verdicts for a few numbers as the JSON answer {"results": [NumberCheck…]}, serialized directly: a
   * clean/unconfirmed/invalid verdict is one of three constant strings, so a 1,000-phone answer costs a join
   * instead of 1,000 objects for JSON.stringify.
   */
  checkJson(phones: readonly string[], classifier: PhoneClassifier = this.classifier): string {
    // A legacy 8-digit mobile is answered for its upgraded number, as a mailing (ninth digit on, the default) dials it.
    const ninthDigitAdded = new Uint8Array(phones.length);
    const verdicts = classifier.classify(phones.map((phone) => phone.trim()), undefined, ninthDigitAdded);
    const parts = new Array<string>(phones.length);
    for (let i = 0; i < phones.length; i++) {
      const verdict = verdicts[i] as number;
      if (verdict < 0) parts[i] = JSON.stringify(this.malformed(phones[i] as string, verdict));
      else if (ninthDigitAdded[i] === 1) parts[i] = `${(STATUS_JSON[verdict] as string).slice(0, -1)},"ninthDigitAdded":true}`;
      else parts[i] = STATUS_JSON[verdict] as string;
    }
    return `{"results":[${parts.join(',')}]}`;
  }

  private malformed(phone: string, verdict: number): NumberCheck {
    const parsed = parsePhone(phone);
    return { status: 'malformed', code: phoneErrorCodeOf(verdict), message: parsed.ok ? 'not a valid Brazilian number' : parsed.message };
  }

  /** Watch tokens of phones, null for malformed ones. */
  watchTokens(phones: readonly string[]): (number | null)[] {
    const digits: number[] = [];
    const positions: number[] = [];
    phones.forEach((phone, i) => {
      const parsed = parsePhoneFast(phone.trim());
      if (parsed >= 0) {
        digits.push(parsed);
        positions.push(i);
      }
    });
    const tokens = this.pseudonymizer.watchTokens(this.pseudonymizer.phones(digits));
    const result = new Array<number | null>(phones.length).fill(null);
    positions.forEach((position, j) => {
      result[position] = tokens[j]!;
    });
    return result;
  }

  /**
   * Pushes the tokens of numbers that just became invalid in this instance's index to the dialers connected to this
   * instance (StatusIndex.onInvalidated): every instance does so for its own sockets once it holds the change, so a
   * dialer's re-check, answered by the same instance, reads "invalid".
   */
  announceInvalidated(realtime: Realtime, invalidated: readonly bigint[]): void {
    if (invalidated.length === 0) return;
    const tokens = this.pseudonymizer.watchTokens(Pseudonymizer.fromPseudonyms(invalidated));
    realtime.toLocalDialers('numbers:invalidated', { tokens: [...new Set(tokens)] });
  }
}
