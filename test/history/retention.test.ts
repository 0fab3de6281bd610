import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { ConfigError } from '../../src/errors.ts';
import { InMemoryRunHistory } from '../../src/history/memory.ts';
import { DEFAULT_RETENTION_MS, pruneEvery, readRetention } from '../../src/history/retention.ts';
import { flowRecord } from './contract.ts';

describe('FLOWTEL_RETENTION', () => {
  it('keeps ended runs 30 days unless told, and every run with 0', () => {
    expect(readRetention({})).toBe(DEFAULT_RETENTION_MS);
    expect(readRetention({ FLOWTEL_RETENTION: '12h' })).toBe(12 * 3_600_000);
    expect(readRetention({ FLOWTEL_RETENTION: '0' })).toBeUndefined();
  });

  it('refuses a value that is not a duration, naming the variable and the value', () => {
    expect(() => readRetention({ FLOWTEL_RETENTION: 'forever' })).toThrow(ConfigError);
    expect(() => readRetention({ FLOWTEL_RETENTION: 'forever' })).toThrow(/FLOWTEL_RETENTION.*forever/);
  });
});

describe('pruneEvery', () => {
  it('prunes at once and then every interval, runs that ended longer ago than the retention', () => {
    const clock = new ManualClock('2026-11-25T02:00:00.000Z');
    const history = new InMemoryRunHistory({ clock });
    history.record(flowRecord('a', 1, 'Completed', 0), 'otlp');
    history.record(flowRecord('b', 1, 'Completed', 3_600_000), 'otlp');
    const pruned: number[] = [];
    const stop = pruneEvery(history, 86_400_000, { clock, onPruned: (n) => pruned.push(n) });
    clock.advanceBy(86_400_000);
    expect(pruned).toEqual([]); // 'a' ended exactly a day ago: kept
    clock.advanceBy(3_600_000);
    expect(pruned).toEqual([1]);
    clock.advanceBy(3_600_000);
    expect(pruned).toEqual([1, 1]);
    expect(history.count()).toBe(0);
    stop();
    history.record(flowRecord('c', 1, 'Completed', 0), 'otlp');
    clock.advanceBy(10 * 86_400_000);
    expect(history.count()).toBe(1);
  });

  it('does nothing when every run is kept', () => {
    const clock = new ManualClock(0);
    const history = { prune: () => expect.unreachable() };
    pruneEvery(history, undefined, { clock })();
  });
});
