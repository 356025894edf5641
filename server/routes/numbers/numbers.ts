import { Router } from 'express';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
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

  /** Verdicts for a few numbers (a dialer re-checking before it dials); nothing is recorded. */
  router.post('/v1/numbers/check', anyone, async (req, res) => {
    res.type('application/json').send(services.numbers.checkJson(parsePhones(req.body)));
  });

  /** Watch tokens of the numbers a dialer holds, matched against "numbers:invalidated" pushes. */
  router.post('/v1/watch-tokens', anyone, async (req, res) => {
    res.json({ tokens: services.numbers.watchTokens(parsePhones(req.body)) });
  });

  return router;
}
