import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../src/clock.ts';
import { resolveFlowOptions } from '../../src/runtime/flow-options.ts';
import { type SchedulingOptions, toSchedulableFlow } from '../../src/schedule/flow-schedules.ts';
import { InMemoryScheduleMarks, type ScheduleMarks } from '../../src/schedule/marks.ts';
import { createScheduler, type DueSlot } from '../../src/schedule/scheduler.ts';

/** A flow as serve gets it: declared like a user declares it, resolved, then as plain data. */
const flow = (name: string, options: SchedulingOptions) =>
  toSchedulableFlow(resolveFlowOptions({ name, ...options }));

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

interface Setup {
  readonly marks?: ScheduleMarks;
  /** Each run ends as soon as it is launched; else runs stay in flight until the test ends them. */
  readonly quick?: boolean;
}

/** A scheduler on `clock` and `marks`, with what it did as one readable line per event. */
function scheduler(clock: Clock, { marks = new InMemoryScheduleMarks(), quick = false }: Setup = {}) {
  const events: string[] = [];
  const launched: DueSlot[] = [];
  const errors: unknown[] = [];
  const s = createScheduler({
    clock,
    marks,
    launch: (slot) => {
      launched.push(slot);
      const caught = slot.catchUp ? ' (catch-up)' : '';
      events.push(
        `${time(clock.now())} run ${slot.flow}/${slot.scheduleId} for ${time(slot.scheduledAt)}${caught}`,
      );
      if (quick) s.runEnded(slot.flow);
    },
    onMissed: (m) =>
      events.push(
        `${time(clock.now())} missed ${m.flow}/${m.scheduleId}: ${m.more ? 'more than ' : ''}${m.count}, ${time(m.first)} to ${time(m.last)}`,
      ),
    onSkipped: (slot, reason) =>
      events.push(`${time(clock.now())} skipped ${time(slot.scheduledAt)}: ${reason}`),
    onError: (error) => errors.push(error),
  });
  return { scheduler: s, events, launched, errors, marks };
}

