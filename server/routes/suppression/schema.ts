import { z } from 'zod';
import { PURPOSES, LIST_PURPOSES } from '../../domain/suppression';
import { dbSafeText, uuidText } from '../../http/validate';
import { pageQuery } from '../../http/page';
import { externalId } from '../campaigns/schema';

const purposeList = `must be one of ${PURPOSES.join(', ')}`;
export const purposeBody = z.object({ purpose: z.enum(PURPOSES, { error: purposeList }) });

const source = dbSafeText().trim().min(1, 'must say where the request came from').max(200, 'must be at most 200 characters');
/** An expiry in the future is checked by the service's clock; here only the shape. */
const expiresAt = z.iso.datetime({ offset: true, error: 'must be an ISO date-time with its offset (2027-01-31T23:59:59-03:00)' });
const phones = z
  .array(z.string({ error: 'must be a string' }).max(64, 'must be at most 64 characters'), { error: 'must be an array of phone strings' })
  .min(1, 'must not be empty')
  .max(2000, 'at most 2000 phones per call; import a file for more');

export const addEntriesBody = z.object({ phones, campaignId: externalId.optional(), source, expiresAt: expiresAt.optional() });
export const removeEntriesBody = z.object({ phones, campaignId: externalId.optional() });
export const entryParams = z.object({ entryId: uuidText() });
export const listEntriesQuery = pageQuery.extend({ campaignId: externalId.optional() });
export const importQuery = z.object({ campaignId: externalId.optional(), source, expiresAt: expiresAt.optional() });

export const sharedListParams = z.object({ code: dbSafeText().trim().max(40, 'must be at most 40 characters') });
export const sharedImportQuery = z.object({
  purposes: z
    .string()
    .trim()
    .optional()
    .transform((text) => (text === undefined || text === '' ? undefined : text.split(',').map((purpose) => purpose.trim())))
    .pipe(z.array(z.enum(LIST_PURPOSES, { error: `each must be one of ${LIST_PURPOSES.join(', ')}` })).optional()),
  source: dbSafeText().trim().max(200, 'must be at most 200 characters').optional(),
  actor: dbSafeText().trim().max(100, 'must be at most 100 characters').optional(),
});
