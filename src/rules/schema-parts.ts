import { z } from 'zod';
import { DurationError, type DurationInput, parseDuration } from '../duration.ts';
import { cronProblem, isTimeZone } from '../schedule/spec.ts';

export type { DurationInput, DurationUnit } from '../duration.ts';

/**
 * Building blocks of the rules schema: durations, name patterns, cron expressions and time zones, each
 * validated with a message that says what was expected and what was found.
 */

/** A duration in, milliseconds out. Typed so an editor rejects `'15 minutes'` before zod does. */
export const Duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value, 'value');
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration such as '250ms', '30s', '15m', '4h' or a number of milliseconds, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
}) as unknown as z.ZodType<number, DurationInput>;

/** A name or glob (`*`, `?`), or a list of them (any may match). */
export const NamePattern = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
export type NamePattern = z.infer<typeof NamePattern>;

/** An IANA time zone such as 'Europe/Berlin'. */
export const TimeZone = z.string().refine(isTimeZone, {
  error: (issue) =>
    `must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got ${JSON.stringify(issue.input)}`,
});

/** A cron expression croner accepts (5 fields, or 6 with seconds); the reason is croner's own words. */
export const CronExpression = z.string().superRefine((expr, ctx) => {
  const problem = cronProblem(expr);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression: ${problem}` });
});

/** A point in time: an ISO-8601 string with a zone, a Date or epoch milliseconds. Out: epoch milliseconds. */
export const Instant = z
  .union([z.iso.datetime({ offset: true }), z.date(), z.number()])
  .transform((value) =>
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value),
  );

export const Severity = z.enum(['info', 'warning', 'critical']);

export const Labels = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'label names are letters, digits, _ and .'),
  z.string(),
);

/** `param.<name>` reads a run parameter; `error.type` the error's class name. */
export const GroupByKey = z
  .string()
  .regex(
    /^(param\.[A-Za-z0-9_-]+|error\.type)$/,
    "groupBy keys are 'param.<name>' (a run parameter) or 'error.type'",
  );
