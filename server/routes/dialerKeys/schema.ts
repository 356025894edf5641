import { z } from 'zod';
import { dbSafeText, uuidText } from '../../http/validate';
import { pageQuery } from '../../http/page';
import { DIALER_KEY_SORTS } from '../../services/tenants';

export const createKeyBody = z.object({ name: dbSafeText().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const keyParams = z.object({ keyId: uuidText('must be a key id') });

/**
 * `GET /v1/dialer-keys`: the plain keyset list (`limit`, `cursor`), or, with any of `q`, `state`, `sort`, `order` or
 * `offset`, a searched and sorted offset page (TenantService.searchDialerKeys).
 */
export const keyListQuery = pageQuery.extend({
  q: dbSafeText().trim().max(100, 'must be at most 100 characters').optional(),
  state: z.enum(['active', 'revoked'], { error: 'must be active or revoked' }).optional(),
  sort: z.enum(DIALER_KEY_SORTS, { error: `must be one of ${DIALER_KEY_SORTS.join(', ')}` }).optional(),
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).optional(),
  offset: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').max(100_000, 'must be at most 100000').optional(),
});
