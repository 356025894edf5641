import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

export const loginBody = z.object({
  email: dbSafeText().trim().email('must be an email address'),
  password: dbSafeText().min(1, 'is required'),
});
