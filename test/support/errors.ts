import type { Response } from 'supertest';

export type ErrorBody = { error: { code: string; message: string; field?: string; requestId: string } };

/**
 * The one error shape: {error: {code, message, requestId, field?}} and nothing else, requestId echoed in
 * X-Request-Id, and the message starting with the field when there is one.
 */
export function expectError(response: Response, status: number, code: string, field?: string): ErrorBody['error'] {
  expect({ status: response.status, body: response.body }).toMatchObject({ status, body: { error: { code } } });
  const body = response.body as ErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId).toBe(response.headers['x-request-id']);
  if (field !== undefined) {
    expect(body.error.field).toBe(field);
    expect(body.error.message.startsWith(`${field}: `)).toBe(true);
  }
  return body.error;
}
