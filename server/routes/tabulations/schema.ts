import { z } from 'zod';
import { dbSafeText } from '../../http/validate';
import { OUTCOMES } from '../../domain/outcomes';

export const outcome = z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` });
export const codeParams = z.object({ code: dbSafeText().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const setCodeBody = z.object({ outcome });
/** `?days=` of GET /v1/tabulations/usage: the window the console's impact summary looks back on. */
export const usageQuery = z.object({
  days: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(90, 'must be at most 90').default(30),
});
