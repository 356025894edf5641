import type { NumberCheck } from '../../plugin/src/shared/protocol';
import { parsePhone, parsePhoneFast, phoneErrorCodeOf } from '../domain/phone';
import { Pseudonymizer } from '../domain/pseudonym';
import { STATUS_NAMES, NumberStatus } from '../domain/outcomes';
import type { Realtime } from '../realtime/realtime';
import type { PhoneClassifier } from './phoneClassifier';
import type { StatusChange } from './statusIndex';

const STATUS_JSON = STATUS_NAMES.map((status) => JSON.stringify({ status }));

/** Per-number questions a running dialer asks: verdicts for a few numbers, and their watch tokens. */
export class NumberService {
  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly classifier: PhoneClassifier,
  ) {}

  /**
   * Verdicts for a few numbers as the JSON answer {"results": [NumberCheck…]}, serialized directly: a
   * clean/unconfirmed/invalid verdict is one of three constant strings, so a 1,000-phone answer costs a join
   * instead of 1,000 objects for JSON.stringify.
   */
  checkJson(phones: readonly string[]): string {
    const verdicts = this.classifier.classify(phones.map((phone) => phone.trim()));
    const parts = new Array<string>(phones.length);
    for (let i = 0; i < phones.length; i++) {
      const verdict = verdicts[i] as number;
      parts[i] = verdict >= 0 ? (STATUS_JSON[verdict] as string) : JSON.stringify(this.malformed(phones[i] as string, verdict));
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
    positions.forEach((position, j) => (result[position] = tokens[j]!));
    return result;
  }

  /** Pushes the tokens of numbers that just became invalid to every dialer (called by the committing instance). */
  announceInvalidated(realtime: Realtime, changes: readonly StatusChange[]): void {
    const invalidated = changes.filter((change) => change.status === NumberStatus.invalid).map((change) => change.pseudonym);
    if (invalidated.length === 0) return;
    const tokens = this.pseudonymizer.watchTokens(Pseudonymizer.fromPseudonyms(invalidated));
    realtime.toDialers('numbers:invalidated', { tokens: [...new Set(tokens)] });
  }
}
