import { z } from 'zod';
import { SUMMARY_SORTS } from '../../services/campaignSummary';
import { dbSafeText } from '../../http/validate';

export const externalId = dbSafeText().trim().min(1, 'is required').max(200, 'must be at most 200 characters');

export const campaignParams = z.object({ campaignId: externalId });

export const registerCampaignBody = z.object({
  id: externalId,
  name: dbSafeText().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
});

export const hygieneBody = z.object({ enabled: z.boolean({ error: 'must be true or false' }) });

export const ninthDigitBody = z.object({ enabled: z.boolean({ error: 'must be true or false' }) });

/** A calendar day that exists: Date rolls 2026-02-30 over to March, so the round trip must give the same day back. */
const isRealDay = (day: string) => {
  const parsed = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(day);
};
/** A real calendar day YYYY-MM-DD (also the compliance routes' days: a day Date rolls over was a 500 there). */
export const brazilianDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine(isRealDay, 'must be a real date');

/** `GET /v1/campaigns/summary`: date range (Brazilian days), search, hygiene filter, sort and an offset page. */
export const summaryQuery = z.object({
  from: brazilianDay.optional(),
  to: brazilianDay.optional(),
  q: dbSafeText().trim().max(100, 'must be at most 100 characters').optional(),
  hygiene: z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
  sort: z.enum(SUMMARY_SORTS, { error: `must be one of ${SUMMARY_SORTS.join(', ')}` }).default('hygienizedPct'),
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(25),
  offset: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').max(100_000, 'must be at most 100000').default(0),
});
