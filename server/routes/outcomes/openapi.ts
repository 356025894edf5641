import type { ApiOperation } from '../../http/openapi';

/** Hand-written: the route validates item by item (a bad item must not cost the batch), not with one schema. */
const outcomeBatch = {
  type: 'object',
  required: ['outcomes'],
  properties: {
    outcomes: {
      type: 'array',
      description: 'at most MAX_BATCH_SIZE items (10,000 by default); more is 413 BATCH_TOO_LARGE and nothing is taken',
      items: {
        type: 'object',
        required: ['callId', 'campaignId', 'phone', 'code'],
        properties: {
          callId: { type: 'string', maxLength: 200, description: 'idempotency key: a call already counted is a duplicate' },
          campaignId: { type: 'string', maxLength: 200, description: "the dialer's campaign id; unknown ones are registered (hygiene off)" },
          phone: { type: 'string', description: 'a Brazilian number in any common spelling' },
          code: { type: 'string', maxLength: 200, description: 'sip:<final response>, q850:<cause>, a VICIdial status or a code of the tenant' },
          occurredAt: { type: 'string', format: 'date-time' },
          contactId: { type: 'string', maxLength: 200, description: "the dialer's contact (lead) id; with right/wrong-party codes it sets the tenant's contact–phone state (stored only as a tenant-keyed pseudonym)" },
          cpf: { type: 'string', description: "the contact's CPF, any punctuation, check digits verified (INVALID_CPF); wins over contactId; stored only as a tenant-keyed pseudonym" },
        },
      },
    },
  },
};

const itemError = { type: 'object', required: ['code', 'field', 'message'], properties: { code: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } } };

const batchResult = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected', 'results'],
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: { type: 'integer' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'status'],
        properties: {
          index: { type: 'integer' },
          status: { enum: ['accepted', 'duplicate', 'rejected'] },
          outcome: { enum: ['invalid', 'contact', 'neutral', 'right_party', 'wrong_party'] },
          contributed: { type: 'boolean', description: 'whether the outcome reached the shared history' },
          error: itemError,
        },
      },
    },
  },
};

export const outcomeApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/v1/outcomes',
    tag: 'Outcomes',
    summary: 'Report a batch of tabulations',
    description: 'A result per item (accepted, duplicate, or rejected with code and field); the answer comes after the commit. Also over socket.io as `outcomes:report`.',
    access: 'dialer',
    body: { content: { 'application/json': outcomeBatch } },
    responses: { 200: { description: 'the batch result', content: { 'application/json': batchResult } } },
    errors: ['BATCH_TOO_LARGE', 'RATE_LIMITED'],
  },
];
