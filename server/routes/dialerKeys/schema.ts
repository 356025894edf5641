import { z } from 'zod';

export const createKeyBody = z.object({ name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const keyParams = z.object({ keyId: z.string().uuid('must be a key id') });
