import { z } from 'zod';

export const outcome = z.enum(['invalid', 'contact', 'neutral'], { error: 'must be one of invalid, contact, neutral' });
export const codeParams = z.object({ code: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const setCodeBody = z.object({ outcome });
