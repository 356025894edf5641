import { z } from 'zod';
import { HHMM, HOURS_SCOPES, windowProblem, type HoursScope } from '../../domain/callingHours';

const time = z.string({ error: 'must be "HH:MM"' }).regex(HHMM, 'must be "HH:MM" (00:00 to 24:00)');
const day = z.object({ start: time, end: time }).nullable();

export const hoursParams = z.object({
  scope: z.string().trim().toUpperCase().refine((scope): scope is HoursScope => (HOURS_SCOPES as readonly string[]).includes(scope), 'must be BR or a state (UF) such as SP'),
});

/** `{windows: {weekdays, saturday, sunday}}` (each {start, end} or null: no calls that day), or `{windows: null}` for the preset. */
export const hoursBody = z.object({
  windows: z
    .object({ weekdays: day, saturday: day, sunday: day })
    .check((ctx) => {
      const problem = windowProblem(ctx.value);
      if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
    })
    .nullable(),
});
