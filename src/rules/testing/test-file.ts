import { z } from 'zod';
import { parseDuration } from '../../duration.ts';
import { type StateName, StateNames } from '../../runtime/state.ts';
import { transitionFields } from '../../runtime/transition-schema.ts';
import { Labels } from '../schema-parts.ts';

/**
 * The `rules test` file format (documented in src/rules/TESTING.md). Times are ISO-8601 or relative to the
 * test's `start` ('+15m'); records are transition records as `flowtel run --record` writes them, with
 * defaults for what a hand-written one can leave out.
 */

/** An ISO-8601 time or '+<duration>' after the test's start; resolved once `start` is known. */
export const TimeRef = z.union([
  z.iso.datetime({ offset: true }),
  z.string().regex(/^\+\s*\d/, "relative times look like '+15m'"),
  z.date().transform((d) => d.toISOString()),
]);
export type TimeRef = z.infer<typeof TimeRef>;

const stateNames = Object.keys(StateNames) as [StateName, ...StateName[]];
const StateField = z.union([
  z.enum(stateNames).transform((name) => ({ type: StateNames[name], name })),
  z
    .strictObject({ type: z.string(), name: z.enum(stateNames) })
    .transform(({ name }) => ({ type: StateNames[name], name })),
]);

/** A transition record as `--record` writes it (`transitionFields`), with defaults for a hand-written one. */
export const RecordInput = z.object({
  ...transitionFields,
  v: transitionFields.v.default(1),
  seq: transitionFields.seq.optional(),
  at: TimeRef,
  attempt: transitionFields.attempt.default(1),
  state: StateField,
  tags: transitionFields.tags.default([]),
  scheduledAt: TimeRef.nullable().default(null),
  startedAt: TimeRef.optional(),
});
export type RecordInput = z.infer<typeof RecordInput>;

const ExpectedAlert = z.strictObject({
  status: z.enum(['firing', 'resolved']).optional(),
  /** Labels the alert must carry (others may be there too). */
  labels: Labels.optional(),
  summary: z.string().optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  /** Facts the alert must have, e.g. `missedSlots: 2`. */
  facts: z.record(z.string(), z.unknown()).optional(),
});
export type ExpectedAlert = z.infer<typeof ExpectedAlert>;

export const ExpectedNotification = z.strictObject({
  rule: z.string(),
  kind: z.enum(['firing', 'repeat', 'resolved']),
  /** When it was sent (the fake clock's time). */
  at: TimeRef.optional(),
  channels: z.array(z.string()).optional(),
  /** Every alert of the notification, in order. */
  alerts: z.array(ExpectedAlert).optional(),
  /** Shorthand for a notification with one alert: `labels`, `summary`. */
  labels: Labels.optional(),
  summary: z.string().optional(),
});
export type ExpectedNotification = z.infer<typeof ExpectedNotification>;

const ScheduleInput = z.union([
  z.strictObject({ flow: z.string(), cron: z.string(), timezone: z.string().optional() }),
  z.strictObject({
    flow: z.string(),
    interval: z.union([z.number(), z.string()]),
    anchor: z.string().optional(),
  }),
]);

export const TestCase = z.strictObject({
  name: z.string().min(1),
  start: TimeRef.optional(),
  /** A recorded `.jsonl` file (relative to the test file), processed before `records`. */
  input: z.string().optional(),
  records: z.array(RecordInput).default([]),
  /** Times the clock is moved to; merged with the records' times, in order. */
  evaluate: z.array(TimeRef).default([]),
  /** Flow schedules, as a flow declaring `schedule` registers them. */
  schedules: z.array(ScheduleInput).default([]),
  /** Send what grouping still holds at the end, as `flowtel run` does before it exits. @default false */
  flush: z.boolean().default(false),
  /** Which kinds of notification are compared; e.g. leave out `repeat` in a test that spans days. */
  kinds: z.array(z.enum(['firing', 'repeat', 'resolved'])).default(['firing', 'repeat', 'resolved']),
  expect: z.array(ExpectedNotification).default([]),
});
export type TestCase = z.infer<typeof TestCase>;

export const TestFile = z.strictObject({
  /** The rules folder, relative to this file. @default the folder of this file */
  rules: z.string().default('.'),
  /** Default start of every test. */
  start: TimeRef.optional(),
  /** Environment the rules see (FLOWTEL_TRACE_URL, channel secrets). @default {} */
  env: z.record(z.string(), z.string()).default({}),
  tests: z.array(TestCase).min(1),
});
export type TestFile = z.infer<typeof TestFile>;

/** Resolves a time reference against the start; '+15m' needs one. */
export function resolveTime(ref: TimeRef, start: number | undefined, field: string): number {
  if (!ref.startsWith('+')) return Date.parse(ref);
  if (start === undefined) throw new Error(`${field}: a relative time ('${ref}') needs the test's start`);
  return start + parseDuration(ref.slice(1).trim() as `${number}s`, field);
}
