import { formatDuration } from '../../duration.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { Schedule as DeclaredSchedule } from '../../schedule/flow-schedules.ts';
import { compileSchedule, type Schedule, type ScheduleSpec } from '../../schedule/slots.ts';
import type { Cancel } from '../../schedule/timer-queue.ts';
import type { ConditionOf } from '../conditions-schema.ts';
import { compilePatterns } from '../glob.ts';
import { type Identity, identityOf } from '../identity.ts';
import type { Rule } from '../resolve.ts';
import type { ConditionContext } from './context.ts';

interface Watch {
  readonly rule: Rule;
  readonly flow: string;
  readonly schedule: Schedule;
  /** The schedule's id within its flow (its name, else its description): the `schedule` label. */
  readonly id: string;
  readonly grace: number;
  readonly identity: Identity;
  /** Whether the schedule is the flow's own (registered by the flow) rather than the rule's. */
  readonly fromFlow: boolean;
  /** The timer of the pending slot's deadline (slot + grace), while the alert does not fire. */
  cancel: Cancel | undefined;
  /** Slots missed in the current firing episode, counted up to `countedTo`; 0 when not firing. */
  missed: number;
  /** More slots were missed than `missed` (a cron stops counting past COUNTED_AT_MOST). */
  more: boolean;
  firstMissed: number | undefined;
  /** While firing: the slots at or before this time are counted. */
  countedTo: number;
  /** While firing: the first slot after `countedTo`, so settling knows without croner whether one is due. */
  nextSlot: number | undefined;
}

/**
 * Past this many missed slots in one episode a cron stops counting and says "more than": croner takes
 * tens of µs a slot, and a per-second cron missed for years has hundreds of millions. Intervals count
 * in closed form, exactly.
 */
const COUNTED_AT_MOST = 1_000;

/**
 * flow-late: for every (rule, flow, schedule) a watch judges the schedule's slots. At a slot's deadline
 * (slot + grace) it checks whether a run of the flow started since the slot; if not, the alert fires.
 * While it fires, no run has started (one starting resolves it), so every later slot is missed too: they
 * are not visited one timer at a time but counted when someone reads the alert (a repeat, a flush, a
 * save, the resolution, whose message says how many slots were missed): see `settle`. Slots before the
 * watch began are not judged, unless the caller says when the flow last started (serve reads it from its
 * run history): then the slots since that start are, and those whose deadline passed while nobody
 * watched fire at once, counted. An alert a previous engine left firing is picked up by the same watch
 * (its missed slots go on counting from the last one it counted, a run start resolves it).
 *
 * A rule with its own cron or interval watches that; one without watches the schedules each matching
 * flow declares (`flow({ schedule })`, one or several, each its own alert identity), the latest
 * declaration of a flow replacing an earlier one. A run of a matching flow that declared no schedule gets
 * a warning, once per rule and flow: the rule cannot fire.
 */
