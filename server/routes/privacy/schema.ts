import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

export const withdrawBody = z.object({ phone: dbSafeText().trim().min(1, 'is required').max(64, 'must be at most 64 characters') });
