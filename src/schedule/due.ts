import type { Schedule } from './slots.ts';

/**
 * Past this many slots in one count, a cron stops counting and says "more than": croner takes tens of µs
 * a slot, and a per-second cron missed for a month has millions. Intervals count in closed form, exactly.
 */
export const COUNTED_AT_MOST = 1_000;

/** Some slots of a schedule, as a count: `more` when there were more than `count` (a cron stops counting). */
export interface SlotRange {
  readonly count: number;
  readonly more: boolean;
  readonly first: number;
  readonly last: number;
}

export interface DueSlots {
  /** Every slot in the span. */
  readonly all: SlotRange;
  /** The latest: the one slot that runs when several came due at once. */
  readonly latest: number;
  /** The slots before the latest, when there are any. */
  readonly earlier: SlotRange | undefined;
}

/**
 * The slots in (after, upTo], or undefined when there are none: what came due while serve was down, or
 * while the clock jumped forward (a suspended machine, a corrected clock) past several of them at once.
 */
export function dueSlots(schedule: Schedule, after: number, upTo: number): DueSlots | undefined {
  const counted = schedule.count(after, upTo, COUNTED_AT_MOST);
  const first = schedule.next(after);
  const latest = counted.more ? schedule.previous(upTo) : counted.last;
  if (counted.count === 0 || first === undefined || latest === undefined) return undefined;
  const all = { count: counted.count, more: counted.more, first, last: latest };
  const beforeLatest = schedule.previous(latest - 1);
  const earlier =
    counted.count > 1 && beforeLatest !== undefined
      ? {
          count: counted.more ? counted.count : counted.count - 1,
          more: counted.more,
          first,
          last: beforeLatest,
        }
      : undefined;
  return { all, latest, earlier };
}
