import type { ApiOperation } from '../../http/openapi';
import { contestBody, explainBody } from './schema';

/** Hand-written: numbers.ts checks the phone list with one loop (a schema per element was measurably slow). */
const phoneList = {
  type: 'object',
  required: ['phones'],
  properties: { phones: { type: 'array', minItems: 1, maxItems: 100_000, items: { type: 'string', maxLength: 64 } } },
};

/** The check's body: the phones, and optionally the campaign whose suppression lists and calling hours apply. */
const checkBody = { ...phoneList, properties: { ...phoneList.properties, campaignId: { type: 'string', minLength: 1, maxLength: 200 } } };

export const numberApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/v1/numbers/check',
    tag: 'Numbers',
    summary: 'Verdicts for a few numbers (nothing is recorded)',
    access: 'tenant',
    body: { content: { 'application/json': checkBody } },
    responses: {
      200: {
        description:
          '{"results": [{"status": "clean" | "unconfirmed" | "invalid"} or {"status": "malformed", code, message}]}, in the order sent; given campaignId also ' +
          '{"status": "suppressed", "list": "national" | "state" | "tenant" | "campaign"} and {"status": "outside_hours", "code": "OUTSIDE_CALLING_HOURS", message, uf, nextAllowedAt}',
        content: { 'application/json': null },
      },
    },
    errors: ['RATE_LIMITED', 'NOT_FOUND'],
  },
  {
    method: 'post',
    path: '/v1/watch-tokens',
    tag: 'Numbers',
    summary: 'Watch tokens of numbers, matched against numbers:invalidated pushes',
    access: 'tenant',
    body: { content: { 'application/json': phoneList } },
    responses: { 200: { description: '{"tokens": [20-bit number or null]}', content: { 'application/json': null } } },
    errors: ['RATE_LIMITED'],
  },
  {
    method: 'post',
    path: '/v1/numbers/explain',
    tag: 'Numbers',
    summary: 'Why a number is removed for this tenant: counted marks, distinct tenants and days, expiry (a metered read)',
    access: 'tenant',
    body: { content: { 'application/json': explainBody } },
    responses: { 200: { description: '{"removed": false} or {"removed": true, status, by, countedMarks, distinctTenants, distinctDays, lastSeenAt, expiresAt, possiblyReassigned, contested}', content: { 'application/json': null } } },
    errors: ['RATE_LIMITED'],
  },
  {
    method: 'post',
    path: '/v1/numbers/contest',
    tag: 'Numbers',
    summary: 'Contest a removal: the number goes on probation for this tenant only (audited)',
    access: 'admin',
    body: { content: { 'application/json': contestBody } },
    responses: { 200: { description: '{"contested": true}', content: { 'application/json': null } } },
  },
];
