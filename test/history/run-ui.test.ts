import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { flowHealth } from '../../src/history/health.ts';
import { InMemoryRunHistory } from '../../src/history/memory.ts';
import type { RunHistory } from '../../src/history/types.ts';
import { openDatabase, openRunHistory } from '../../src/store/index.ts';
import { flowRecord, type HistoryUnderTest, iso, taskRecord } from './contract.ts';

/** The run UI's reads (timeline, grid, stats, health, tag and q filters), the same on both histories. */

const T0 = Date.parse(iso(0));
const root = mkdtempSync(join(tmpdir(), 'flowtel-run-ui-'));
let homes = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sqlite = (clock: ManualClock) =>
  openRunHistory({ home: join(root, `h${++homes}`), clock, log: () => {} });

const subjects: [string, HistoryUnderTest][] = [
  [
    'InMemoryRunHistory',
    { open: async (clock) => new InMemoryRunHistory({ clock }), settle: async () => {} },
  ],
  ['SqliteRunHistory, writes pending', { open: sqlite, settle: async () => {} }],
  ['SqliteRunHistory, writes stored', { open: sqlite, settle: async (h) => void (await h.flush(5_000)) }],
];

type TaskSpec = readonly [string, number, 'Completed' | 'Failed' | 'Running'];

/** A run of `tasks` (task name, attempts, final state) between `start` and `end` (ms after T0). */
function runOf(
  history: RunHistory,
  id: string,
  start: number,
  end: number | undefined,
  tasks: readonly TaskSpec[],
  final: 'Completed' | 'Failed' | 'Cancelled' | 'Crashed' = 'Completed',
  extra: Parameters<typeof flowRecord>[4] = {},
) {
  history.record(flowRecord(id, 1, 'Running', start, extra), 'otlp');
  tasks.forEach(([task, attempts, state], i) => {
    const taskRunId = `${id}-${task}-${i}`;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      history.record(taskRecord(id, taskRunId, 'Pending', attempt, start + 1, { task }), 'otlp');
      history.record(
        taskRecord(id, taskRunId, attempt > 1 ? 'Retrying' : 'Running', attempt, start + 2, { task }),
        'otlp',
      );
      if (attempt < attempts) {
        history.record(taskRecord(id, taskRunId, 'AwaitingRetry', attempt, start + 3, { task }), 'otlp');
      }
    }
    if (state !== 'Running') {
      const error = state === 'Failed' ? { error: { type: 'Boom', message: `${task} broke` } } : {};
      history.record(taskRecord(id, taskRunId, state, attempts, start + 4, { task, ...error }), 'otlp');
    }
  });
  if (end !== undefined) history.record(flowRecord(id, 2, final, end, extra), 'otlp');
}

