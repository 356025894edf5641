import { z } from 'zod';

/** Keyset pagination of the audit log: newest first, `before` an event id from the previous page's `next`. */
export const auditQuery = z.object({
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  before: z.string().regex(/^\d{1,19}$/, 'must be an event id').optional(),
});
