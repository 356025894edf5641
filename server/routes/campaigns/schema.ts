import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

export const externalId = dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters');

export const campaignParams = z.object({ campaignId: externalId });

export const registerCampaignBody = z.object({
  id: externalId,
  name: dbSafeText().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
});

export const hygieneBody = z.object({ enabled: z.boolean({ error: 'must be true or false' }) });
