import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

/** Keyset pagination of the audit log: newest first, `before` an event id from the previous page's `next`. */
export const auditQuery = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  before: z.string().regex(/^\d{1,19}$/, 'must be an event id').optional(),
  /** Only events with exactly this target, e.g. `code:sip:404`, `campaign:<id>`. */
  target: dbSafeText().min(1, 'must not be empty').max(300, 'must be at most 300 characters').optional(),
  /** Only events whose action starts with this, e.g. `tabulation.`, `hygiene.`. */
  action: z.string().regex(/^[a-z.-]{1,60}$/, 'must be an action name or prefix').optional(),
  /** Text anywhere in the actor, target or action, any case (at most 100 characters; the page stays `limit` rows). */
  q: dbSafeText().trim().max(100, 'must be at most 100 characters').optional(),
});
