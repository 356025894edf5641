import { z } from 'zod';
import { dbSafeText, uuidText } from '../../http/validate';
import { externalId } from '../campaigns/schema';
import { pageQuery } from '../../http/page';
import { MAILING_SORTS } from '../../services/mailingSearch';

export const mailingParams = z.object({ campaignId: externalId });
export const mailingIdParams = z.object({ mailingId: uuidText('must be a mailing id (a UUID)') });

export const filterQuery = z.object({
  name: dbSafeText().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  phoneColumns: dbSafeText()
    .trim()
    .min(1, 'must name at least one column')
    .transform((value) => value.split(',').map((name) => name.trim()).filter(Boolean))
    .optional(),
  /** CSV: adds a last column of this name listing, per kept row, the phone columns given their ninth digit. */
  ninthDigitColumn: dbSafeText().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  /** `best`: each kept contact's phones best first (the tenant's right-party history, then "answered recently"…). */
  order: z.enum(['file', 'best'], { error: 'must be file or best' }).optional(),
  /** With order=best: the CPF or contact-id column (detected from names such as cpf, lead_id, contato when absent). */
  contactColumn: dbSafeText().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  /** CSV with order=best: the reason column's name (default motivo_ordem). */
  reasonColumn: dbSafeText().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
});

export const statsQuery = z.object({
  campaignId: externalId.optional(),
  days: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(366, 'must be at most 366').default(30),
});

/**
 * `GET /v1/campaigns/:campaignId/mailings`: the plain keyset list (`limit`, `cursor`), or, with any of `q`, `status`,
 * `days`, `sort`, `order` or `offset`, a searched and sorted offset page (server/services/mailingSearch.ts).
 */
export const mailingListQuery = pageQuery.extend({
  q: dbSafeText().trim().max(100, 'must be at most 100 characters').optional(),
  status: z.enum(['running', 'completed', 'failed'], { error: 'must be running, completed or failed' }).optional(),
  days: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(3660, 'must be at most 3660').optional(),
  sort: z.enum(MAILING_SORTS, { error: `must be one of ${MAILING_SORTS.join(', ')}` }).optional(),
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).optional(),
  offset: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0').max(100_000, 'must be at most 100000').optional(),
});
