import { z } from 'zod';
import { CronExpression, Duration, Instant, NamePattern, TimeZone } from './schema-parts.ts';

/**
 * The seven conditions (the README's table under "Alert rules as code" gives each one's identity and
 * resolution), one strict object each, so a key that belongs to another condition (a `task` on
 * `flow-failed`, a `count` on `flow-late`) is reported.
 */

const flowMatch = {
  /** Flow name or glob; absent: every flow. */
  flow: NamePattern.optional(),
  /** Every listed tag (name or glob) must be on the run. */
  tags: z.array(z.string().min(1)).optional(),
};
const taskMatch = { ...flowMatch, task: NamePattern.optional() };

export const FlowFailed = z.strictObject({ type: z.literal('flow-failed'), ...flowMatch });
export const TaskFailed = z.strictObject({ type: z.literal('task-failed'), ...taskMatch });
export const TaskRetrying = z.strictObject({
  type: z.literal('task-retrying'),
  ...taskMatch,
  /** Fires when a task run reaches this attempt. @default 2 */
  minAttempt: z.int().min(2).default(2),
});
export const FlowRunningLongerThan = z.strictObject({
  type: z.literal('flow-running-longer-than'),
  ...flowMatch,
  duration: Duration,
});
export const FlowDurationAbove = z.strictObject({
  type: z.literal('flow-duration-above'),
  ...flowMatch,
  duration: Duration,
});
export const FlowFailures = z.strictObject({
  type: z.literal('flow-failures'),
  ...flowMatch,
  count: z.int().min(1),
  within: Duration,
});
export const FlowLate = z
  .strictObject({
    type: z.literal('flow-late'),
    ...flowMatch,
    /**
     * How long after a scheduled time a run may start before it is late. Not 0 by default: a scheduler
     * starts a run a few milliseconds after its slot, and that run is on time. @default '1m'
     */
    grace: Duration.default(60_000),
    /** The schedule, when the flow does not declare one itself. */
    cron: CronExpression.optional(),
    /** Time zone of `cron`. @default 'UTC' */
    timezone: TimeZone.optional(),
    interval: Duration.optional(),
    /** First slot of an `interval` schedule. @default 1970-01-01T00:00:00Z */
    anchor: Instant.optional(),
  })
  .superRefine((when, ctx) => {
    if (when.cron !== undefined && when.interval !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'give either cron or interval, not both' });
    }
    if (when.timezone !== undefined && when.cron === undefined) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'timezone applies to cron only' });
    }
    if (when.anchor !== undefined && when.interval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['anchor'], message: 'anchor applies to interval only' });
    }
    const ownSchedule = when.cron !== undefined || when.interval !== undefined;
    if (ownSchedule && (typeof when.flow !== 'string' || /[*?]/.test(when.flow))) {
      ctx.addIssue({
        code: 'custom',
        path: ['flow'],
        message:
          'a flow-late rule with its own cron or interval must name exactly one flow (no glob, no list)',
      });
    }
    if (when.interval === 0) ctx.addIssue({ code: 'custom', path: ['interval'], message: 'must be above 0' });
  });

export const Condition = z.discriminatedUnion('type', [
  FlowFailed,
  TaskFailed,
  TaskRetrying,
  FlowRunningLongerThan,
  FlowDurationAbove,
  FlowFailures,
  FlowLate,
]);
export type Condition = z.infer<typeof Condition>;
export type ConditionInput = z.input<typeof Condition>;
export type ConditionType = Condition['type'];
export type ConditionOf<T extends ConditionType> = Extract<Condition, { type: T }>;

export const CONDITION_TYPES: readonly ConditionType[] = [
  'flow-failed',
  'task-failed',
  'task-retrying',
  'flow-running-longer-than',
  'flow-duration-above',
  'flow-failures',
  'flow-late',
];
