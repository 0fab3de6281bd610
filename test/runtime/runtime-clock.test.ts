import { flow, task } from 'flowtel';
import { recordTransitions, setRuntimeClock } from 'flowtel/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';

afterEach(() => setRuntimeClock(undefined));

describe('the runtime clock', () => {
  it('gives runs the times of the clock a test sets: states, durations and transition records', async () => {
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    setRuntimeClock(clock);
    const load = task('load', () => {
      clock.advanceBy(1_500);
      return 1;
    });
    const recorder = recordTransitions();
    const record = await flow({ name: 'timed' }, async () => {
      clock.advanceBy(500);
      await load();
    }).run(undefined, { taskRuns: 'all' });
    recorder.stop();

    expect(record.startedAt).toBe('2026-11-25T02:00:00.000Z');
    expect(record.durationMs).toBe(2_000);
    expect(record.state.at).toBe('2026-11-25T02:00:02.000Z');
    expect(record.taskRuns.records[0]).toMatchObject({
      startedAt: '2026-11-25T02:00:00.500Z',
      durationMs: 1_500,
    });
    expect(recorder.records.map((r) => `${r.task ?? 'flow'} ${r.state.name} ${r.at.slice(11)}`)).toEqual([
      'flow Pending 02:00:00.000Z',
      'flow Running 02:00:00.000Z',
      'load Pending 02:00:00.500Z',
      'load Running 02:00:00.500Z',
      'load Completed 02:00:02.000Z',
      'flow Completed 02:00:02.000Z',
    ]);
  });

  it('goes back to the monotonic clock when the test is done', async () => {
    setRuntimeClock(new ManualClock('2001-01-01T00:00:00Z'));
    setRuntimeClock(undefined);
    const before = Date.now();
    const record = await flow({ name: 'real-time' }, async () => 1).run();

    expect(Date.parse(record.startedAt)).toBeGreaterThanOrEqual(before - 1_000);
  });
});