for (const [name, subject] of subjects) {
  describe(`${name}: the run UI's reads`, () => {
    const opened: RunHistory[] = [];
    afterEach(() => {
      for (const history of opened.splice(0)) history.close();
    });
    async function start() {
      const clock = new ManualClock(T0);
      const history = await subject.open(clock);
      opened.push(history);
      const read = async () => {
        await subject.settle(history);
        return history;
      };
      return { clock, history, read };
    }

    it('keeps every task run of a finished run, first-attempt successes included, in its timeline', async () => {
      const { history, read } = await start();
      runOf(history, 'r1', 0, 100, [
        ['extract', 1, 'Completed'],
        ['load', 2, 'Completed'],
        ['extract', 1, 'Failed'],
      ]);
      history.record(taskRecord('r1', 'r1-extract-0', 'Completed', 1, 4, { task: 'extract' }), 'otlp'); // heard twice
      const timeline = (await read()).timeline('r1');
      expect(timeline).toEqual({
        runId: 'r1',
        startedAt: iso(0),
        endedAt: iso(100),
        tasks: ['extract', 'load'],
        taskRuns: [
          {
            id: 'r1-extract-0',
            task: 0,
            state: { type: 'COMPLETED', name: 'Completed' },
            attempts: 1,
            startedAt: iso(2),
            endedAt: iso(4),
          },
          {
            id: 'r1-load-1',
            task: 1,
            state: { type: 'COMPLETED', name: 'Completed' },
            attempts: 2,
            startedAt: iso(2),
            endedAt: iso(4),
          },
          {
            id: 'r1-extract-2',
            task: 0,
            state: { type: 'FAILED', name: 'Failed' },
            attempts: 1,
            startedAt: iso(2),
            endedAt: iso(4),
            error: { type: 'Boom', message: 'extract broke' },
          },
        ],
        truncated: 0,
      });
      expect(history.timeline('unknown')).toBeUndefined();
    });

    it('takes in task runs whose spans arrive after their run ended', async () => {
      const { history, read } = await start();
      runOf(history, 'r1', 0, 100, [['extract', 1, 'Completed']]);
      await read();
      history.record(
        taskRecord('r1', 'late-1', 'Completed', 1, 90, { task: 'load', startedAt: iso(80) }),
        'otlp',
      );
      const timeline = (await read()).timeline('r1');
      expect(timeline?.tasks).toEqual(['extract', 'load']);
      expect(timeline?.taskRuns.at(-1)).toMatchObject({
        id: 'late-1',
        task: 1,
        startedAt: iso(80),
        endedAt: iso(90),
      });
      expect(history.grid('nightly-orders', { limit: 1 }).runs[0]?.cells).toBe('cc');
      // A run first heard of at its end (a pipeline that reports only spans, the flow's first).
      history.record(flowRecord('r2', 2, 'Failed', 1_100, { startedAt: iso(1_000) }), 'otlp');
      history.record(taskRecord('r2', 'r2-t', 'Failed', 1, 1_050, { task: 'load' }), 'otlp');
      expect((await read()).grid('nightly-orders', { limit: 1 }).runs[0]).toMatchObject({
        id: 'r2',
        cells: '.f',
      });
    });

    it('shows what it has heard so far of a run in flight', async () => {
      const { history, read } = await start();
      runOf(history, 'r1', 0, undefined, [
        ['extract', 1, 'Completed'],
        ['load', 1, 'Running'],
      ]);
      const timeline = (await read()).timeline('r1');
      expect(timeline?.endedAt).toBeNull();
      expect(timeline?.taskRuns.map((t) => [t.task, t.state.name, t.endedAt])).toEqual([
        [0, 'Completed', iso(4)],
        [1, 'Running', null],
      ]);
    });

    it('collapses a fan-out to its worst state in the grid, with stable columns across runs', async () => {
      const { history, read } = await start();
      const fanOut = Array.from({ length: 50 }, (): TaskSpec => ['transform', 1, 'Completed']);
      runOf(history, 'r1', 0, 100, [['extract', 1, 'Completed'], ...fanOut]);
      const failing = [...fanOut];
      failing[17] = ['transform', 1, 'Failed'];
      runOf(
        history,
        'r2',
        1_000,
        1_100,
        [['extract', 2, 'Completed'], ...failing, ['load', 1, 'Completed']],
        'Failed',
      );
      runOf(history, 'r3', 2_000, undefined, [['load', 1, 'Running']]);
      const grid = (await read()).grid('nightly-orders', { limit: 10 });
      expect(grid.tasks).toEqual(['extract', 'transform', 'load']);
      expect(grid.runs.map((run) => [run.id, run.cells])).toEqual([
        ['r3', '..r'],
        ['r2', 'Cfc'],
        ['r1', 'cc'],
      ]);
      expect(grid.runs[1]).toMatchObject({
        state: { name: 'Failed' },
        durationMs: 100,
        startedAt: iso(1_000),
      });
      expect(grid.nextCursor).toBeNull();
    });

    it('pages the grid with its cursor', async () => {
      const { history, read } = await start();
      for (let i = 0; i < 5; i++)
        runOf(history, `r${i}`, i * 1_000, i * 1_000 + 10, [['extract', 1, 'Completed']]);
      const first = (await read()).grid('nightly-orders', { limit: 2 });
      expect(first.runs.map((r) => r.id)).toEqual(['r4', 'r3']);
      const second = history.grid('nightly-orders', { limit: 2, cursor: first.nextCursor! });
      expect(second.runs.map((r) => r.id)).toEqual(['r2', 'r1']);
      const third = history.grid('nightly-orders', { limit: 2, cursor: second.nextCursor! });
      expect(third.runs.map((r) => r.id)).toEqual(['r0']);
      expect(third.nextCursor).toBeNull();
    });

    it('filters the list by exact tag and by a case-insensitive substring of the error or state message', async () => {
      const { history, read } = await start();
      runOf(history, 'r1', 0, 10, [], 'Completed', { tags: ['orders', 'eu'] });
      history.record(flowRecord('r2', 1, 'Running', 100, { tags: ['orders'] }), 'otlp');
      history.record(
        flowRecord('r2', 2, 'Failed', 110, {
          tags: ['orders'],
          error: { type: 'TimeoutError', message: 'Upstream slow' },
        }),
        'otlp',
      );
      history.record(flowRecord('r3', 1, 'Running', 200, { tags: ['us'] }), 'otlp');
      history.record(
        flowRecord('r3', 2, 'Cancelled', 210, { tags: ['us'], message: 'Cancelled by ops' }),
        'otlp',
      );
      const ids = async (query: object) =>
        (await read()).list({ limit: 10, ...query }).runs.map((run) => run.id);
      expect(await ids({ tag: 'orders' })).toEqual(['r2', 'r1']);
      expect(await ids({ tag: 'eu' })).toEqual(['r1']);
      expect(await ids({ tag: 'eur' })).toEqual([]);
      expect(await ids({ q: 'upstream' })).toEqual(['r2']);
      expect(await ids({ q: 'timeouterror' })).toEqual(['r2']);
      expect(await ids({ q: 'BY OPS' })).toEqual(['r3']);
      expect(await ids({ q: '%' })).toEqual([]);
      expect(await ids({ q: 'slow', tag: 'us' })).toEqual([]);
      expect(await ids({ q: 'slow', tag: 'orders', state: 'FAILED' })).toEqual(['r2']);
    });

    it('aggregates durations by bucket and state type, with the list filters', async () => {
      const { history, read } = await start();
      runOf(history, 'a', 0, 1_000, []);
      runOf(history, 'b', 10_000, 13_000, []);
      runOf(history, 'c', 20_000, 20_500, [], 'Failed');
      runOf(history, 'd', 60_000, 70_000, []);
      history.record(flowRecord('e', 1, 'Running', 65_000), 'otlp'); // in flight: counted, no duration
      const stats = (await read()).stats({ buckets: 2, since: T0, until: T0 + 120_000 });
      expect(stats).toEqual({
        since: iso(0),
        until: iso(120_000),
        bucketMs: 60_000,
        buckets: [
          {
            start: iso(0),
            states: {
              COMPLETED: { count: 2, avgMs: 2_000, maxMs: 3_000 },
              FAILED: { count: 1, avgMs: 500, maxMs: 500 },
            },
          },
          {
            start: iso(60_000),
            states: {
              COMPLETED: { count: 1, avgMs: 10_000, maxMs: 10_000 },
              RUNNING: { count: 1, avgMs: null, maxMs: null },
            },
          },
        ],
      });
      const failed = history.stats({ buckets: 60, state: 'FAILED' });
      expect(failed).toMatchObject({ since: iso(20_000), until: iso(20_001), bucketMs: 1 });
      expect(failed.buckets).toEqual([
        { start: iso(20_000), states: { FAILED: { count: 1, avgMs: 500, maxMs: 500 } } },
      ]);
      expect(history.stats({ buckets: 10, flow: 'nothing' })).toEqual({
        since: iso(-86_400_000),
        until: iso(0),
        bucketMs: 8_640_000,
        buckets: [],
      });
    });

    it('says how long a flow has been failing, when it last succeeded, and which runs are late or stuck', async () => {
      const { clock, history, read } = await start();
      runOf(history, 'r1', 0, 10, []);
      runOf(history, 'r2', 1_000, 1_010, [], 'Failed');
      runOf(history, 'r3', 2_000, 2_010, [], 'Cancelled');
      runOf(history, 'r4', 3_000, 3_010, [], 'Crashed');
      history.record(flowRecord('r5', 1, 'Running', 4_000), 'otlp');
      history.record(flowRecord('r6', 0, 'Scheduled', 0, { scheduledAt: iso(5_000) }), 'schedule');
      history.record(flowRecord('r7', 0, 'Scheduled', 0, { scheduledAt: iso(200_000) }), 'schedule');
      clock.advanceTo(T0 + 130_000);
      history.heard('r5', T0 + 4_000, undefined);
      expect(flowHealth(await read(), 'nightly-orders', clock.now())).toEqual({
        failingSince: iso(1_000),
        streak: 2,
        lastSuccessAt: iso(10),
        late: ['r6'],
        stuck: ['r5'],
      });
      history.heard('r5', T0 + 125_000, 10_000);
      runOf(history, 'r8', 5_000, 5_010, []);
      expect(flowHealth(await read(), 'nightly-orders', clock.now())).toEqual({
        failingSince: null,
        streak: 0,
        lastSuccessAt: iso(5_010),
        late: ['r6'],
        stuck: [],
      });
      expect(flowHealth(history, 'unknown', clock.now())).toEqual({
        failingSince: null,
        streak: 0,
        lastSuccessAt: null,
        late: [],
        stuck: [],
      });
    });

    it('prunes the stored task runs with their runs', async () => {
      const { history, read } = await start();
      runOf(history, 'r1', 0, 100, [['extract', 1, 'Completed']]);
      runOf(history, 'r2', 10_000, 10_100, [['extract', 1, 'Completed']]);
      await read();
      expect(history.prune(T0 + 5_000)).toBe(1);
      expect((await read()).timeline('r1')).toBeUndefined();
      expect(history.timeline('r2')?.taskRuns).toHaveLength(1);
    });
  });
}

