import type { NumberCheck } from '../../plugin/contract/protocol';
import { checkCallingHours } from '../domain/callingHours';
import { parsePhoneFast } from '../domain/phone';
import type { Pseudonymizer } from '../domain/pseudonym';
import type { CallingHoursService } from './callingHours';
import type { CampaignService } from './campaigns';
import type { NumberService } from './numbers';
import { SuppressionService } from './suppression';

/** The Portuguese message the console and the dialer show for a number outside its calling hours. */
export const OUTSIDE_HOURS_MESSAGE = 'fora do horário permitido';

/**
 * The dial-time check given a campaign (POST /v1/numbers/check with `campaignId`): the number's verdict, then, in
 * this order, what forbids dialing it now: a malformed number stays malformed; a suppressed one answers
 * `suppressed` with the kind of list only (national, state, tenant, campaign), whatever its hygiene verdict; a
 * number the dialer may call but not now answers `outside_hours` with the next allowed time. Suppression and hours
 * apply whether the campaign's hygiene is on or off: they are compliance, not hygiene.
 */
export class DialCheckService {
  constructor(
    private readonly numbers: NumberService,
    private readonly suppression: SuppressionService,
    private readonly callingHours: CallingHoursService,
    private readonly campaigns: CampaignService,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly clock: () => Date,
  ) {}

  async check(tenantId: string, campaignExternalId: string, phones: readonly string[]): Promise<{ results: NumberCheck[] }> {
    const campaign = await this.campaigns.find(tenantId, campaignExternalId);
    const [verdicts, matcher, rules] = await Promise.all([
      this.numbers.check(tenantId, phones),
      this.suppression.matcherFor(tenantId, campaign),
      this.callingHours.rulesOf(tenantId),
    ]);
    const results = (JSON.parse(verdicts) as { results: NumberCheck[] }).results;
    const valid: number[] = [];
    const positions: number[] = [];
    phones.forEach((phone, i) => {
      const digits = parsePhoneFast(phone.trim());
      if (digits >= 0 && results[i]?.status !== 'malformed') {
        valid.push(digits);
        positions.push(i);
      }
    });
    const kinds = SuppressionService.kindsOf(matcher, this.pseudonymizer, valid);
    const now = this.clock();
    positions.forEach((position, j) => {
      const list = kinds[j];
      if (list) {
        results[position] = { status: 'suppressed', list };
        return;
      }
      if (results[position]?.status === 'invalid') return;
      const hours = checkCallingHours(valid[j] as number, now, rules);
      if (!hours.allowed) {
        results[position] = {
          status: 'outside_hours',
          code: 'OUTSIDE_CALLING_HOURS',
          message: `${OUTSIDE_HOURS_MESSAGE}${hours.uf ? ` (${hours.uf})` : ''}`,
          uf: hours.uf,
          nextAllowedAt: hours.nextAllowedAt,
        };
      }
    });
    return { results };
  }
}
