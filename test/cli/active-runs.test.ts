import { describe, expect, it } from 'vitest';
import { ActiveRuns } from '../../src/cli/view/active-runs.ts';

const run = (state: string, since: number) => ({ state, attempt: 1, since });

describe('the runs of a task line in progress', () => {
  it('keeps awaited runs one after the other, and overlapping ones in the order they started', () => {
    const active = new ActiveRuns();
    active.add(1, run('Pending', 10));
    active.get(1)!.state = 'Running';
    active.delete(1);
    expect(active.size).toBe(0);

    active.add(2, run('Running', 20));
    active.add(3, run('Running', 30));
    active.add(4, run('Pending', 40));
    active.delete(3);
    expect(active.size).toBe(2);
    expect([...active.values()].map((r) => r.since)).toEqual([20, 40]);
    expect(active.get(2)?.since).toBe(20);
    expect(active.get(3)).toBeUndefined();
    active.delete(4);
    active.delete(2);
    expect([...active.values()]).toEqual([]);
  });
});
