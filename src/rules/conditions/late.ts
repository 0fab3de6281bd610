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
  /** Whether the schedule is the flow's own (registered by the flow) rather than the rule's. */
  readonly fromFlow: boolean;
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
 * what ran before it started (run history is the store's, with `serve`). An alert a previous engine left
 * firing is picked up by the same watch (its missed slots go on counting, a run start resolves it).
 *
 * A rule with its own cron or interval watches that; one without watches the schedule each matching flow
 * declares (`flow({ schedule })`), the latest declaration of a flow replacing an earlier one. A run of a
 * matching flow that declared no schedule gets a warning, once per rule and flow: the rule cannot fire.
 */
export class Lateness {
  private readonly watches = new Map<string, Watch[]>();
  /** Per flow: when its latest run started and the latest `scheduledAt` a run carried. */
  private readonly starts = new Map<string, { startedAt: number; scheduledAt: number }>();
  /** Rules that take the schedule from the flow, with their flow matcher. */
  private readonly fromFlow: { readonly rule: Rule; readonly matches: (flow: string) => boolean }[] = [];
  /** Flows whose runs were checked for a schedule the fromFlow rules need. */
  private readonly checked = new Set<string>();

  constructor(
    private readonly ctx: ConditionContext,
    rules: readonly Rule[],
  ) {
    for (const rule of rules) {
      const when = rule.when as ConditionOf<'flow-late'>;
      const own = ownSchedule(when);
      if (own === undefined) {
        this.fromFlow.push({
          rule,
          matches: when.flow === undefined ? () => true : compilePatterns(when.flow),
        });
      } else if (typeof when.flow === 'string') {
        this.watch(rule, when.flow, compileSchedule(own), false);
      }
    }
  }

  /** A flow's own schedule: watched by every flow-late rule without a schedule that matches the flow. */
  registerSchedule(flow: string, spec: ScheduleSpec): void {
    const rules = this.fromFlow.filter(({ matches }) => matches(flow));
    if (rules.length === 0) return; // no rule watches it: not even a bad cron matters
    const schedule = compileSchedule(spec);
    for (const { rule } of rules) {
      const list = this.watches.get(flow) ?? [];
      const previous = list.find((w) => w.rule === rule && w.fromFlow);
      if (previous?.schedule.description === schedule.description) continue;
      if (previous) this.unwatch(previous, schedule);
      this.watch(rule, flow, schedule, true);
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
    this.checkScheduled(flow);
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

  private watch(rule: Rule, flow: string, schedule: Schedule, fromFlow: boolean): void {
    const watch: Watch = {
      rule,
      flow,
      schedule,
      fromFlow,
      slot: undefined,
      cancel: undefined,
      missed: 0,
      firstMissed: undefined,
    };
    // Still firing from before a restart: the episode goes on.
    const stored = this.ctx.state(this.identity(watch));
    if (stored?.status === 'firing') {
      watch.missed = stored.facts.missedSlots ?? 1;
      watch.firstMissed = Date.parse(stored.startsAt) - (rule.when as ConditionOf<'flow-late'>).grace;
    }
    const list = this.watches.get(flow) ?? [];
    list.push(watch);
    this.watches.set(flow, list);
    // The first slot judged is the first at or after now.
    this.arm(watch, schedule.next(this.ctx.now() - 1));
  }

  /** The flow's schedule changed: the old one is no longer watched, and its alert is over. */
  private unwatch(watch: Watch, replacement: Schedule): void {
    watch.cancel?.();
    const list = this.watches.get(watch.flow) ?? [];
    this.watches.set(
      watch.flow,
      list.filter((w) => w !== watch),
    );
    const summary = `${watch.flow} is now scheduled ${replacement.description}; ${watch.schedule.description} is no longer watched`;
    this.ctx.resolve(watch.rule, this.identity(watch), { at: this.ctx.now(), summary });
  }

  /** Says once per rule and flow when a rule waits for a schedule this flow never declared. */
  private checkScheduled(flow: string): void {
    if (this.checked.has(flow)) return;
    this.checked.add(flow);
    const watched = this.watches.get(flow) ?? [];
    for (const { rule, matches } of this.fromFlow) {
      if (!matches(flow) || watched.some((w) => w.rule === rule)) continue;
      this.ctx.warn(
        `flow-late rule '${rule.name}' cannot judge flow '${flow}': the flow declares no schedule; declare one with flow({ schedule }) or give the rule a cron or interval`,
      );
    }
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

/** The rule's own schedule, if it has one. */
function ownSchedule(when: ConditionOf<'flow-late'>): ScheduleSpec | undefined {
  if (when.cron !== undefined)
    return when.timezone === undefined ? { cron: when.cron } : { cron: when.cron, timezone: when.timezone };
  if (when.interval !== undefined)
    return when.anchor === undefined
      ? { interval: when.interval }
      : { interval: when.interval, anchor: when.anchor };
  return undefined;
}

function iso(time: number | undefined): string {
  return time === undefined ? '' : new Date(time).toISOString();
}
