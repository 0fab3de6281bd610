import { describe, expect, it } from 'vitest';
import type { Grid, LiveEvent, RunSummary } from '../../../ui/src/api/types.ts';
import { applyToGrid } from '../../../ui/src/pages/gridLive.ts';

/** The flow page's grid, kept current from the event stream without refetching it. */

const running = { type: 'RUNNING', name: 'Running', at: '2026-12-01T10:00:00.000Z' } as const;

const grid = (): Grid => ({
  flow: 'etl',
  tasks: ['extract', 'load'],
  runs: [
    {
      id: 'r1',
      state: running,
      startedAt: '2026-12-01T10:00:00.000Z',
      scheduledAt: null,
      durationMs: null,
      cells: 'c',
    },
  ],
  nextCursor: null,
});

function task(
  taskName: string,
  taskRunId: string,
  name: 'Running' | 'Completed' | 'Failed',
  over: { runId?: string; flow?: string; attempts?: number } = {},
): LiveEvent {
  const type = name === 'Running' ? 'RUNNING' : name === 'Completed' ? 'COMPLETED' : 'FAILED';
  return {
    type: 'task',
    runId: over.runId ?? 'r1',
    flow: over.flow ?? 'etl',
    task: taskName,
    taskRunId,
    state: { type, name },
    attempts: over.attempts ?? 1,
    startedAt: null,
    endedAt: null,
  };
}

const summary = (id: string, state: RunSummary['state']): RunSummary => ({
  id,
  flow: 'etl',
  state,
  scheduledAt: null,
  startedAt: '2026-12-01T11:00:00.000Z',
  endedAt: null,
  durationMs: null,
  traceId: null,
  traceUrl: null,
  source: 'api',
  tags: [],
});

describe('the live grid', () => {
  it('writes a task run of a run in flight into its cell', () => {
    const next = applyToGrid(grid(), [task('load', 't1', 'Running')], new Map());
    expect(next.runs[0]!.cells).toBe('cr');
  });

  it('shows the worst task run of a fan-out group, and keeps it when another one completes', () => {
    const seen = new Map();
    let g = applyToGrid(grid(), [task('load', 't1', 'Failed'), task('load', 't2', 'Running')], seen);
    expect(g.runs[0]!.cells).toBe('cf');
    g = applyToGrid(g, [task('load', 't2', 'Completed')], seen);
    expect(g.runs[0]!.cells).toBe('cf');
  });

  it('adds a column for a task new to the flow', () => {
    const g = applyToGrid(grid(), [task('report', 't9', 'Completed', { attempts: 2 })], new Map());
    expect(g.tasks).toEqual(['extract', 'load', 'report']);
    expect(g.runs[0]!.cells).toBe('c.C');
  });

  it('puts a new run on top and updates the state of a known one', () => {
    const done = { type: 'COMPLETED', name: 'Completed', at: '2026-12-01T10:01:00.000Z' } as const;
    const g = applyToGrid(
      grid(),
      [
        { type: 'run', run: summary('r2', running) },
        { type: 'run', run: summary('r1', done) },
      ],
      new Map(),
    );
    expect(g.runs.map((r) => [r.id, r.state.name, r.cells])).toEqual([
      ['r2', 'Running', ''],
      ['r1', 'Completed', 'c'],
    ]);
  });

  it('ignores other flows, unknown runs and ended runs, and returns the same grid when nothing changed', () => {
    const g = grid();
    expect(applyToGrid(g, [task('load', 't1', 'Failed', { flow: 'other' })], new Map())).toBe(g);
    expect(applyToGrid(g, [task('load', 't1', 'Failed', { runId: 'nope' })], new Map())).toBe(g);
    const ended = {
      ...g,
      runs: [{ ...g.runs[0]!, state: { type: 'COMPLETED', name: 'Completed', at: running.at } as const }],
    };
    expect(applyToGrid(ended, [task('load', 't1', 'Failed')], new Map())).toBe(ended);
  });
});
