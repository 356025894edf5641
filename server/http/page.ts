import { z } from 'zod';
import { dbSafeText } from './validate';

/** Largest page of a list; the default page fits a console screen and a dialer's campaigns at once. */
export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 100;

/** `?limit&cursor` of the paginated lists (server/services/pagination.ts); `cursor` is a previous answer's `next`. */
export const pageQuery = z.object({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`)
    .default(DEFAULT_PAGE_LIMIT),
  cursor: dbSafeText().min(1, 'must not be empty').max(200, 'must be the "next" of a previous page').optional(),
});

/** The service's page request, without an absent cursor (exactOptionalPropertyTypes). */
export const pageRequest = (query: z.infer<typeof pageQuery>) => ({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
