import { expect, describe as group, it } from 'vitest';
import { InMemoryAlertStateStore } from '../../src/alerts/state.ts';
import type { RulesFileInput } from '../../src/rules/schema.ts';
import { flowRun, harness, taskRun } from './helpers.ts';

/**
 * A restart is a new engine over the store the previous one wrote (SQLite in `flowtel run` and `serve`).
 * The README promises it must neither repeat a firing alert before its repeatInterval nor forget it.
 */
function restartable(rules: RulesFileInput, start: string) {
  const store = new InMemoryAlertStateStore();
  const first = harness(rules, start, { store });
  return {
    first,
    /** Stops the first engine and starts another over the same store, at `at` (with changed rules). */
    restart(at: string, changed = rules) {
      first.engine.close();
      return harness(changed, at, { store });
    },
  };
}

const failed = { name: 'failed', when: { type: 'flow-failed' as const } };

group('after a restart', () => {
  it('repeats a firing alert repeatInterval after its last notification, not at once and not never', () => {
    const { first, restart } = restartable(
      { defaults: { repeatInterval: '1h' }, rules: [failed] },
      '2026-11-25T02:00:00Z',
    );
    first.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    first.clock.advanceTo('2026-11-25T02:30:00Z');
    expect(first.log()).toEqual(['02:00:00 firing failed flow=etl']);

    const second = restart('2026-11-25T02:30:00Z');
    second.clock.advanceTo('2026-11-25T02:59:59Z');
    expect(second.sent).toEqual([]);
    second.clock.advanceTo('2026-11-25T04:00:00Z');
    second.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T04:10:00Z'));
    expect(second.log()).toEqual([
      '03:00:00 repeat failed flow=etl',
      '04:00:00 repeat failed flow=etl',
      '04:10:00 resolved failed flow=etl',
    ]);
  });

  it('sends a notification that groupWait still held when the previous engine stopped', () => {
    const { first, restart } = restartable(
      { rules: [{ ...failed, groupWait: '1m' }] },
      '2026-11-25T02:00:00Z',
    );
    first.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    const second = restart('2026-11-25T02:00:30Z');
    second.clock.advanceTo('2026-11-25T02:02:00Z');
    expect(second.log()).toEqual(['02:01:30 firing failed flow=etl']);
  });

  it('resolves a flow-failures alert when the failures the previous engine counted leave the window', () => {
    const { first, restart } = restartable(
      { rules: [{ name: 'flaky', when: { type: 'flow-failures', count: 2, within: '1h' } }] },
      '2026-11-25T02:00:00Z',
    );
    first.feed(
      flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'),
      flowRun('etl', 'r2', 'Failed', '2026-11-25T02:20:00Z'),
    );
    expect(first.log()).toEqual(['02:20:00 firing flaky flow=etl']);

    const second = restart('2026-11-25T02:30:00Z');
    second.clock.advanceTo('2026-11-25T02:59:59Z');
    expect(second.sent).toEqual([]);
    second.clock.advanceTo('2026-11-25T03:00:00Z'); // r1 leaves the window: one failure, below two
    expect(second.log()).toEqual(['03:00:00 resolved flaky flow=etl']);
    expect(second.engine.alerts()).toEqual([]);
  });

  it('resolves a flow-late alert when a run starts, counting the slots missed before and after', () => {
    const rules: RulesFileInput = {
      rules: [{ name: 'late', when: { type: 'flow-late', flow: 'etl', interval: '1h', grace: '5m' } }],
    };
    const { first, restart } = restartable(rules, '2026-11-25T00:30:00Z');
    first.clock.advanceTo('2026-11-25T01:30:00Z');
    expect(first.log()).toEqual(['01:05:00 firing late flow=etl']);

    const second = restart('2026-11-25T01:30:00Z');
    second.clock.advanceTo('2026-11-25T02:10:00Z'); // the 02:00 slot is missed too
    second.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T02:20:00Z'));
    second.engine.flush();
    expect(second.log()).toEqual(['02:20:00 resolved late flow=etl']);
    expect(second.sent[0]?.alerts[0]?.summary).toBe(
      'etl started at 2026-11-25T02:20:00Z; 2 scheduled runs were missed',
    );
  });

  it('keeps the flow-late count of the last evaluation step, counted then, across a restart', () => {
    const rules: RulesFileInput = {
      rules: [{ name: 'late', when: { type: 'flow-late', flow: 'etl', interval: '1h', grace: '5m' } }],
    };
    const { first, restart } = restartable(rules, '2026-11-25T00:30:00Z');
    first.feed(flowRun('other', 'o1', 'Running', '2026-11-25T03:30:00Z')); // a step: the 01:00-03:00 slots
    const second = restart('2026-11-25T03:30:00Z');
    second.feed(flowRun('etl', 'r1', 'Running', '2026-11-25T04:20:00Z'));
    second.engine.flush();
    expect(second.sent.at(-1)?.alerts[0]?.summary).toBe(
      'etl started at 2026-11-25T04:20:00Z; 4 scheduled runs were missed',
    );
  });

  it('resolves an alert whose rule label has the name and value of one of its identity keys', () => {
    const rules: RulesFileInput = {
      rules: [{ name: 'load-failed', labels: { task: 'load' }, when: { type: 'task-failed' } }],
    };
    const { first, restart } = restartable(rules, '2026-11-25T02:00:00Z');
    first.feed(taskRun('etl', 'load', 't1', 'Failed', '2026-11-25T02:00:00Z'));
    const second = restart('2026-11-25T02:10:00Z');
    second.feed(taskRun('etl', 'load', 't2', 'Completed', '2026-11-25T02:10:00Z'));
    expect([...first.log(), ...second.log()]).toEqual([
      '02:00:00 firing load-failed task=load,flow=etl',
      '02:10:00 resolved load-failed task=load,flow=etl',
    ]);
  });

  it('resolves an alert fired before its rule changed its labels', () => {
    const rule = { name: 'failed', when: { type: 'flow-failed' as const } };
    const { first, restart } = restartable(
      { rules: [{ ...rule, labels: { team: 'data' } }] },
      '2026-11-25T02:00:00Z',
    );
    first.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    const second = restart('2026-11-25T02:10:00Z', { rules: [{ ...rule, labels: { team: 'platform' } }] });
    second.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T02:10:00Z'));
    expect(second.log()).toEqual(['02:10:00 resolved failed team=data,flow=etl']);
    expect(second.engine.alerts()).toEqual([]);
  });
});