describe('the scheduler', () => {
  it('runs a seconds-level interval schedule at each of its slots', () => {
    const clock = new ManualClock('2026-11-25T00:00:00.500Z');
    const { scheduler: s, events, errors } = scheduler(clock, { quick: true });
    s.load([flow('etl', { schedule: { interval: '2s' } })]);
    expect(s.views()[0]?.schedules[0]?.nextAt).toBe('2026-11-25T00:00:02.000Z');
    clock.advanceTo('2026-11-25T00:00:06.900Z');
    expect(events).toEqual([
      '00:00:02 run etl/every 2s for 00:00:02',
      '00:00:04 run etl/every 2s for 00:00:04',
      '00:00:06 run etl/every 2s for 00:00:06',
    ]);
    expect(errors).toEqual([]);
  });

  it('runs a seconds-level cron schedule at its slots, from one clock timer', () => {
    const clock = new ManualClock('2026-11-25T00:00:01Z');
    const { scheduler: s, events } = scheduler(clock, { quick: true });
    s.load([flow('a', { schedule: { cron: '*/5 * * * * *' } }), flow('b', { schedule: { interval: '3s' } })]);
    expect(clock.pendingTimers()).toBe(1);
    clock.advanceTo('2026-11-25T00:00:10Z');
    expect(events).toEqual([
      '00:00:03 run b/every 3s for 00:00:03',
      '00:00:05 run a/cron */5 * * * * * UTC for 00:00:05',
      '00:00:06 run b/every 3s for 00:00:06',
      '00:00:09 run b/every 3s for 00:00:09',
      '00:00:10 run a/cron */5 * * * * * UTC for 00:00:10',
    ]);
  });

  it('runs a one-off schedule once, and one already past when first seen never', () => {
    const clock = new ManualClock('2026-11-25T00:00:30Z');
    const { scheduler: s, events } = scheduler(clock);
    s.load([
      flow('once', { schedule: { at: '2026-11-25T00:00:30Z' } }),
      flow('past', { schedule: { at: new Date('2026-11-24T23:00:00Z') } }),
    ]);
    clock.advanceTo('2026-11-26T00:00:00Z');
    expect(events).toEqual(['00:00:30 run once/at 2026-11-25T00:00:30.000Z for 00:00:30']);
    expect(s.views().map((v) => v.schedules[0]?.nextAt)).toEqual([null, null]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs each of several schedules of a flow with its own parameters', () => {
    const clock = new ManualClock('2026-11-25T00:59:00Z');
    const { scheduler: s, launched } = scheduler(clock);
    s.load([
      flow('report', {
        overlap: 'allow',
        schedule: [
          { interval: '30m', params: { size: 'small' } },
          { name: 'hourly', cron: '0 * * * *', params: { size: 'full' } },
        ],
      }),
    ]);
    clock.advanceTo('2026-11-25T01:30:00Z');
    expect(launched.map((slot) => [slot.scheduleId, time(slot.scheduledAt), slot.params])).toEqual([
      ['every 30m', '01:00:00', { size: 'small' }],
      ['hourly', '01:00:00', { size: 'full' }],
      ['every 30m', '01:30:00', { size: 'small' }],
    ]);
  });

  describe('when a slot comes while a run is in flight', () => {
    it("skips it with overlap 'skip' (the default), and says why", () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, events } = scheduler(clock);
      s.load([flow('etl', { schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:02:30Z');
      s.runEnded('etl');
      clock.advanceTo('2026-11-25T00:03:00Z');
      expect(events).toEqual([
        '00:01:00 run etl/every 1m for 00:01:00',
        "00:02:00 skipped 00:02:00: 1 run of etl in flight (concurrency 1) and overlap is 'skip'",
        '00:03:00 run etl/every 1m for 00:03:00',
      ]);
      expect(s.views()[0]?.missedSlots).toBe(1);
    });

    it("queues it with overlap 'queue' until the run ends, one queued slot per schedule however long it takes", () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, events, launched } = scheduler(clock);
      s.load([flow('etl', { overlap: 'queue', schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:03:30Z');
      expect(s.views()[0]).toMatchObject({ running: 1, queued: 1 });
      s.runEnded('etl');
      expect(events).toEqual([
        '00:01:00 run etl/every 1m for 00:01:00',
        "00:03:00 skipped 00:03:00: a slot of schedule 'every 1m' already waits for one of the 1 run of etl in flight to end",
        '00:03:30 run etl/every 1m for 00:02:00',
      ]);
      expect(launched.at(-1)?.scheduledAt).toBe(Date.parse('2026-11-25T00:02:00Z')); // its lateness shows
    });

    it("runs up to `concurrency` at once with overlap 'allow', then queues", () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, events } = scheduler(clock);
      s.load([flow('etl', { overlap: 'allow', concurrency: 2, schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:03:00Z');
      expect(s.views()[0]).toMatchObject({ running: 2, queued: 1, concurrency: 2 });
      s.runEnded('etl');
      expect(events).toEqual([
        '00:01:00 run etl/every 1m for 00:01:00',
        '00:02:00 run etl/every 1m for 00:02:00',
        '00:03:00 run etl/every 1m for 00:03:00',
      ]);
    });

    it("runs every slot with overlap 'allow' and no concurrency limit", () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, launched } = scheduler(clock);
      s.load([flow('etl', { overlap: 'allow', schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:10:00Z');
      expect(launched).toHaveLength(10);
      expect(s.views()[0]).toMatchObject({ running: 10, concurrency: null });
    });
  });

  describe('across a restart (a new scheduler on the same marks)', () => {
    function downFor(options: SchedulingOptions) {
      const marks = new InMemoryScheduleMarks();
      const before = new ManualClock('2026-11-25T00:00:30Z');
      const first = scheduler(before, { marks });
      first.scheduler.load([flow('etl', { schedule: { interval: '1m' }, ...options })]);
      before.advanceTo('2026-11-25T00:01:30Z');
      first.scheduler.runEnded('etl');
      first.scheduler.stop(); // serve goes down; it starts again at 00:10:30
      const after = new ManualClock('2026-11-25T00:10:30Z');
      const second = scheduler(after, { marks });
      second.scheduler.load([flow('etl', { schedule: { interval: '1m' }, ...options })]);
      return { first, second, after };
    }

    it("with catchUp 'skip' (the default), records the slots missed while down and runs the next one on time", () => {
      const { first, second, after } = downFor({});
      expect(first.events).toEqual(['00:01:00 run etl/every 1m for 00:01:00']);
      expect(second.events).toEqual(['00:10:30 missed etl/every 1m: 9, 00:02:00 to 00:10:00']);
      expect(second.scheduler.views()[0]?.missedSlots).toBe(9);
      after.advanceTo('2026-11-25T00:11:00Z');
      expect(second.events.at(-1)).toBe('00:11:00 run etl/every 1m for 00:11:00');
    });

    it("with catchUp 'run-once', runs the last missed slot at once and records the others as missed", () => {
      const { second } = downFor({ catchUp: 'run-once' });
      expect(second.events).toEqual([
        '00:10:30 missed etl/every 1m: 8, 00:02:00 to 00:09:00',
        '00:10:30 run etl/every 1m for 00:10:00 (catch-up)',
      ]);
      expect(second.launched[0]).toMatchObject({
        catchUp: true,
        scheduledAt: Date.parse('2026-11-25T00:10:00Z'),
      });
    });

    it('says "more than" for a cron missed more than 1,000 times', () => {
      const marks = new InMemoryScheduleMarks();
      const schedule = { cron: '* * * * * *' };
      const down = new ManualClock('2026-11-24T23:59:59.500Z');
      scheduler(down, { marks }).scheduler.load([flow('etl', { schedule })]);
      const { scheduler: s, events } = scheduler(new ManualClock('2026-11-25T00:59:59.500Z'), { marks });
      s.load([flow('etl', { schedule })]);
      expect(events).toEqual([
        '00:59:59 missed etl/cron * * * * * * UTC: more than 1000, 00:00:00 to 00:59:59',
      ]);
    });

    it('finds slots missed by a serve that went down before the first slot of a schedule it had just seen', () => {
      const marks = new InMemoryScheduleMarks();
      const first = scheduler(new ManualClock('2026-11-25T00:00:30Z'), { marks });
      first.scheduler.load([flow('etl', { schedule: { interval: '1m' } })]);
      expect(first.events).toEqual([]); // never seen before: nothing was missed
      const second = scheduler(new ManualClock('2026-11-25T00:03:30Z'), { marks });
      second.scheduler.load([flow('etl', { schedule: { interval: '1m' } })]);
      expect(second.events).toEqual(['00:03:30 missed etl/every 1m: 3, 00:01:00 to 00:03:00']);
    });
  });

  it('does not run again a slot dealt with before the clock was set back', () => {
    const marks = new InMemoryScheduleMarks();
    const first = scheduler(new ManualClock('2026-11-25T00:05:30Z'), { marks });
    first.scheduler.load([flow('etl', { schedule: { interval: '1m' } })]);
    first.scheduler.stop();
    const clock = new ManualClock('2026-11-25T00:02:30Z');
    const { scheduler: s, events } = scheduler(clock, { marks, quick: true });
    s.load([flow('etl', { schedule: { interval: '1m' } })]);
    clock.advanceTo('2026-11-25T00:06:00Z');
    expect(events).toEqual(['00:06:00 run etl/every 1m for 00:06:00']);
  });

  it('runs a cron on a daylight-saving day at the times croner gives, once each', () => {
    const clock = new ManualClock('2026-03-28T12:00:00Z');
    const { scheduler: s, launched } = scheduler(clock, { quick: true });
    s.load([flow('etl', { schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } })]);
    clock.advanceTo('2026-03-30T12:00:00Z');
    // 02:30 does not exist on 29 March in Berlin: the slot is 03:00 CEST (01:00Z); the next day's is 02:30 CEST.
    expect(launched.map((slot) => new Date(slot.scheduledAt).toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('runs one slot, the latest, when the clock jumps past several (a suspended machine), and records the others', () => {
    let now = Date.parse('2026-11-25T00:00:30Z');
    const timers: { at: number; callback: () => void }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimer: (at, callback) => {
        const timer = { at, callback };
        timers.push(timer);
        return { cancel: () => timers.splice(timers.indexOf(timer), 1) };
      },
    };
    const { scheduler: s, events } = scheduler(clock);
    s.load([flow('etl', { schedule: { interval: '1m' } })]);
    now = Date.parse('2026-11-25T00:05:30Z'); // the first slot's timer fires late, after a jump
    timers.shift()?.callback();
    expect(events).toEqual([
      '00:05:30 missed etl/every 1m: 4, 00:01:00 to 00:04:00',
      '00:05:30 run etl/every 1m for 00:05:00',
    ]);
    expect(timers.map((t) => new Date(t.at).toISOString())).toEqual(['2026-11-25T00:06:00.000Z']);
  });

  describe('on a reload', () => {
    it('stops the timers of a flow it no longer has, and of a schedule the flow dropped', () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, events } = scheduler(clock, { quick: true });
      s.load([
        flow('kept', { schedule: [{ interval: '1m' }, { interval: '5m' }] }),
        flow('gone', { schedule: { interval: '1m' } }),
      ]);
      s.load([flow('kept', { schedule: { interval: '5m' } })]);
      clock.advanceTo('2026-11-25T00:10:00Z');
      expect(events).toEqual([
        '00:05:00 run kept/every 5m for 00:05:00',
        '00:10:00 run kept/every 5m for 00:10:00',
      ]);
      expect(s.views().map((v) => [v.name, v.schedules.map((x) => x.id)])).toEqual([['kept', ['every 5m']]]);
      s.load([]);
      expect(clock.pendingTimers()).toBe(0);
    });

    it('keeps a schedule that did not change as it was (no second run of a slot), with its new params', () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, launched } = scheduler(clock);
      s.load([flow('etl', { schedule: { interval: '1m', params: { v: 1 } } })]);
      clock.advanceTo('2026-11-25T00:01:00Z');
      s.runEnded('etl');
      s.load([flow('etl', { schedule: { interval: '1m', params: { v: 2 } } })]);
      clock.advanceTo('2026-11-25T00:02:00Z');
      expect(launched.map((slot) => [time(slot.scheduledAt), slot.params])).toEqual([
        ['00:01:00', { v: 1 }],
        ['00:02:00', { v: 2 }],
      ]);
    });

    it('counts runs launched before it until they end', () => {
      const clock = new ManualClock('2026-11-25T00:00:30Z');
      const { scheduler: s, events } = scheduler(clock);
      s.load([flow('etl', { schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:01:00Z');
      s.load([flow('etl', { schedule: { interval: '1m' } })]);
      clock.advanceTo('2026-11-25T00:02:00Z');
      expect(events.at(-1)).toMatch(/^00:02:00 skipped 00:02:00: 1 run of etl in flight/);
    });
  });

  it('launches nothing once stopped, and drops the queued slots', () => {
    const clock = new ManualClock('2026-11-25T00:00:30Z');
    const { scheduler: s, launched } = scheduler(clock);
    s.load([flow('etl', { overlap: 'queue', schedule: { interval: '1m' } })]);
    clock.advanceTo('2026-11-25T00:02:00Z');
    s.stop();
    s.runEnded('etl');
    clock.advanceTo('2026-11-25T01:00:00Z');
    expect(launched).toHaveLength(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports a launch that throws and does not count it in flight', () => {
    const clock = new ManualClock('2026-11-25T00:00:30Z');
    const errors: unknown[] = [];
    let calls = 0;
    const s = createScheduler({
      clock,
      marks: new InMemoryScheduleMarks(),
      launch: () => {
        calls++;
        throw new Error('spawn failed');
      },
      onError: (error) => errors.push(error),
    });
    s.load([flow('etl', { schedule: { interval: '1m' } })]);
    clock.advanceTo('2026-11-25T00:02:00Z');
    expect(calls).toBe(2); // the second slot is not skipped behind a run that never started
    expect(errors.map((e) => (e as Error).message)).toEqual(['spawn failed', 'spawn failed']);
    expect(s.views()[0]?.running).toBe(0);
  });
});
