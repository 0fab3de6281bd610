import { describeSchedule, loadCron, type NormalSpec, normalSpec, type ScheduleSpec } from './spec.ts';

export type { ScheduleSpec } from './spec.ts';

/**
 * When a flow is expected to start, as slots in time. Cron next-times come from croner, whose
 * daylight-saving handling we rely on: a time that does not exist (spring forward) runs at the first
 * valid minute after it, a time that happens twice (fall back) once.
 */
export interface Schedule {
  /** A stable, readable name (see `describeSchedule`). */
  readonly description: string;
  /** The first slot strictly after `time` (epoch ms), or undefined when the schedule has ended. */
  next(time: number): number | undefined;
  /** The last slot at or before `time`, or undefined when there is none. */
  previous(time: number): number | undefined;
  /**
   * The slots in (from, to]: how many, and the last of them. An interval counts in closed form, however
   * many there are. A cron walks them (croner takes tens of µs a slot), so it stops after `limit`: then
   * `more` says there are more than `count`, and `last` is the last one counted.
   */
  count(from: number, to: number, limit: number): SlotCount;
}

export interface SlotCount {
  readonly count: number;
  readonly last: number | undefined;
  readonly more: boolean;
}

/** Throws OptionsError naming the bad field when the spec cannot work (see `normalSpec`). */
export function compileSchedule(spec: ScheduleSpec): Schedule {
  const normal = normalSpec(spec);
  const description = describeSchedule(normal);
  if ('cron' in normal) return cronSchedule(normal.cron, normal.timezone, description);
  if ('at' in normal) return atSchedule(Date.parse(normal.at), description);
  return intervalSchedule(normal, description);
}

function cronSchedule(pattern: string, timezone: string, description: string): Schedule {
  const cron = new (loadCron())(pattern, { timezone, paused: true });
  const next = (time: number) => cron.nextRun(new Date(time))?.getTime();
  return {
    description,
    next,
    previous: (time) => {
      // croner looks back on its own (strictly before its reference); walking on with next() from its
      // answer makes the result a slot next() would give, whatever croner does on daylight-saving days.
      let slot = cron.previousRuns(1, new Date(time + 1))[0]?.getTime();
      if (slot === undefined) return undefined;
      for (let later = next(slot); later !== undefined && later <= time; later = next(later)) slot = later;
      return slot;
    },
    count: (from, to, limit) => {
      let count = 0;
      let last: number | undefined;
      for (let slot = next(from); slot !== undefined && slot <= to; slot = next(slot)) {
        if (count >= limit) return { count, last, more: true };
        count++;
        last = slot;
      }
      return { count, last, more: false };
    },
  };
}

function intervalSchedule(spec: Extract<NormalSpec, { interval: number }>, description: string): Schedule {
  const every = spec.interval;
  const anchor = spec.anchor === undefined ? 0 : Date.parse(spec.anchor);
  /** Slots are anchor + k·every for k ≥ 0: how many lie at or before `time`. */
  const upTo = (time: number) => (time < anchor ? 0 : Math.floor((time - anchor) / every) + 1);
  const previous = (time: number) => {
    const slots = upTo(time);
    return slots === 0 ? undefined : anchor + (slots - 1) * every;
  };
  return {
    description,
    next: (time) => anchor + upTo(time) * every,
    previous,
    count: (from, to) => {
      const count = Math.max(0, upTo(to) - upTo(from));
      return { count, last: count === 0 ? undefined : previous(to), more: false };
    },
  };
}

/** A one-off: one slot, and nothing after it. */
function atSchedule(at: number, description: string): Schedule {
  const within = (from: number, to: number) => from < at && at <= to;
  return {
    description,
    next: (time) => (time < at ? at : undefined),
    previous: (time) => (at <= time ? at : undefined),
    count: (from, to) =>
      within(from, to) ? { count: 1, last: at, more: false } : { count: 0, last: undefined, more: false },
  };
}