describe('SqliteRunHistory: the stored rows of the run UI', () => {
  it('stores one row per ended run and the columns once per flow, and deletes the row on prune', async () => {
    const clock = new ManualClock(T0);
    const home = join(root, `h${++homes}`);
    const history = await openRunHistory({ home, clock, log: () => {} });
    runOf(history, 'r1', 0, 100, [
      ['extract', 1, 'Completed'],
      ['load', 1, 'Completed'],
    ]);
    runOf(history, 'r2', 1_000, 1_100, [['load', 1, 'Failed']], 'Failed');
    runOf(history, 'r3', 2_000, undefined, [['extract', 1, 'Running']]);
    await history.flush(5_000);
    const db = await openDatabase({ home });
    try {
      expect(db.prepare('SELECT run_id, cells FROM run_task_runs ORDER BY run_id').all()).toEqual([
        { run_id: 'r1', cells: 'cc' },
        { run_id: 'r2', cells: '.f' },
      ]);
      expect(db.prepare('SELECT flow, ordinal, task FROM flow_tasks ORDER BY ordinal').all()).toEqual([
        { flow: 'nightly-orders', ordinal: 0, task: 'extract' },
        { flow: 'nightly-orders', ordinal: 1, task: 'load' },
      ]);
      history.prune(T0 + 500);
      expect(db.prepare('SELECT run_id FROM run_task_runs').all()).toEqual([{ run_id: 'r2' }]);
    } finally {
      db.close();
      history.close();
    }
    // A later serve reads ended runs' timelines and the columns from the file, and adds late task runs.
    const late = await openRunHistory({ home, clock, log: () => {} });
    late.record(taskRecord('r2', 'late-1', 'Completed', 1, 1_050, { task: 'extract' }), 'otlp');
    await late.flush(5_000);
    expect(late.grid('nightly-orders', { limit: 5 }).runs.find((r) => r.id === 'r2')?.cells).toBe('cf');
    late.close();
    const again = await openRunHistory({ home, clock, log: () => {} });
    try {
      expect(again.timeline('r2')?.taskRuns.map((t) => t.state.name)).toEqual(['Failed', 'Completed']);
      expect(again.grid('nightly-orders', { limit: 5 }).tasks).toEqual(['extract', 'load']);
    } finally {
      again.close();
    }
  });
});

describe('InMemoryRunHistory: the per-run cap of task runs', () => {
  it('keeps 50,000 task runs of a run and counts the rest, each once', () => {
    const history = new InMemoryRunHistory({ clock: new ManualClock(T0) });
    history.record(flowRecord('big', 1, 'Running', 0), 'otlp');
    for (let i = 0; i < 50_002; i++) {
      history.record(taskRecord('big', `t${i}`, 'Completed', 1, 1, { task: 'fan' }), 'otlp');
    }
    history.record(taskRecord('big', 't50001', 'Completed', 1, 1, { task: 'fan' }), 'otlp'); // heard twice
    history.record(flowRecord('big', 2, 'Completed', 10), 'otlp');
    const timeline = history.timeline('big');
    expect(timeline?.taskRuns).toHaveLength(50_000);
    expect(timeline?.truncated).toBe(2);
  });
});
