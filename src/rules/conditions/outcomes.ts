import { formatDuration, humanDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import type { Rule } from '../resolve.ts';
import { type ConditionContext, errorText, flowKeys, subject, taskKeys } from './context.ts';

/**
 * Conditions decided by a single transition, as the README's conditions table (Alert rules as code) says:
 * flow-failed, task-failed, task-retrying and flow-duration-above.
 */

const at = (record: TransitionRecord) => Date.parse(record.at);

/** Fires when a flow run ends Failed, TimedOut or Crashed; resolves on the flow's next Completed run. */
export function flowFailed(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
  const type = record.state.type;
  if (type === 'FAILED' || type === 'CRASHED') {
    const how = record.state.name === 'Failed' ? 'failed' : `ended ${record.state.name}`;
    ctx.fire(rule, ctx.identity(rule, record, flowKeys(record)), {
      at: at(record),
      summary: `${subject(record)} ${how}${errorText(record)}`,
      facts: ctx.facts(record),
    });
  } else if (type === 'COMPLETED' && ctx.anyFiring(rule, record.flow ?? '')) {
    ctx.resolveOutcome(rule, ctx.identity(rule, record, flowKeys(record)), {
      at: at(record),
      summary: `${subject(record)} completed again`,
      facts: ctx.facts(record),
    });
  }
}

/** Fires when a task run ends Failed or TimedOut; resolves on that task's next Completed run. */
export function taskFailed(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
  const type = record.state.type;
  if (type === 'FAILED') {
    const how = record.state.name === 'Failed' ? 'failed' : `ended ${record.state.name}`;
    const attempts = record.attempt > 1 ? ` after ${record.attempt} attempts` : '';
    ctx.fire(rule, ctx.identity(rule, record, taskKeys(record)), {
      at: at(record),
      summary: `${subject(record)} ${how}${attempts}${errorText(record)}`,
      facts: ctx.facts(record),
    });
  } else if (type === 'COMPLETED' && ctx.anyFiring(rule, record.flow ?? '', record.task ?? '')) {
    ctx.resolveOutcome(rule, ctx.identity(rule, record, taskKeys(record)), {
      at: at(record),
      summary: `${subject(record)} completed again`,
      facts: ctx.facts(record),
    });
  }
}

/** Fires when a task run reaches attempt ≥ minAttempt; resolves when that task run ends (any way). */
export function taskRetrying(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
  const when = rule.when as ConditionOf<'task-retrying'>;
  // Attempts only grow: a run below minAttempt has not fired this alert, so its end resolves nothing.
  if (record.attempt < when.minAttempt) return;
  if (isEnd(record)) {
    if (!ctx.anyFiring(rule, record.flow ?? '', record.task ?? '')) return;
    const summary = `${subject(record)} ended ${record.state.name} after ${record.attempt} attempts`;
    ctx.resolveOutcome(rule, retryIdentity(rule, record, ctx), {
      at: at(record),
      summary,
      facts: ctx.facts(record),
    });
  } else if (record.state.type === 'RUNNING') {
    const summary = `${subject(record)} is retrying (attempt ${record.attempt})${errorText(record)}`;
    ctx.fire(rule, retryIdentity(rule, record, ctx), { at: at(record), summary, facts: ctx.facts(record) });
  }
}

const retryIdentity = (rule: Rule, record: TransitionRecord, ctx: ConditionContext) =>
  ctx.identity(rule, record, {
    flow: record.flow ?? '',
    task: record.task ?? '',
    run: record.taskRunId ?? '',
  });

/** Fires when a run completes slower than the limit; resolves on the next run within it. */
export function flowDurationAbove(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
  if (record.state.type !== 'COMPLETED') return;
  const when = rule.when as ConditionOf<'flow-duration-above'>;
  const facts = ctx.facts(record);
  if (facts.durationMs === undefined) return; // no known start: nothing to compare
  const took = `${subject(record)} took ${humanDuration(facts.durationMs)}`;
  if (facts.durationMs > when.duration) {
    ctx.fire(rule, ctx.identity(rule, record, flowKeys(record)), {
      at: at(record),
      summary: `${took}, above ${formatDuration(when.duration)}`,
      facts,
    });
  } else if (ctx.anyFiring(rule, record.flow ?? '')) {
    ctx.resolveOutcome(rule, ctx.identity(rule, record, flowKeys(record)), {
      at: at(record),
      summary: `${took}, within ${formatDuration(when.duration)}`,
      facts,
    });
  }
}

export function isEnd(record: TransitionRecord): boolean {
  const type = record.state.type;
  return type === 'COMPLETED' || type === 'FAILED' || type === 'CANCELLED' || type === 'CRASHED';
}
