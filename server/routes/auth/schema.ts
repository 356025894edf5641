import { z } from 'zod';

export const loginBody = z.object({
  email: z.string().trim().email('must be an email address'),
  password: z.string().min(1, 'is required'),
});
