import { describe, expect, it } from 'vitest';
import type { Timeline, TimelineTaskRun } from '../../../ui/src/api/types.ts';
import { flatten, groupTimeline } from '../../../ui/src/pages/timelineRows.ts';

/** The run page's timeline rows: task runs folded by task name, filtered by preset and attempt. */

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString();
const NOW = Date.UTC(2026, 11, 1, 10, 1, 0);

function taskRun(
  id: string,
  task: number,
  start: number,
  end: number | null,
  over: Partial<TimelineTaskRun> = {},
): TimelineTaskRun {
  return {
    id,
    task,
    state: end === null ? { type: 'RUNNING', name: 'Running' } : { type: 'COMPLETED', name: 'Completed' },
    attempts: 1,
    startedAt: at(start),
    endedAt: end === null ? null : at(end),
    ...over,
  };
}

const timeline: Timeline = {
  runId: 'r1',
  startedAt: at(0),
  endedAt: null,
  tasks: ['extract', 'fetch-page', 'load'],
  taskRuns: [
    taskRun('e', 0, 0, 1),
    taskRun('p1', 1, 1, 2),
    taskRun('p2', 1, 1, 9),
    taskRun('p3', 1, 2, 4, { state: { type: 'FAILED', name: 'Failed' } }),
    taskRun('l', 2, 10, null, { attempts: 2 }),
  ],
  truncated: 0,
};

describe('the timeline', () => {
  it('folds a fanned-out task into one row, in start order, spanning its task runs', () => {
    const groups = groupTimeline(timeline, 'all', null, NOW);
    expect(groups.map((g) => [g.task, g.runs.length])).toEqual([
      ['extract', 1],
      ['fetch-page', 3],
      ['load', 1],
    ]);
    const fetch = groups[1]!;
    expect(fetch.failed).toBe(true);
    expect(fetch.slowestMs).toBe(8000);
    expect([fetch.start, fetch.end]).toEqual([Date.parse(at(1)), Date.parse(at(9))]);
    // A task run still going lasts until now.
    expect(groups[2]!.end).toBe(NOW);
  });

  it('shows only failures and retried task runs under Errors', () => {
    const groups = groupTimeline(timeline, 'errors', null, NOW);
    expect(groups.map((g) => [g.task, g.runs.map((t) => t.id)])).toEqual([
      ['fetch-page', ['p3']],
      ['load', ['l']],
    ]);
  });

  it('puts the slowest tasks first under Slowest, and filters by attempt', () => {
    expect(groupTimeline(timeline, 'slowest', null, NOW).map((g) => g.task)).toEqual([
      'load',
      'fetch-page',
      'extract',
    ]);
    expect(groupTimeline(timeline, 'all', 2, NOW).map((g) => g.task)).toEqual(['load']);
  });

  it('opens a folded row into its task runs, slowest first, only when expanded', () => {
    const groups = groupTimeline(timeline, 'all', null, NOW);
    expect(flatten(groups, new Set(), NOW).map((row) => row.level)).toEqual([1, 1, 1]);
    const rows = flatten(groups, new Set(['fetch-page']), NOW);
    expect(rows.map((row) => [row.level, row.taskRun?.id ?? null])).toEqual([
      [1, 'e'],
      [1, null],
      [2, 'p2'],
      [2, 'p3'],
      [2, 'p1'],
      [1, 'l'],
    ]);
  });
});
