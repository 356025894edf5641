import type { ApiOperation } from '../../http/openapi';
import { filterQuery, mailingIdParams, mailingListQuery, mailingParams, statsQuery } from './schema';

/** Hand-written: the mailing body is streamed and parsed by hand (CSV, NDJSON), never held whole. */
const contact = { type: 'object', description: 'a contact; its phone fields (by name, or phoneColumns) may hold a phone or an array of phones' };

export const mailingApi: ApiOperation[] = [
  {
    method: 'post',
    path: '/v1/campaigns/:campaignId/mailings',
    tag: 'Mailings',
    summary: 'Filter a mailing (streamed in and out)',
    description:
      'CSV in → multipart/mixed out with parts "kept", "malformed" and "summary"; NDJSON or JSON in → NDJSON out ({"kept"}, {"malformed", "reasons"}, then {"summary"}). ' +
      'Headers X-Mailing-Id and X-Hygiene-Applied. An error after the answer has started is in the summary\'s "error", not a status. ' +
      'order=best (hygiene campaigns): each kept contact\'s phones move across its phone columns best first, with one reason per phone ' +
      '(qualificado, atendeu_recentemente, limpo, nao_qualificado, nao_confirmado, inativo) in a last CSV column (reasonColumn, default motivo_ordem) ' +
      'or an "orderReasons" field beside "kept"; contactColumn names the CPF / contact-id column.',
    access: 'tenant',
    params: mailingParams,
    query: filterQuery,
    body: {
      description: 'up to MAX_MAILING_BYTES (CSV, NDJSON) or MAX_JSON_BODY_BYTES (JSON)',
      content: {
        'text/csv': { type: 'string', description: 'header row, any of , ; TAB | as delimiter, any encoding' },
        'application/x-ndjson': { type: 'string', description: 'one contact object per line' },
        'application/json': { oneOf: [{ type: 'array', items: contact }, { type: 'object', required: ['contacts'], properties: { contacts: { type: 'array', items: contact } } }] },
      },
    },
    responses: {
      200: {
        description: 'the filtered mailing',
        content: { 'multipart/mixed': { type: 'string' }, 'application/x-ndjson': { type: 'string' } },
      },
    },
    errors: ['INVALID_CSV', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'REQUEST_TIMEOUT', 'UNSUPPORTED_MEDIA_TYPE'],
  },
  {
    method: 'get',
    path: '/v1/campaigns/:campaignId/mailings',
    tag: 'Mailings',
    summary: "A campaign's mailings, newest first, a page at a time, with its totals; or searched, filtered and sorted",
    description:
      'Without q, status, days, sort, order or offset: the keyset list (limit, cursor; totals of its completed mailings). ' +
      'With any of them: an offset page (limit ≤ 200, default sort createdAt desc; sorts createdAt, phonesTotal, hygienizedPct) with ' +
      '"total" (matching mailings), "campaignMailings" and "totals" of every matching mailing (phones of those sent with the hygiene on); ' +
      '"next" is then null and a cursor is refused.',
    access: 'tenant',
    params: mailingParams,
    query: mailingListQuery,
    responses: {
      200: {
        description: '{"mailings": [Mailing], "next": cursor | null, "totals": {...}} or {"mailings", "next": null, "total", "campaignMailings", "totals"}',
        content: { 'application/json': null },
      },
    },
  },
  { method: 'get', path: '/v1/mailings/:mailingId', tag: 'Mailings', summary: 'One mailing and its counts', access: 'tenant', params: mailingIdParams, responses: { 200: { description: 'Mailing', content: { 'application/json': null } } } },
  {
    method: 'get',
    path: '/v1/stats/daily',
    tag: 'Mailings',
    summary: 'Hygiene per Brazilian day, tenant-wide or for one campaign',
    access: 'tenant',
    query: statsQuery,
    responses: { 200: { description: '{"days": [{day, mailings, phonesTotal, hygienized, invalid, unconfirmed}]}', content: { 'application/json': null } } },
  },
];
