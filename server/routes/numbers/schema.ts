import { z } from 'zod';
import { dbSafeText } from '../../http/validate';

const phone = dbSafeText().trim().min(1, 'is required').max(64, 'must be at most 64 characters');

export const explainBody = z.object({ phone });
export const contestBody = z.object({
  phone,
  reason: dbSafeText().trim().min(5, 'must say why (at least 5 characters)').max(500, 'must be at most 500 characters'),
});

/** The campaign of a dial-time check (optional): its suppression lists and calling hours apply. The phones are read by hand. */
export const checkCampaign = z.object({ campaignId: dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters').optional() });
