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
}

export function compileSchedule(spec: ScheduleSpec): Schedule {
  if ('cron' in spec) {
    const timezone = spec.timezone ?? 'UTC';
    const cron = new Cron(spec.cron, { timezone, paused: true });
    return {
      description: `cron ${spec.cron} ${timezone}`,
      next: (time) => cron.nextRun(new Date(time))?.getTime(),
    };
  }
  const every = parseDuration(spec.interval, 'interval');
  if (every <= 0) throw new RangeError(`interval must be above 0, got ${every}`);
  const anchor = spec.anchor === undefined ? 0 : toMillis(spec.anchor);
  return {
    description: `every ${formatDuration(every)}${spec.anchor === undefined ? '' : ` from ${new Date(anchor).toISOString()}`}`,
    next: (time) => {
      if (time < anchor) return anchor;
      return anchor + (Math.floor((time - anchor) / every) + 1) * every;
    },
  };
}
