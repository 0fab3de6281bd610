import { formatDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import { compilePatterns } from '../glob.ts';
import { identityOf } from '../identity.ts';
import type { Rule } from '../resolve.ts';
import { compileSchedule, type Schedule, type ScheduleSpec } from '../schedule.ts';
import type { Cancel } from '../timers.ts';
import type { ConditionContext } from './context.ts';

interface Watch {
  readonly rule: Rule;
  readonly flow: string;
  readonly schedule: Schedule;
  /** The slot whose deadline (slot + grace) is pending. */
  slot: number | undefined;
  cancel: Cancel | undefined;
  /** Slots missed in the current firing episode. */
  missed: number;
  firstMissed: number | undefined;
}

/**
 * flow-late: for every (rule, flow, schedule) a watch walks the schedule's slots. At each slot's deadline
 * (slot + grace) it checks whether a run of the flow started since the slot; if not, the alert fires (or,
 * already firing, counts one more missed slot). Any run of the flow starting resolves it, and the message
 * says how many slots were missed. Slots before the watch began are not judged: the engine cannot know
 * what ran before it started (run history is the store's, with `serve`).
 */
export class Lateness {
  private readonly watches = new Map<string, Watch[]>();
  /** Per flow: when its latest run started and the latest `scheduledAt` a run carried. */
  private readonly starts = new Map<string, { startedAt: number; scheduledAt: number }>();

  constructor(private readonly ctx: ConditionContext) {}

  /** Watches for rules that carry their own cron or interval. */
  watchRuleSchedules(rules: readonly Rule[]): void {
    for (const rule of rules) {
      const when = rule.when as ConditionOf<'flow-late'>;
      if (typeof when.flow !== 'string') continue;
      if (when.cron !== undefined)
        this.watch(rule, when.flow, compileSchedule({ cron: when.cron, ...tz(when) }));
      else if (when.interval !== undefined) {
        const spec =
          when.anchor === undefined
            ? { interval: when.interval }
            : { interval: when.interval, anchor: when.anchor };
        this.watch(rule, when.flow, compileSchedule(spec));
      }
    }
  }

  /** A flow's own schedule: watched by every flow-late rule without a schedule that matches the flow. */
  registerSchedule(rules: readonly Rule[], flow: string, spec: ScheduleSpec): void {
    const schedule = compileSchedule(spec);
    for (const rule of rules) {
      const when = rule.when as ConditionOf<'flow-late'>;
      if (when.cron !== undefined || when.interval !== undefined) continue;
      if (when.flow !== undefined && !compilePatterns(when.flow)(flow)) continue;
      const known = this.watches
        .get(flow)
        ?.some((w) => w.rule === rule && w.schedule.description === schedule.description);
      if (!known) this.watch(rule, flow, schedule);
    }
  }

  /** A flow run started (its first Running transition): resolves lateness and satisfies the slot. */
  onRunStarted(record: TransitionRecord): void {
    const flow = record.flow;
    if (flow === undefined) return;
    const startedAt = Date.parse(record.at);
    const scheduledAt = record.scheduledAt ? Date.parse(record.scheduledAt) : Number.NEGATIVE_INFINITY;
    const previous = this.starts.get(flow);
    this.starts.set(flow, {
      startedAt: Math.max(startedAt, previous?.startedAt ?? startedAt),
      scheduledAt: Math.max(scheduledAt, previous?.scheduledAt ?? scheduledAt),
    });
    for (const watch of this.watches.get(flow) ?? []) {
      if (watch.missed === 0) continue;
      const missed = watch.missed;
      const slots = `${missed} scheduled run${missed === 1 ? ' was' : 's were'} missed`;
      const facts = { ...this.ctx.facts(record), missedSlots: missed, scheduledAt: iso(watch.firstMissed) };
      const summary = `${flow} started at ${record.at}; ${slots}`;
      watch.missed = 0;
      watch.firstMissed = undefined;
      this.ctx.resolve(watch.rule, this.identity(watch), { at: startedAt, summary, facts });
    }
  }

  close(): void {
    for (const list of this.watches.values()) for (const watch of list) watch.cancel?.();
    this.watches.clear();
  }

  private watch(rule: Rule, flow: string, schedule: Schedule): void {
    const watch: Watch = {
      rule,
      flow,
      schedule,
      slot: undefined,
      cancel: undefined,
      missed: 0,
      firstMissed: undefined,
    };
    const list = this.watches.get(flow) ?? [];
    list.push(watch);
    this.watches.set(flow, list);
    // The first slot judged is the first at or after now.
    this.arm(watch, schedule.next(this.ctx.now() - 1));
  }

  private arm(watch: Watch, slot: number | undefined): void {
    watch.slot = slot;
    if (slot === undefined) return;
    const grace = (watch.rule.when as ConditionOf<'flow-late'>).grace;
    watch.cancel = this.ctx.timers.schedule(slot + grace, () => this.deadline(watch, slot, grace));
  }

  private deadline(watch: Watch, slot: number, grace: number): void {
    const start = this.starts.get(watch.flow);
    const started = start !== undefined && (start.startedAt >= slot || start.scheduledAt >= slot);
    if (!started) {
      watch.missed += 1;
      watch.firstMissed ??= slot;
      const missed = watch.missed === 1 ? '' : ` (${watch.missed} scheduled runs missed)`;
      const summary = `${watch.flow} has not started: it was due at ${iso(slot)}, ${formatDuration(grace)} grace${missed}`;
      const facts = { flow: watch.flow, missedSlots: watch.missed, scheduledAt: iso(slot) };
      this.ctx.fire(watch.rule, this.identity(watch), { at: slot + grace, summary, facts });
    }
    this.arm(watch, watch.schedule.next(slot));
  }

  private identity(watch: Watch) {
    return identityOf(watch.rule, { flow: watch.flow, schedule: watch.schedule.description }, {});
  }
}

function tz(when: ConditionOf<'flow-late'>): { timezone?: string } {
  return when.timezone === undefined ? {} : { timezone: when.timezone };
}

function iso(time: number | undefined): string {
  return time === undefined ? '' : new Date(time).toISOString();
}