export class Lateness {
  private readonly watches = new Map<string, Watch[]>();
  /** Watches whose alert fires: the ones `settle` brings up to date. */
  private readonly late = new Set<Watch>();
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
        const schedule = compileSchedule(own);
        this.watch(rule, when.flow, { id: schedule.description, schedule }, false, undefined);
      }
    }
  }

  /**
   * A flow's own schedules, replacing those it declared before: watched by every flow-late rule without
   * a schedule that matches the flow. `lastStartedAt`: when a run of the flow last started, if known.
   */
  registerSchedules(
    flow: string,
    declared: readonly DeclaredSchedule[],
    lastStartedAt: number | undefined,
  ): void {
    const rules = this.fromFlow.filter(({ matches }) => matches(flow));
    if (rules.length === 0) return; // no rule watches it: not even a bad cron matters
    const schedules = declared.map((spec) => {
      const schedule = compileSchedule(spec);
      return { id: spec.name ?? schedule.description, schedule };
    });
    if (lastStartedAt !== undefined) this.started(flow, lastStartedAt, Number.NEGATIVE_INFINITY);
    const same = (w: Watch, s: Scheduled) =>
      w.id === s.id && w.schedule.description === s.schedule.description;
    for (const { rule } of rules) {
      const previous = (this.watches.get(flow) ?? []).filter((w) => w.rule === rule && w.fromFlow);
      const kept = previous.filter((w) => schedules.some((s) => same(w, s)));
      for (const watch of previous) if (!kept.includes(watch)) this.unwatch(watch, schedules);
      for (const scheduled of schedules) {
        if (!kept.some((w) => same(w, scheduled))) this.watch(rule, flow, scheduled, true, lastStartedAt);
      }
    }
  }

  /** A flow run started (its first Running transition): resolves lateness and satisfies the slot. */
  onRunStarted(record: TransitionRecord): void {
    const flow = record.flow;
    if (flow === undefined) return;
    const startedAt = Date.parse(record.at);
    this.started(
      flow,
      startedAt,
      record.scheduledAt ? Date.parse(record.scheduledAt) : Number.NEGATIVE_INFINITY,
    );
    this.checkScheduled(flow);
    for (const watch of this.watches.get(flow) ?? []) {
      if (!this.late.has(watch)) continue;
      const now = this.ctx.now();
      this.settleWatch(watch, now); // a deadline passed by now was missed, as its timer would have said
      const count = `${watch.more ? 'more than ' : ''}${watch.missed}`;
      const slots = `${count} scheduled run${watch.missed === 1 && !watch.more ? ' was' : 's were'} missed`;
      const facts = {
        ...this.ctx.facts(record),
        missedSlots: watch.missed,
        scheduledAt: iso(watch.firstMissed),
      };
      const summary = `${flow} started at ${record.at}; ${slots}`;
      this.stopFiring(watch);
      this.ctx.resolve(watch.rule, watch.identity, { at: startedAt, summary, facts });
      this.arm(watch, watch.schedule.next(now - watch.grace)); // the first slot whose deadline is to come
    }
  }

  /**
   * Counts the slots the firing alerts missed up to now, and updates their summary and facts: the engine
   * calls it before anything reads alert states (a group's flush or repeat, a save, `alerts()`).
   */
  settle(): void {
    if (this.late.size === 0) return;
    const now = this.ctx.now();
    for (const watch of this.late) this.settleWatch(watch, now);
  }

  close(): void {
    for (const list of this.watches.values()) for (const watch of list) watch.cancel?.();
    this.watches.clear();
    this.late.clear();
  }

  private started(flow: string, startedAt: number, scheduledAt: number): void {
    const previous = this.starts.get(flow);
    this.starts.set(flow, {
      startedAt: Math.max(startedAt, previous?.startedAt ?? startedAt),
      scheduledAt: Math.max(scheduledAt, previous?.scheduledAt ?? scheduledAt),
    });
  }

  /** `since`: when the flow last started, if known; else the first slot judged is the first from now. */
  private watch(
    rule: Rule,
    flow: string,
    { id, schedule }: Scheduled,
    fromFlow: boolean,
    since: number | undefined,
  ): void {
    const grace = (rule.when as ConditionOf<'flow-late'>).grace;
    const identity = identityOf(rule, { flow, schedule: id });
    const watch: Watch = {
      rule,
      flow,
      schedule,
      id,
      grace,
      identity,
      fromFlow,
      cancel: undefined,
      missed: 0,
      more: false,
      firstMissed: undefined,
      countedTo: Number.NEGATIVE_INFINITY,
      nextSlot: undefined,
    };
    const list = this.watches.get(flow) ?? [];
    list.push(watch);
    this.watches.set(flow, list);
    const now = this.ctx.now();
    const stored = this.ctx.state(identity);
    if (stored?.status === 'firing') {
      // Still firing from before a restart: the episode goes on, counting on from the last slot counted.
      const counted = stored.facts.scheduledAt ? Date.parse(stored.facts.scheduledAt) : now - 1;
      this.startFiring(watch, Date.parse(stored.startsAt) - grace, Math.min(counted, now - 1));
      watch.missed = stored.facts.missedSlots ?? 1;
    } else {
      // A deadline already passed (slots missed since the last start) fires when the step runs its timers.
      this.arm(watch, schedule.next(since === undefined ? now - 1 : Math.min(since, now - 1)));
    }
  }

  /** The flow's schedules changed: this one is no longer watched, and its alert is over. */
  private unwatch(watch: Watch, replacements: readonly Scheduled[]): void {
    watch.cancel?.();
    this.settleWatch(watch, this.ctx.now());
    this.stopFiring(watch);
    const list = this.watches.get(watch.flow) ?? [];
    this.watches.set(
      watch.flow,
      list.filter((w) => w !== watch),
    );
    const now =
      replacements.length === 0
        ? 'declares no schedule'
        : `is now scheduled ${replacements.map((s) => s.id).join(', ')}`;
    const summary = `${watch.flow} ${now}; ${watch.id} is no longer watched`;
    this.ctx.resolve(watch.rule, watch.identity, { at: this.ctx.now(), summary });
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
    watch.cancel = undefined;
    if (slot === undefined) return;
    watch.cancel = this.ctx.timers.schedule(slot + watch.grace, () => this.deadline(watch, slot));
  }

  private deadline(watch: Watch, slot: number): void {
    const start = this.starts.get(watch.flow);
    const started = start !== undefined && (start.startedAt >= slot || start.scheduledAt >= slot);
    if (started) {
      this.arm(watch, watch.schedule.next(slot));
      return;
    }
    this.startFiring(watch, slot, slot);
    watch.missed = 1;
    this.report(watch, slot);
  }

  private startFiring(watch: Watch, firstMissed: number, countedTo: number): void {
    watch.cancel = undefined;
    watch.firstMissed = firstMissed;
    watch.countedTo = countedTo;
    watch.nextSlot = watch.schedule.next(countedTo);
    this.late.add(watch);
  }

  private stopFiring(watch: Watch): void {
    this.late.delete(watch);
    watch.missed = 0;
    watch.more = false;
    watch.firstMissed = undefined;
    watch.nextSlot = undefined;
  }

  /** Counts the slots whose deadline passed since the last count, and says so in the alert. */
  private settleWatch(watch: Watch, now: number): void {
    const to = now - watch.grace;
    if (watch.nextSlot === undefined || watch.nextSlot > to) return; // no deadline passed since
    const from = watch.countedTo;
    let last: number | undefined;
    if (watch.more) last = watch.schedule.previous(to);
    else {
      const counted = watch.schedule.count(from, to, Math.max(0, COUNTED_AT_MOST - watch.missed));
      watch.missed += counted.count;
      watch.more = counted.more;
      last = counted.more ? watch.schedule.previous(to) : counted.last;
    }
    watch.countedTo = to;
    watch.nextSlot = watch.schedule.next(to);
    if (last !== undefined) this.report(watch, last);
  }

  /** The alert fires (or goes on firing): `slot` is the latest slot missed. */
  private report(watch: Watch, slot: number): void {
    const count =
      watch.missed === 1 && !watch.more
        ? ''
        : ` (${watch.more ? 'more than ' : ''}${watch.missed} scheduled runs missed)`;
    const summary = `${watch.flow} has not started: it was due at ${iso(slot)}, ${formatDuration(watch.grace)} grace${count}`;
    const facts = { flow: watch.flow, missedSlots: watch.missed, scheduledAt: iso(slot) };
    this.ctx.fire(watch.rule, watch.identity, { at: slot + watch.grace, summary, facts });
  }
}

interface Scheduled {
  readonly id: string;
  readonly schedule: Schedule;
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
