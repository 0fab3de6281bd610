import type { Clock } from '../clock.ts';
import { type DueSlots, dueSlots, type SlotRange } from './due.ts';
import type { FlowSchedule, Overlap, SchedulableFlow } from './flow-schedules.ts';
import type { ScheduleMarks } from './marks.ts';
import { compileSchedule, type Schedule } from './slots.ts';
import { type Cancel, TimerQueue } from './timer-queue.ts';

/** A slot whose time has come: serve starts a run of `flow` for it. */
export interface DueSlot {
  readonly flow: string;
  readonly scheduleId: string;
  /** Epoch ms of the slot (the run's `scheduledAt`: its lateness is start minus this). */
  readonly scheduledAt: number;
  readonly params: Record<string, unknown> | undefined;
  /** A slot missed while serve was down, run on start because the flow says `catchUp: 'run-once'`. */
  readonly catchUp: boolean;
}

/** Slots of one schedule that will never run: missed while serve was down, or passed in a clock jump. */
export interface MissedSlots extends SlotRange {
  readonly flow: string;
  readonly scheduleId: string;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly marks: ScheduleMarks;
  /** Starts a run for the slot; the scheduler counts it in flight until `runEnded(slot.flow)`. */
  readonly launch: (slot: DueSlot) => void;
  readonly onMissed?: (missed: MissedSlots) => void;
  /** A slot that will not run because of the flow's overlap policy; `reason` says why, for a person. */
  readonly onSkipped?: (slot: DueSlot, reason: string) => void;
  /** A callback threw or a schedule could not be compiled: the scheduler goes on. @default stderr */
  readonly onError?: (error: unknown) => void;
}

export interface SchedulerScheduleView {
  readonly id: string;
  readonly description: string;
  /** ISO time of the next slot, or null when the schedule has ended. */
  readonly nextAt: string | null;
  readonly params: Readonly<Record<string, unknown>> | null;
}

export interface SchedulerFlowView {
  readonly name: string;
  readonly schedules: readonly SchedulerScheduleView[];
  readonly overlap: Overlap;
  readonly concurrency: number | null;
  /** Runs launched and not yet ended. */
  readonly running: number;
  /** Slots waiting for a run in flight to end. */
  readonly queued: number;
  /** Slots skipped or missed since this scheduler started. */
  readonly missedSlots: number;
}

export interface Scheduler {
  /** The flows to schedule (the first load, and each reload): keeps the marks, re-arms what changed. */
  load(flows: readonly SchedulableFlow[]): void;
  /** A launched run of `flow` ended: a queued slot may start. */
  runEnded(flow: string): void;
  views(): SchedulerFlowView[];
  /** No more launches; queued slots are dropped. */
  stop(): void;
}

interface ScheduleState {
  entry: FlowSchedule;
  /** The spec as JSON: a reload that leaves it alone leaves the timer alone. */
  readonly key: string;
  readonly schedule: Schedule;
  nextAt: number | undefined;
  cancel: Cancel | undefined;
}

interface FlowState {
  flow: SchedulableFlow;
  readonly schedules: Map<string, ScheduleState>;
  /** At most one slot per schedule, oldest first. */
  readonly queue: DueSlot[];
  missedSlots: number;
}

