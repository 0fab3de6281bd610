/**
 * Time for the whole tree. `Clock` is the seam: the rules engine, its timers, delivery and the runtime
 * take one, so tests and `rules test` move time by hand (`ManualClock`) and nothing sleeps.
 * `monotonicNow()` is the runtime's default reading, for the timestamps it hands to spans.
 */

/**
 * The only sources of time: `now()` and one timer at a time. The system clock uses `setTimeout`;
 * `ManualClock` lets tests and `rules test` move time by hand, so nothing sleeps and every run of a test
 * sees the same times.
 */
export interface Clock {
  now(): number;
  /** Calls `callback` once, at or after `at` (epoch ms). */
  setTimer(at: number, callback: () => void): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

// setTimeout overflows above 2^31-1 ms (~24.8 days); a longer wait is re-armed in steps.
const MAX_TIMEOUT = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, callback) {
    let handle: NodeJS.Timeout | undefined;
    // Never calls back synchronously, even when `at` has passed: a caller may still be arming.
    const arm = () => {
      handle = setTimeout(
        () => (Date.now() >= at ? callback() : arm()),
        Math.min(Math.max(0, at - Date.now()), MAX_TIMEOUT),
      );
      // Alert timers never keep a process alive: `flowtel run` must exit when its flow is done.
      handle.unref();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; due timers fire in time order as it moves. */
export class ManualClock implements Clock {
  private current: number;
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(start: number | string | Date = 0) {
    this.current = toMillis(start);
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, callback: () => void): TimerHandle {
    const timer: ManualTimer = { at, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves to `time`, firing every timer due on the way at its own time. Never moves backwards. */
  advanceTo(time: number | string | Date): void {
    const target = toMillis(time);
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.reduce<ManualTimer | undefined>(
        (best, t) =>
          t.at <= target && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) ? t : best,
        undefined,
      );
      if (!next) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = Math.max(this.current, target);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Timers still waiting, for tests that check nothing is left behind. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}

export function toMillis(time: number | string | Date): number {
  if (typeof time === 'number') return time;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(time)}`);
  return ms;
}

/**
 * Epoch milliseconds read from the monotonic clock, the same clock the OpenTelemetry SDK times spans
 * with: one cheap read gives a timestamp and durations, and times flowtel passes to spans and events
 * never fall before the SDK's own start times (as `Date.now()`, a different clock, can).
 */
const origin = performance.timeOrigin;

export function monotonicNow(): number {
  return origin + performance.now();
}
