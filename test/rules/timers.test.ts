import { expect, describe as group, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/clock.ts';
import { TimerQueue } from '../../src/schedule/timer-queue.ts';

group('the timer queue', () => {
  it('drops cancelled timers long before they are due, so runs that end early do not pile up', () => {
    const timers = new TimerQueue(new ManualClock('2026-11-25T00:00:00Z'));
    const day = Date.parse('2026-11-26T00:00:00Z');
    for (let i = 0; i < 10_000; i++) timers.schedule(day + i, () => {})();
    expect(timers.size()).toBe(0);
    expect(timers.heldEntries()).toBeLessThan(2_100);
  });

  it('still runs the live timers in time order after dropping cancelled ones', () => {
    const clock = new ManualClock(0);
    const timers = new TimerQueue(clock);
    const ran: number[] = [];
    for (let i = 0; i < 3_000; i++) {
      const cancel = timers.schedule(3_000 - i, () => ran.push(3_000 - i));
      if (i % 3 !== 0) cancel();
    }
    clock.advanceTo(3_000);
    expect(ran).toHaveLength(1_000);
    expect(ran).toEqual([...ran].sort((a, b) => a - b));
  });

  it('arms the clock once for the entries an evaluation step adds, at its end', () => {
    const clock = new ManualClock(0);
    let armed = 0;
    const counting = {
      now: () => clock.now(),
      setTimer: (at: number, callback: () => void) => {
        armed++;
        return clock.setTimer(at, callback);
      },
    };
    const timers = new TimerQueue(counting);
    const ran: string[] = [];
    timers.runDue(() => {
      timers.schedule(0, () => ran.push('due now')); // e.g. a group's flush with no groupWait
      timers.schedule(5_000, () => ran.push('later'));
      timers.schedule(9_000, () => ran.push('last'));
    });
    expect(ran).toEqual(['due now']);
    expect(armed).toBe(1); // for 5 s, not once per entry
    clock.advanceTo(9_000);
    expect(ran).toEqual(['due now', 'later', 'last']);
  });
});

group('the system clock', () => {
  it('never calls back while the timer is being set, even for a time already passed', () => {
    let called = false;
    const handle = systemClock.setTimer(Date.now() - 1_000, () => {
      called = true;
    });
    expect(called).toBe(false);
    handle.cancel();
  });
});