/**
 * Serve's scheduler: decides when runs of the flows start, on the clock seam, from one `TimerQueue`
 * holding the next slot of every schedule (nothing polls). What happened while serve was down is read
 * from `marks` (the last slot each schedule dealt with) when a schedule is loaded; each slot dealt with
 * (run, queued, skipped or recorded as missed) moves its mark.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { clock, marks } = options;
  const onError = options.onError ?? ((error: unknown) => console.error('flowtel scheduler:', error));
  const timers = new TimerQueue(clock, onError);
  const flows = new Map<string, FlowState>();
  // Outside FlowState: a run launched before a reload still ends after it, and counts until then.
  const inFlight = new Map<string, number>();
  let stopped = false;

  /** Calls a callback the scheduler was given; its error is reported, never thrown into the schedule. */
  const safely = <A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A) => {
    try {
      callback?.(...args);
      return true;
    } catch (error) {
      onError(error);
      return false;
    }
  };

  const limitOf = (flow: SchedulableFlow) => flow.concurrency ?? Number.POSITIVE_INFINITY;
  const running = (flow: string) => inFlight.get(flow) ?? 0;

  function launch(slot: DueSlot): void {
    inFlight.set(slot.flow, running(slot.flow) + 1);
    if (!safely(options.launch, slot)) inFlight.set(slot.flow, running(slot.flow) - 1); // it never started
  }

  function missed(state: FlowState, id: string, range: SlotRange | undefined): void {
    if (!range) return;
    state.missedSlots += range.count;
    safely(options.onMissed, { flow: state.flow.name, scheduleId: id, ...range });
  }

  /** A slot's time came (or it was caught up): run it, queue it or skip it, as the flow's overlap says. */
  function deal(state: FlowState, scheduled: ScheduleState, at: number, catchUp: boolean): void {
    const { flow } = state;
    const { entry } = scheduled;
    marks.set(flow.name, entry.id, at);
    const slot: DueSlot = {
      flow: flow.name,
      scheduleId: entry.id,
      scheduledAt: at,
      params: entry.params === null ? undefined : { ...entry.params },
      catchUp,
    };
    const busy = running(flow.name);
    if (busy < limitOf(flow)) {
      launch(slot);
      return;
    }
    const runs = `${busy} run${busy === 1 ? '' : 's'} of ${flow.name} in flight`;
    if (flow.overlap === 'skip') {
      state.missedSlots++;
      safely(options.onSkipped, slot, `${runs} (concurrency ${flow.concurrency}) and overlap is 'skip'`);
    } else if (state.queue.some((queued) => queued.scheduleId === entry.id)) {
      state.missedSlots++;
      safely(
        options.onSkipped,
        slot,
        `a slot of schedule '${entry.id}' already waits for one of the ${runs} to end`,
      );
    } else state.queue.push(slot);
  }

  function arm(state: FlowState, scheduled: ScheduleState, after: number): void {
    const at = scheduled.schedule.next(after);
    scheduled.nextAt = at;
    scheduled.cancel = at === undefined ? undefined : timers.schedule(at, () => fire(state, scheduled, at));
  }

  /** The timer of a slot: every slot up to now is due (more than one after a clock jump): the latest runs. */
  function fire(state: FlowState, scheduled: ScheduleState, slot: number): void {
    const due = dueSlots(scheduled.schedule, slot - 1, Math.max(slot, clock.now())) as DueSlots;
    missed(state, scheduled.entry.id, due.earlier);
    deal(state, scheduled, due.latest, false);
    arm(state, scheduled, due.latest);
  }

  /** A schedule new to this scheduler: what its mark says was missed, then its next slot. */
  function begin(state: FlowState, scheduled: ScheduleState): void {
    const { name, catchUp } = state.flow;
    const id = scheduled.entry.id;
    const before = clock.now() - 1; // a slot at exactly now is due, not missed
    const mark = marks.get(name, id);
    if (mark === undefined) marks.set(name, id, before); // never seen: nothing missed before now
    const due = mark === undefined ? undefined : dueSlots(scheduled.schedule, mark, before);
    if (due && catchUp === 'run-once') {
      missed(state, id, due.earlier);
      deal(state, scheduled, due.latest, true);
    } else if (due) {
      missed(state, id, due.all);
      marks.set(name, id, due.latest);
    }
    // A mark ahead of the clock (the clock was set back): the slots up to it were dealt with already.
    arm(state, scheduled, Math.max(before, mark ?? before));
  }

  function loadFlow(flow: SchedulableFlow): void {
    const state = flows.get(flow.name) ?? { flow, schedules: new Map(), queue: [], missedSlots: 0 };
    flows.set(flow.name, state);
    state.flow = flow;
    const ids = new Set(flow.schedules.map((entry) => entry.id));
    for (const [id, scheduled] of state.schedules) {
      if (ids.has(id)) continue;
      scheduled.cancel?.();
      state.schedules.delete(id);
    }
    dropQueued(state, (slot) => !ids.has(slot.scheduleId));
    for (const entry of flow.schedules) {
      const key = JSON.stringify(entry.spec);
      const current = state.schedules.get(entry.id);
      if (current?.key === key) {
        current.entry = entry; // new params apply from the next slot on
        continue;
      }
      current?.cancel?.();
      state.schedules.delete(entry.id);
      let schedule: Schedule;
      try {
        schedule = compileSchedule(entry.spec);
      } catch (error) {
        onError(error);
        continue;
      }
      const scheduled: ScheduleState = { entry, key, schedule, nextAt: undefined, cancel: undefined };
      state.schedules.set(entry.id, scheduled);
      begin(state, scheduled);
    }
    drain(state); // a higher concurrency may let queued slots start
  }

  function dropQueued(state: FlowState, drop: (slot: DueSlot) => boolean): void {
    for (let i = state.queue.length - 1; i >= 0; i--) if (drop(state.queue[i]!)) state.queue.splice(i, 1);
  }

  function drain(state: FlowState): void {
    while (!stopped && state.queue.length > 0 && running(state.flow.name) < limitOf(state.flow)) {
      launch(state.queue.shift()!);
    }
  }

  return {
    load(list) {
      if (stopped) return;
      timers.runDue(() => {
        const names = new Set(list.map((flow) => flow.name));
        for (const [name, state] of flows) {
          if (names.has(name)) continue;
          for (const scheduled of state.schedules.values()) scheduled.cancel?.();
          flows.delete(name);
        }
        for (const flow of list) loadFlow(flow);
      });
    },
    runEnded(flow) {
      const left = running(flow) - 1;
      if (left > 0) inFlight.set(flow, left);
      else inFlight.delete(flow);
      const state = flows.get(flow);
      if (state) drain(state);
    },
    views: () =>
      [...flows.values()].map(({ flow, schedules, queue, missedSlots }) => ({
        name: flow.name,
        schedules: [...schedules.values()].map(({ entry, schedule, nextAt }) => ({
          id: entry.id,
          description: schedule.description,
          nextAt: nextAt === undefined ? null : new Date(nextAt).toISOString(),
          params: entry.params,
        })),
        overlap: flow.overlap,
        concurrency: flow.concurrency,
        running: running(flow.name),
        queued: queue.length,
        missedSlots,
      })),
    stop() {
      stopped = true;
      timers.close();
      for (const state of flows.values()) state.queue.length = 0;
    },
  };
}
