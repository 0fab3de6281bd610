import { expect, describe as group, it } from 'vitest';
import { flowRun, harness, taskRun } from './helpers.ts';

group('flow-failed', () => {
  it('fires when a flow run fails and resolves on the next completed run of that flow', () => {
    const h = harness({ rules: [{ name: 'failed', when: { type: 'flow-failed' } }] });
    h.feed(
      flowRun('etl', 'r1', 'Running', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:01:00Z', {
        error: { type: 'TypeError', message: 'boom' },
      }),
    );
    expect(h.log()).toEqual(['02:01:00 firing failed flow=etl']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe('etl failed: TypeError: boom');

    h.feed(
      flowRun('etl', 'r2', 'Running', '2026-11-25T03:00:00Z'),
      flowRun('etl', 'r2', 'Completed', '2026-11-25T03:05:00Z'),
    );
    expect(h.log()).toEqual(['02:01:00 firing failed flow=etl', '03:05:00 resolved failed flow=etl']);
    expect(h.engine.alerts()).toEqual([]);
  });

  it('fires on TimedOut and Crashed, not on Cancelled', () => {
    const h = harness({ rules: [{ name: 'failed', when: { type: 'flow-failed' } }] });
    h.feed(
      flowRun('a', 'r1', 'TimedOut', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Crashed', '2026-11-25T02:00:01Z'),
      flowRun('c', 'r3', 'Cancelled', '2026-11-25T02:00:02Z'),
    );
    expect(h.engine.alerts().map((a) => a.labels.flow)).toEqual(['a', 'b']);
  });

  it("does not let another flow's success resolve a failure", () => {
    const h = harness({ rules: [{ name: 'failed', when: { type: 'flow-failed', flow: '*' } }] });
    h.feed(
      flowRun('a', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('b', 'r2', 'Completed', '2026-11-25T02:10:00Z'),
    );
    expect(h.engine.alerts().map((a) => a.status)).toEqual(['firing']);
  });
});

group('task-failed', () => {
  it('fires when a task run ends Failed and resolves on that task’s next Completed run', () => {
    const h = harness({ rules: [{ name: 'task', when: { type: 'task-failed', task: 'load*' } }] });
    h.feed(
      taskRun('etl', 'extract', 't0', 'Failed', '2026-11-25T02:00:00Z'),
      taskRun('etl', 'load', 't1', 'Failed', '2026-11-25T02:00:01Z', { attempt: 3 }),
      taskRun('etl', 'transform', 't2', 'Completed', '2026-11-25T02:10:00Z'),
    );
    expect(h.log()).toEqual(['02:00:01 firing task flow=etl,task=load']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe('etl/load failed after 3 attempts');
    h.feed(taskRun('etl', 'load', 't3', 'Completed', '2026-11-25T03:00:00Z'));
    expect(h.log()).toContain('03:00:00 resolved task flow=etl,task=load');
  });
});

group('task-retrying', () => {
  it('fires when a task run reaches minAttempt and resolves when that task run ends', () => {
    const h = harness({ rules: [{ name: 'retry', when: { type: 'task-retrying', minAttempt: 3 } }] });
    h.feed(
      taskRun('etl', 'transform', 't1', 'Running', '2026-11-25T02:00:00Z'),
      taskRun('etl', 'transform', 't1', 'Retrying', '2026-11-25T02:00:10Z', { attempt: 2 }),
    );
    expect(h.sent).toEqual([]);
    h.feed(taskRun('etl', 'transform', 't1', 'Retrying', '2026-11-25T02:00:20Z', { attempt: 3 }));
    expect(h.log()).toEqual(['02:00:20 firing retry flow=etl,task=transform,run=t1']);
    h.feed(taskRun('etl', 'transform', 't1', 'Completed', '2026-11-25T02:00:30Z', { attempt: 3 }));
    h.engine.flush();
    expect(h.log()).toEqual([
      '02:00:20 firing retry flow=etl,task=transform,run=t1',
      '02:00:30 resolved retry flow=etl,task=transform,run=t1',
    ]);
    expect(h.sent[1]?.alerts[0]?.summary).toBe('etl/transform ended Completed after 3 attempts');
  });

  it('keeps one alert per task run: two runs of the same task are two alerts', () => {
    const h = harness({ rules: [{ name: 'retry', when: { type: 'task-retrying' } }] });
    h.feed(
      taskRun('etl', 'load', 'a', 'Retrying', '2026-11-25T02:00:00Z', { attempt: 2 }),
      taskRun('etl', 'load', 'b', 'Retrying', '2026-11-25T02:00:00Z', { attempt: 2 }),
    );
    expect(h.engine.alerts().map((a) => a.labels.run)).toEqual(['a', 'b']);
  });
});

group('flow-running-longer-than', () => {
  it('fires at the deadline while the run is still going, without another transition', () => {
    const h = harness({
      rules: [{ name: 'slow', when: { type: 'flow-running-longer-than', duration: '45m' } }],
    });
    h.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T02:00:00Z'));
    h.clock.advanceTo('2026-11-25T02:44:59Z');
    expect(h.sent).toEqual([]);
    h.clock.advanceTo('2026-11-25T02:45:00Z');
    expect(h.log()).toEqual(['02:45:00 firing slow flow=etl,run=r1']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe('etl run r1 has been running for more than 45m');
    h.feed(flowRun('etl', 'r1', 'Completed', '2026-11-25T03:00:00Z'));
    expect(h.log()).toContain('03:00:00 resolved slow flow=etl,run=r1');
    expect(h.sent.at(-1)?.alerts[0]?.summary).toBe('etl run r1 ended Completed after 1h');
  });

  it('stays quiet for a run that ends before the deadline and leaves no timer behind', () => {
    const h = harness({
      rules: [{ name: 'slow', when: { type: 'flow-running-longer-than', duration: '45m' } }],
    });
    h.feed(
      flowRun('etl', 'r1', 'Running', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r1', 'Completed', '2026-11-25T02:30:00Z'),
    );
    h.clock.advanceTo('2026-11-26T00:00:00Z');
    expect(h.sent).toEqual([]);
    expect(h.engine.stats().timers).toBe(0);
  });
});

group('flow-duration-above', () => {
  it('fires when a run completes slower than the limit and resolves on the next run within it', () => {
    const h = harness({ rules: [{ name: 'dur', when: { type: 'flow-duration-above', duration: '10m' } }] });
    h.feed(
      flowRun('etl', 'r1', 'Running', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r1', 'Completed', '2026-11-25T02:12:00Z'),
    );
    expect(h.log()).toEqual(['02:12:00 firing dur flow=etl']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe('etl took 12m, above 10m');
    h.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T03:05:00Z', { startedAt: '2026-11-25T03:00:00Z' }));
    h.engine.flush();
    expect(h.log()).toEqual(['02:12:00 firing dur flow=etl', '03:05:00 resolved dur flow=etl']);
    expect(h.sent[1]?.alerts[0]?.summary).toBe('etl took 5m, within 10m');
  });
});

group('flow-failures', () => {
  it('fires at the count-th failure within the window and resolves when one leaves the window', () => {
    const h = harness({
      rules: [{ name: 'flaky', when: { type: 'flow-failures', count: 3, within: '1h' } }],
    });
    h.feed(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r2', 'Completed', '2026-11-25T02:10:00Z'),
      flowRun('etl', 'r3', 'Failed', '2026-11-25T02:20:00Z'),
    );
    expect(h.sent).toEqual([]);
    h.feed(flowRun('etl', 'r4', 'Failed', '2026-11-25T02:40:00Z'));
    expect(h.log()).toEqual(['02:40:00 firing flaky flow=etl']);
    expect(h.sent[0]?.alerts[0]?.summary).toBe('etl failed 3 times within 1h');
    // r1 leaves the window at 03:00: two failures remain, below three.
    h.clock.advanceTo('2026-11-25T02:59:59Z');
    expect(h.sent).toHaveLength(1);
    h.clock.advanceTo('2026-11-25T03:00:00Z');
    expect(h.log()).toEqual(['02:40:00 firing flaky flow=etl', '03:00:00 resolved flaky flow=etl']);
  });

  it('stays firing while new failures keep the count up, and resolves at the right expiry', () => {
    const h = harness({
      rules: [{ name: 'flaky', when: { type: 'flow-failures', count: 2, within: '1h' } }],
    });
    h.feed(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r2', 'Failed', '2026-11-25T02:30:00Z'),
      flowRun('etl', 'r3', 'Failed', '2026-11-25T02:50:00Z'),
    );
    h.clock.advanceTo('2026-11-25T03:29:59Z');
    expect(h.engine.alerts().map((a) => a.status)).toEqual(['firing']);
    h.clock.advanceTo('2026-11-25T03:30:00Z');
    expect(h.log().at(-1)).toBe('03:30:00 resolved flaky flow=etl');
  });
});

group('memory of a long-lived engine', () => {
  it('forgets the runs heard from longest ago beyond maxRunsInFlight (their process died without ending them)', () => {
    const rules = {
      rules: [{ name: 'failed', when: { type: 'flow-failed' as const }, groupBy: ['param.c'] }],
    };
    const h = harness(rules, '2026-11-25T00:00:00Z', { maxRunsInFlight: 3 });
    for (let i = 1; i <= 10; i++)
      h.feed(flowRun('etl', `r${i}`, 'Running', '2026-11-25T02:00:00Z', { params: { c: `c${i}` } }));
    expect(h.engine.stats().runsInFlight).toBe(3);
    // A run still heard from is remembered: its failure is grouped by its parameter.
    h.feed(flowRun('etl', 'r10', 'Failed', '2026-11-25T02:05:00Z'));
    expect(h.engine.alerts().map((a) => a.labels['param.c'])).toEqual(['c10']);
    expect(h.engine.stats().runsInFlight).toBe(2);
  });

  it('forgets a flow-failures window once its failures have left it, below count or not', () => {
    const h = harness({
      rules: [
        { name: 'flaky', when: { type: 'flow-failures', count: 3, within: '1h' }, groupBy: ['param.c'] },
      ],
    });
    for (let i = 0; i < 5; i++)
      h.feed(flowRun('etl', `r${i}`, 'Failed', '2026-11-25T02:00:00Z', { params: { c: `c${i}` } }));
    expect(h.engine.stats().failureWindows).toBe(5);
    h.clock.advanceTo('2026-11-25T03:00:00Z');
    expect(h.engine.stats().failureWindows).toBe(0);
    expect(h.engine.stats().timers).toBe(0);
  });
});
