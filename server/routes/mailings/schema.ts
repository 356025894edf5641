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
