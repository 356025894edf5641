import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

export const outcome = z.enum(['invalid', 'contact', 'neutral'], { error: 'must be one of invalid, contact, neutral' });
export const codeParams = z.object({ code: dbSafeText().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const setCodeBody = z.object({ outcome });
