import { z } from 'zod';
import { dbSafeText, uuidText } from '../../http/validate';
import { externalId } from '../campaigns/schema';

export const mailingParams = z.object({ campaignId: externalId });
export const mailingIdParams = z.object({ mailingId: uuidText('must be a mailing id (a UUID)') });

export const filterQuery = z.object({
  name: dbSafeText().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  phoneColumns: dbSafeText()
    .trim()
    .min(1, 'must name at least one column')
    .transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean))
    .optional(),
});

export const statsQuery = z.object({
  campaignId: externalId.optional(),
  days: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(366, 'must be at most 366').default(30),
});
