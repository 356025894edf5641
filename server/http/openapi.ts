import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors';

/**
 * The OpenAPI 3.1 document, built from descriptions that sit next to each route (`routes/<resource>/openapi.ts`):
 * parameters and JSON bodies come from the same zod schemas the handlers validate with (z.toJSONSchema, input
 * side: what a client sends, before trims and defaults), so the document cannot drift from validation. Routes
 * that parse by hand (outcome batches, phone lists, streamed mailings) describe their bodies in JSON Schema there.
 * test/routes/openapi.test.ts fails when a registered route is missing from the document.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'delete';
/** Who may call: no credential, any tenant credential, a tenant admin, a dialer key, or the operator token. */
export type Access = 'public' | 'tenant' | 'admin' | 'dialer' | 'operator';
export type JsonSchema = Record<string, unknown>;
/** A body or a response per media type: a zod schema, a JSON Schema, or nothing to say about its shape. */
export type Content = Record<string, z.ZodType | JsonSchema | null>;

export type ApiOperation = {
  method: HttpMethod;
  /** The Express template ("/v1/campaigns/:campaignId"), exactly as the route is registered. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { description?: string; content: Content };
  responses: Record<number, { description: string; content?: Content }>;
  /** Error codes beyond those the route's shape implies (credentials, validation, INTERNAL, UNAVAILABLE). */
  errors?: ErrorCode[];
  /** A page or a probe that touches neither the database nor a credential: only INTERNAL is implied. */
  static?: boolean;
};

const JSON_MEDIA = 'application/json';

function toJsonSchema(schema: z.ZodType | JsonSchema): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const { $schema: _dialect, ...converted } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return converted;
}

function contentOf(content: Content): Record<string, { schema?: JsonSchema }> {
  return Object.fromEntries(Object.entries(content).map(([media, schema]) => [media, schema ? { schema: toJsonSchema(schema) } : {}]));
}

function parametersOf(where: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const converted = toJsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(converted.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return { name, in: where, required: where === 'path' || (converted.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

/** Every error code the operation can answer with: what its shape implies, plus its own. */
export function errorCodesOf(operation: ApiOperation): ErrorCode[] {
  const codes = new Set<ErrorCode>(['INTERNAL']);
  if (!operation.static) codes.add('UNAVAILABLE');
  if (operation.access !== 'public') codes.add('UNAUTHENTICATED');
  if (operation.access === 'admin' || operation.access === 'dialer') codes.add('FORBIDDEN');
  if (operation.params || operation.query || operation.body) codes.add('VALIDATION_FAILED');
  if (operation.params && operation.access !== 'public') codes.add('NOT_FOUND');
  if (operation.body?.content[JSON_MEDIA] !== undefined) {
    codes.add('INVALID_JSON');
    codes.add('PAYLOAD_TOO_LARGE');
  }
  for (const code of operation.errors ?? []) codes.add(code);
  return [...codes];
}

/** One response per status, its `code` narrowed to the codes this operation gives with that status. */
function errorResponses(operation: ApiOperation): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(operation)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schema = { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { properties: { code: { enum: codes } } } } }] };
    responses[String(status)] = {
      description: codes.join(', '),
      ...(status === 503 ? { headers: { 'Retry-After': { description: 'seconds to wait before sending the same request again', schema: { type: 'integer' } } } } : {}),
      content: { [JSON_MEDIA]: { schema } },
    };
  }
  return responses;
}

const SECURITY: Record<Access, JsonSchema[]> = {
  public: [],
  tenant: [{ tenantBearer: [] }],
  admin: [{ tenantBearer: [] }],
  dialer: [{ tenantBearer: [] }],
  operator: [{ operatorBearer: [] }],
};

const ACCESS_NOTE: Record<Access, string> = {
  public: 'No credential.',
  tenant: 'An admin session or a dialer key; scoped to its tenant.',
  admin: 'A tenant admin session (JWT); scoped to its tenant.',
  dialer: 'A dialer key; scoped to its tenant.',
  operator: 'The operator token (OPERATOR_TOKEN). Served on the operator listener only (OPERATOR_HOST:OPERATOR_PORT, 127.0.0.1:3001 by default); the public listener answers 404.',
};

/**
 * Where an operation is served: operator operations have their own listener (server/app.ts, createOperatorApp),
 * said both as OpenAPI's per-operation `servers` and as `x-listener`, which a test reads to call the right one.
 */
const OPERATOR_LISTENER = {
  servers: [{ url: 'http://127.0.0.1:3001', description: 'the operator listener (OPERATOR_HOST:OPERATOR_PORT; loopback by default)' }],
  'x-listener': 'operator',
};

/** "/v1/campaigns/:campaignId" → "/v1/campaigns/{campaignId}" */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function operationObject(operation: ApiOperation): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    responses[status] = { description: response.description, ...(response.content ? { content: contentOf(response.content) } : {}) };
  }
  for (const [status, response] of Object.entries(errorResponses(operation))) {
    if (responses[status]) throw new Error(`${operation.method.toUpperCase()} ${operation.path}: status ${status} is both an answer and an error`);
    responses[status] = response;
  }
  const parameters = [...parametersOf('path', operation.params), ...parametersOf('query', operation.query)];
  return {
    operationId: `${operation.method}${openApiPath(operation.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(\w)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}`,
    tags: [operation.tag],
    summary: operation.summary,
    description: [operation.description, ACCESS_NOTE[operation.access]].filter(Boolean).join('\n\n'),
    security: SECURITY[operation.access],
    ...(operation.access === 'operator' ? OPERATOR_LISTENER : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body ? { requestBody: { required: true, ...(operation.body.description ? { description: operation.body.description } : {}), content: contentOf(operation.body.content) } } : {}),
    responses,
  };
}

/** The error shape every route answers with (server/http/errors.ts). */
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
        message: { type: 'string', description: 'starts with the field when there is one ("outcomes[3].phone: …")' },
        field: { type: 'string', description: 'the offending input: a body path, a parameter name, "body" or "query"' },
        requestId: { type: 'string', description: 'also in the X-Request-Id header; quote it when reporting a problem' },
      },
    },
  },
};

export function buildOpenApiDocument(operations: readonly ApiOperation[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of operations) {
    const template = openApiPath(operation.path);
    const path = paths[template] ?? {};
    paths[template] = path;
    if (path[operation.method]) throw new Error(`${operation.method.toUpperCase()} ${operation.path} is described twice`);
    path[operation.method] = operationObject(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mailing hygiene server',
      version: info.version,
      description: 'Shared mailing hygiene for auto-dialers. Prose reference: docs/api.md. Every error is {"error": {"code", "message", "field"?, "requestId"}}.',
    },
    servers: [{ url: '/' }],
    tags: [...new Set(operations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        tenantBearer: { type: 'http', scheme: 'bearer', description: 'An admin session (JWT from POST /v1/auth/login) or a dialer key (hyg_<prefix>_<secret>)' },
        operatorBearer: { type: 'http', scheme: 'bearer', description: 'The operator token (OPERATOR_TOKEN)' },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}
