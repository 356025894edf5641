import { z } from 'zod';
import { dbSafeText } from '../../http/validate';
import { email, newPassword } from '../auth/schema';

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const slug = dbSafeText().trim().regex(SLUG, 'must be 2-63 lower-case letters, digits or dashes');

export const createTenantBody = z.object({ slug, name: dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters') });
/** A tenant by slug or id; anything else ("-" × 36 looked like an id) never reaches a query. */
export const tenantParams = z.object({
  tenant: dbSafeText()
    .trim()
    .min(1, 'is required')
    .refine((value) => SLUG.test(value) || GUID.test(value), 'must be a tenant slug or id'),
});
export const createAdminBody = z.object({
  email: email(),
  name: dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  password: newPassword(),
});
export const createKeyBody = z.object({ name: dbSafeText().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const forgetBody = z.object({
  phone: dbSafeText().trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
  reason: dbSafeText().trim().min(5, 'must say why (at least 5 characters)').max(500, 'must be at most 500 characters'),
  actor: dbSafeText().trim().min(1).max(200).optional(),
});
export const quarantineBody = z.object({
  quarantined: z.boolean({ error: 'must be true or false' }),
  reason: dbSafeText().trim().min(5, 'must say why (at least 5 characters)').max(500, 'must be at most 500 characters'),
  actor: dbSafeText().trim().min(1).max(200).optional(),
});
export const tenantDisabledBody = z.object({
  disabled: z.boolean({ error: 'must be true or false' }),
  reason: dbSafeText().trim().min(5, 'must say why (at least 5 characters)').max(500, 'must be at most 500 characters'),
  actor: dbSafeText().trim().min(1).max(200).optional(),
});
