import { z } from 'zod';
import { accessCodeDigits, cnpjDigits } from '../../domain/anatel';
import { dbSafeText } from '../../http/validate';
// Date.parse rolls 2026-02-30 over to March; campaigns' day checks the round trip (it reached a query as a 500).
import { brazilianDay, externalId } from '../campaigns/schema';

/** A CNPJ in any usual spelling ("11.222.333/0001-81"), check digits verified; yields its 14 digits. */
const cnpj = dbSafeText()
  .trim()
  .transform((text, ctx) => {
    const digits = cnpjDigits(text);
    if (digits === null) {
      ctx.issues.push({ code: 'custom', message: 'must be a valid CNPJ (14 digits with matching check digits)', input: text });
      return z.NEVER;
    }
    return digits;
  });

const accessCode = dbSafeText()
  .trim()
  .transform((text, ctx) => {
    const digits = accessCodeDigits(text);
    if (digits === null) {
      ctx.issues.push({ code: 'custom', message: 'must be the access code digits (3 to 20)', input: text });
      return z.NEVER;
    }
    return digits;
  });

export const cnpjParams = z.object({ cnpj });
export const putCnpjBody = z.object({
  name: dbSafeText().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  accessCodes: z.array(accessCode, { error: 'must be a list of access codes' }).max(1000, 'must hold at most 1000 access codes').default([]),
});
export const campaignParams = z.object({ campaignId: externalId });
export const campaignCnpjBody = z.object({ cnpj: cnpj.nullable() });
export const meterQuery = z.object({ day: brazilianDay.optional() });
export const historyQuery = z.object({ from: brazilianDay.optional(), to: brazilianDay.optional() });
