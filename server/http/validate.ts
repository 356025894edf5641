import type { z } from 'zod';
import { AppError } from '../errors';

/** Validates input at the edge; the first problem becomes "field: message" with the field's path. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  throw new AppError('VALIDATION_FAILED', issue.message, field);
}
