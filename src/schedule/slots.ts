import { Cron } from 'croner';
import { toMillis } from '../clock.ts';
import { type DurationInput, formatDuration, parseDuration } from '../duration.ts';

/**
 * When a flow is expected to start: a cron expression in a time zone, or a fixed interval from an anchor.
 * Cron next-times come from croner, whose daylight-saving handling we rely on: a time that does not exist
 * (spring forward) runs at the first valid minute after it, a time that happens twice (fall back) once.
 */
export type ScheduleSpec =
  | { readonly cron: string; readonly timezone?: string }
  | { readonly interval: DurationInput | string; readonly anchor?: string | number | Date };

export interface Schedule {
  /** A stable, readable name: the `schedule` label of flow-late alerts. */
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

export function compileSchedule(spec: ScheduleSpec): Schedule {
  return 'cron' in spec ? cronSchedule(spec.cron, spec.timezone ?? 'UTC') : intervalSchedule(spec);
}

function cronSchedule(pattern: string, timezone: string): Schedule {
  const cron = new Cron(pattern, { timezone, paused: true });
  const next = (time: number) => cron.nextRun(new Date(time))?.getTime();
  return {
    description: `cron ${pattern} ${timezone}`,
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

function intervalSchedule(spec: Extract<ScheduleSpec, { interval: unknown }>): Schedule {
  const every = parseDuration(spec.interval, 'interval');
  if (every <= 0) throw new RangeError(`interval must be above 0, got ${every}`);
  const anchor = spec.anchor === undefined ? 0 : toMillis(spec.anchor);
  /** Slots are anchor + k·every for k ≥ 0: how many lie at or before `time`. */
  const upTo = (time: number) => (time < anchor ? 0 : Math.floor((time - anchor) / every) + 1);
  const previous = (time: number) => {
    const slots = upTo(time);
    return slots === 0 ? undefined : anchor + (slots - 1) * every;
  };
  return {
    description: `every ${formatDuration(every)}${spec.anchor === undefined ? '' : ` from ${new Date(anchor).toISOString()}`}`,
    next: (time) => anchor + upTo(time) * every,
    previous,
    count: (from, to) => {
      const count = Math.max(0, upTo(to) - upTo(from));
      return { count, last: count === 0 ? undefined : previous(to), more: false };
    },
  };
}
