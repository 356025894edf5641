import { z } from 'zod';
import { dbSafeText, uuidText } from '../../http/validate';

export const createKeyBody = z.object({ name: dbSafeText().trim().min(1, 'is required').max(100, 'must be at most 100 characters') });
export const keyParams = z.object({ keyId: uuidText('must be a key id') });
