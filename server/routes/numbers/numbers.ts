import { Router } from 'express';
import { z } from 'zod';
import type { Services } from '../../services/container';
import { authenticated } from '../../http/auth';
import { parseInput } from '../../http/validate';

const MAX_PHONES = 100_000;
const phonesBody = z.object({
  phones: z.array(z.string({ error: 'must be a string' }).max(64, 'must be at most 64 characters'), { error: 'must be an array of phone strings' }).min(1, 'must not be empty').max(MAX_PHONES, `at most ${MAX_PHONES} phones per call`),
});

export function numberRoutes(services: Services): Router {
  const router = Router();
  const anyone = authenticated(services.auth);

  /** Verdicts for a few numbers (a dialer re-checking before it dials); nothing is recorded. */
  router.post('/v1/numbers/check', anyone, async (req, res) => {
    const { phones } = parseInput(phonesBody, req.body, 'body');
    res.json({ results: services.numbers.check(phones) });
  });

  /** Watch tokens of the numbers a dialer holds, matched against "numbers:invalidated" pushes. */
  router.post('/v1/watch-tokens', anyone, async (req, res) => {
    const { phones } = parseInput(phonesBody, req.body, 'body');
    res.json({ tokens: services.numbers.watchTokens(phones) });
  });

  return router;
}
