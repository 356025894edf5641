import { z } from 'zod';
import { AppError } from '../errors';
import { unstorableTextProblem } from '../domain/text';

/** Validates input at the edge; the first problem becomes "field: message" with the field's path. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  throw new AppError('VALIDATION_FAILED', issue.message, field);
}

/**
 * The start of every text field of every schema (body, query, params): text the database cannot store (a NUL,
 * an unpaired surrogate; see domain/text.ts) is a 400 naming the field instead of a 500 from the database.
 * test/routes/db-safe-text.test.ts fails when a schema field accepts such text.
 */
export const dbSafeText = () =>
  z.string().check((ctx) => {
    const problem = unstorableTextProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

/** Any 8-4-4-4-12 hexadecimal id, the form PostgreSQL's uuid type reads; anything else never reaches a query. */
export const uuidText = (message = 'must be a UUID') => dbSafeText().trim().pipe(z.guid(message));
