import { type Clock, monotonicNow } from '../clock.ts';

let read: () => number = monotonicNow;

/**
 * The runtime's one reading of time, in epoch milliseconds: every state time, span time and duration
 * of a flow or task run comes from here. The monotonic clock unless a test replaced it.
 */
export function now(): number {
  return read();
}

/**
 * Replaces the runtime's time source (`flowtel/testing` exports it), e.g. with a `ManualClock`, so the
 * times of runs are the test's; `undefined` puts the monotonic clock back. Timers (retry delays,
 * timeouts) still wait in real time.
 */
export function setRuntimeClock(clock: Pick<Clock, 'now'> | undefined): void {
  read = clock ? () => clock.now() : monotonicNow;
}
