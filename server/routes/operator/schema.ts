import { z } from 'zod';

export const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes');

export const createTenantBody = z.object({ slug, name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters') });
export const tenantParams = z.object({ tenant: z.string().trim().min(1, 'is required') });
export const createAdminBody = z.object({
  email: z.string().trim().email('must be an email address'),
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  password: z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters'),
});
export const createKeyBody = z.object({ name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const forgetBody = z.object({ phone: z.string().trim().min(1, 'is required') });
