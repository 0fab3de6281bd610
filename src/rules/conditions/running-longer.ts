import { formatDuration, humanDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { Cancel } from '../../schedule/timer-queue.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import type { Identity } from '../identity.ts';
import type { Rule } from '../resolve.ts';
import { type ConditionContext, flowKeys, subject } from './context.ts';
import { isEnd } from './outcomes.ts';

interface Watched {
  readonly identity: Identity;
  readonly cancel: Cancel;
}

/**
 * flow-running-longer-than: when a run starts, a deadline at start + duration; if the run is still going
 * then, the alert fires (at the deadline, not at the next transition). It resolves when the run ends.
 */
export class RunningLongerThan {
  /** Per rule and flow run: the pending deadline (until it fires or the run ends). */
  private readonly watched = new Map<string, Watched>();

  onRecord(rule: Rule, record: TransitionRecord, ctx: ConditionContext): void {
    const key = `${rule.name}\u0000${record.flowRunId ?? ''}`;
    const identity = ctx.identity(rule, record, { ...flowKeys(record), run: record.flowRunId ?? '' });
    if (isEnd(record)) {
      this.watched.get(key)?.cancel();
      this.watched.delete(key);
      const facts = ctx.facts(record);
      const took = facts.durationMs === undefined ? '' : ` after ${humanDuration(facts.durationMs)}`;
      const summary = `${subject(record)} run ${record.flowRunId ?? ''} ended ${record.state.name}${took}`;
      ctx.resolveOutcome(rule, identity, { at: Date.parse(record.at), summary, facts });
      return;
    }
    if (record.state.type !== 'RUNNING' || this.watched.has(key) || ctx.isFiring(identity)) return;
    const when = rule.when as ConditionOf<'flow-running-longer-than'>;
    const started = ctx.run(record)?.startedAt ?? Date.parse(record.startedAt ?? record.at);
    const deadline = started + when.duration;
    const cancel = ctx.timers.schedule(deadline, () => {
      this.watched.delete(key);
      const facts = {
        ...ctx.facts(record),
        startedAt: new Date(started).toISOString(),
        durationMs: when.duration,
      };
      const summary = `${subject(record)} run ${record.flowRunId ?? ''} has been running for more than ${formatDuration(when.duration)}`;
      ctx.fire(rule, identity, { at: deadline, summary, facts });
    });
    this.watched.set(key, { identity, cancel });
  }
}
