import { expect, describe as group, it } from 'vitest';
import { flowRun, harness, taskRun } from './helpers.ts';

group('the rule index', () => {
  it('checks a handful of rules per transition, not all 1,000', () => {
    const rules = Array.from({ length: 1_000 }, (_, i) => ({
      name: `failed-${i}`,
      when: { type: 'flow-failed' as const, flow: `flow-${i}` },
    }));
    rules.push({ name: 'failed-orders-glob', when: { type: 'flow-failed', flow: 'orders-*' } });
    const h = harness({ rules });
    h.feed(flowRun('flow-7', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    // One exact hit, plus the glob's flow pattern: two matcher calls, whatever the number of rules.
    expect(h.engine.stats().matcherCalls).toBe(2);
    expect(h.log()).toEqual(['02:00:00 firing failed-7 flow=flow-7']);
  });

  it('never asks flow rules about task transitions that cannot concern them', () => {
    const rules = Array.from({ length: 500 }, (_, i) => ({
      name: `slow-${i}`,
      when: { type: 'flow-duration-above' as const, duration: `${i + 1}m` as const },
    }));
    const h = harness({ rules });
    h.feed(taskRun('etl', 'load', 't1', 'Running', '2026-11-25T02:00:00Z'));
    expect(h.engine.stats().matcherCalls).toBe(0);
  });
});

group('determinism', () => {
  it('produces the same notifications from the same records and clock', () => {
    const run = () => {
      const h = harness({
        defaults: { groupInterval: '2m', repeatInterval: '30m' },
        rules: [
          { name: 'failed', when: { type: 'flow-failed' } },
          { name: 'retry', when: { type: 'task-retrying' } },
          { name: 'slow', when: { type: 'flow-running-longer-than', duration: '10m' } },
          { name: 'late', when: { type: 'flow-late', flow: 'etl', interval: '1h', grace: '5m' } },
        ],
      });
      h.feed(
        flowRun('etl', 'r1', 'Running', '2026-11-25T00:30:00Z'),
        taskRun('etl', 'load', 't1', 'Retrying', '2026-11-25T00:31:00Z', { attempt: 2 }),
        taskRun('etl', 'load', 't1', 'Failed', '2026-11-25T00:45:00Z', { attempt: 2 }),
        flowRun('etl', 'r1', 'Failed', '2026-11-25T00:46:00Z'),
      );
      h.clock.advanceTo('2026-11-25T03:00:00Z');
      return h.sent;
    };
    const first = run();
    expect(first.length).toBeGreaterThan(5);
    expect(run()).toEqual(first);
  });
});
