import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { principalOf } from '../../http/context';
import { parseInput } from '../../http/validate';
import { checkCampaign, contestBody, explainBody } from './schema';
import { AppError } from '../../errors';

const MAX_PHONES = 100_000;

/**
 * {"phones": [string, …]}, checked with one loop: dialers send thousands of phones per call, and a schema
 * validator per element was a visible share of this route's time. Errors name the element.
 */
function parsePhones(body: unknown): string[] {
  const phones = (body as { phones?: unknown } | null | undefined)?.phones;
  if (!Array.isArray(phones)) throw new AppError('VALIDATION_FAILED', 'must be an array of phone strings', 'phones');
  if (phones.length === 0) throw new AppError('VALIDATION_FAILED', 'must not be empty', 'phones');
  if (phones.length > MAX_PHONES) throw new AppError('VALIDATION_FAILED', `at most ${MAX_PHONES} phones per call`, 'phones');
  for (let i = 0; i < phones.length; i++) {
    const phone: unknown = phones[i];
    if (typeof phone !== 'string') throw new AppError('VALIDATION_FAILED', 'must be a string', `phones.${i}`);
    if (phone.length > 64) throw new AppError('VALIDATION_FAILED', 'must be at most 64 characters', `phones.${i}`);
  }
  return phones as string[];
}

export function numberRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);

  /**
   * Verdicts for a few numbers (a dialer re-checking before it dials); nothing is recorded. Given `campaignId`, the
   * dial-time check: also suppression lists and calling hours (services/dialCheck.ts).
   */
  router.post('/v1/numbers/check', anyone, async (req, res) => {
    const phones = parsePhones(req.body);
    const { campaignId } = parseInput(checkCampaign, req.body, 'body');
    const tenantId = principalOf(res).tenantId;
    if (campaignId === undefined) res.type('application/json').send(await services.numbers.check(tenantId, phones));
    else res.json(await services.dialCheck.check(tenantId, campaignId, phones));
  });

  /** Watch tokens of the numbers a dialer holds, matched against "numbers:invalidated" pushes. */
  router.post('/v1/watch-tokens', anyone, async (req, res) => {
    const phones = parsePhones(req.body);
    res.json({ tokens: await services.numbers.watchTokensFor(principalOf(res).tenantId, phones) });
  });

  /** Why a number is removed from this tenant's mailings (counts only; `{removed: false}` otherwise). */
  router.post('/v1/numbers/explain', anyone, async (req, res) => {
    const { phone } = parseInput(explainBody, req.body, 'body');
    res.json(await services.trust.explain(principalOf(res).tenantId, phone));
  });

  /** An admin contests a removal: the number goes on probation for this tenant only (audited). */
  router.post('/v1/numbers/contest', authenticated(services.auth, 'admin'), async (req, res) => {
    const { phone, reason } = parseInput(contestBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await services.trust.contest(principal.tenantId, principal.actor, phone, reason));
  });

  return router;
}
