import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { RunQueryError } from '../../src/history/query.ts';
import type { RunHistory, RunQuery } from '../../src/history/types.ts';
import type { StateName } from '../../src/runtime/state.ts';
import { StateNames } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';

/** Opens a fresh history on `clock`; `settle` is awaited before each read (e.g. a flush to the file). */
export interface HistoryUnderTest {
  readonly open: (clock: ManualClock) => Promise<RunHistory>;
  readonly settle: (history: RunHistory) => Promise<void>;
}

const T0 = Date.parse('2026-11-25T02:00:00.000Z');
export const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** A flow-run transition of `run` (flow `nightly-orders` unless told) at T0 + `offsetMs`. */
export function flowRecord(
  run: string,
  seq: number,
  name: StateName,
  offsetMs: number,
  extra: Partial<TransitionRecord> = {},
): TransitionRecord {
  return {
    v: 1,
    seq,
    at: iso(offsetMs),
    flow: 'nightly-orders',
    flowRunId: run,
    attempt: 1,
    state: { type: StateNames[name], name },
    tags: ['orders'],
    scheduledAt: null,
    traceId: `trace-${run}`,
    ...extra,
  };
}

export function taskRecord(
  run: string,
  taskRunId: string,
  name: StateName,
  attempt: number,
  offsetMs: number,
  extra: Partial<TransitionRecord> = {},
): TransitionRecord {
  return flowRecord(run, extra.seq ?? 0, name, offsetMs, { task: 'fetch', taskRunId, attempt, ...extra });
}

/** The same checks for every RunHistory implementation. */
export function runHistoryContract(name: string, subject: HistoryUnderTest): void {
  describe(`${name}: the run history contract`, () => {
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
    const ids = (page: { runs: readonly { id: string }[] }) => page.runs.map((run) => run.id);

    it('creates a run from its first record, with what that record says', async () => {
      const { history, read } = await start();
      const scheduled = flowRecord('r1', 0, 'Scheduled', 0, {
        scheduledAt: iso(0),
        params: { day: '2026-11-25' },
        parentFlowRunId: 'parent-1',
      });
      expect(history.record(scheduled, 'schedule')).toBe('new');
      const run = (await read()).get('r1');
      expect(run).toMatchObject({
        id: 'r1',
        flow: 'nightly-orders',
        state: { type: 'SCHEDULED', name: 'Scheduled', at: iso(0) },
        scheduledAt: iso(0),
        startedAt: null,
        endedAt: null,
        durationMs: null,
        traceId: 'trace-r1',
        source: 'schedule',
        tags: ['orders'],
        params: { day: '2026-11-25' },
        parentRunId: 'parent-1',
        taskRuns: [],
      });
      expect(history.count()).toBe(1);
    });

    it('starts a run at its first Running and ends it at its final state, with the error', async () => {
      const { history, read } = await start();
      history.record(flowRecord('r1', 0, 'Scheduled', 0, { scheduledAt: iso(0) }), 'schedule');
      history.record(flowRecord('r1', 1, 'Running', 1_000), 'otlp');
      const error = { type: 'TypeError', message: 'boom' };
      history.record(flowRecord('r1', 2, 'Failed', 4_500, { error }), 'otlp');
      expect((await read()).get('r1')).toMatchObject({
        state: { type: 'FAILED', name: 'Failed', at: iso(4_500) },
        startedAt: iso(1_000),
        endedAt: iso(4_500),
        durationMs: 3_500,
        error,
        source: 'schedule',
      });
    });

    it('ends a run first heard of at its final state (a pipeline that reports only its span)', async () => {
      const { history, read } = await start();
      const error = { type: 'Error', message: 'exit 1' };
      expect(history.record(flowRecord('r1', 1, 'Failed', 500, { startedAt: iso(0), error }), 'otlp')).toBe(
        'new',
      );
      expect((await read()).get('r1')).toMatchObject({
        state: { name: 'Failed' },
        startedAt: iso(0),
        endedAt: iso(500),
        durationMs: 500,
        error,
      });
      expect(history.inFlight()).toEqual([]);
    });

    it('drops a flow-run transition heard twice (from a log record and a span)', async () => {
      const { history, read } = await start();
      expect(history.record(flowRecord('r1', 1, 'Running', 0), 'otlp')).toBe('new');
      expect(history.record(flowRecord('r1', 1, 'Running', 0), 'otlp')).toBe('duplicate');
      expect(history.record(flowRecord('r1', 2, 'Completed', 10), 'otlp')).toBe('new');
      expect(history.record(flowRecord('r1', 2, 'Completed', 10), 'otlp')).toBe('duplicate');
      expect((await read()).get('r1')?.transitions.map((t) => t.seq)).toEqual([1, 2]);
    });

    it('keeps a late transition in order without moving the run back', async () => {
      const { history, read } = await start();
      history.record(flowRecord('r1', 0, 'Scheduled', 0), 'schedule');
      expect(history.record(flowRecord('r1', 3, 'Completed', 3_000), 'otlp')).toBe('new');
      expect(history.record(flowRecord('r1', 1, 'Running', 1_000), 'otlp')).toBe('late');
      expect(history.record(flowRecord('r1', 2, 'Running', 2_000), 'otlp')).toBe('late');
      const run = (await read()).get('r1');
      expect(run?.state.name).toBe('Completed');
      // The late Running still says when the run started.
      expect(run).toMatchObject({ startedAt: iso(1_000), durationMs: 2_000 });
      expect(run?.transitions.map((t) => [t.seq, t.state.name])).toEqual([
        [0, 'Scheduled'],
        [1, 'Running'],
        [2, 'Running'],
        [3, 'Completed'],
      ]);
    });

    it('never leaves a final state for a later non-final one', async () => {
      const { history, read } = await start();
      history.record(flowRecord('r1', 1, 'Running', 0), 'otlp');
      history.record(flowRecord('r1', 2, 'Cancelled', 10), 'otlp');
      expect(history.record(flowRecord('r1', 3, 'Running', 20), 'otlp')).toBe('late');
      expect(history.record(flowRecord('r1', 4, 'Completed', 30), 'otlp')).toBe('late');
      expect((await read()).get('r1')?.state).toEqual({ type: 'CANCELLED', name: 'Cancelled', at: iso(10) });
    });

    it("lets a genuine final transition overturn serve's own Crashed verdict, and nothing else", async () => {
      const { history, read } = await start();
      history.record(flowRecord('r1', 1, 'Running', 0), 'otlp');
      const verdict = history.crashed('r1', T0 + 90_000, 'no heartbeat for 90s');
      expect(verdict).toMatchObject({
        seq: 2,
        flowRunId: 'r1',
        flow: 'nightly-orders',
        state: { type: 'CRASHED', name: 'Crashed' },
        message: 'no heartbeat for 90s',
        startedAt: iso(0),
      });
      expect((await read()).get('r1')?.state.name).toBe('Crashed');
      expect(history.crashed('r1', T0 + 95_000, 'again')).toBeUndefined();
      expect(history.inFlight()).toEqual([]);
      // The run was only slow to report: its own seq 2 is not a duplicate of the verdict.
      expect(history.record(flowRecord('r1', 2, 'Running', 91_000), 'otlp')).toBe('late');
      expect(history.record(flowRecord('r1', 3, 'Completed', 100_000), 'otlp')).toBe('new');
      const run = (await read()).get('r1');
      expect(run).toMatchObject({ state: { name: 'Completed' }, endedAt: iso(100_000), durationMs: 100_000 });
      expect(run?.transitions.map((t) => t.state.name)).toEqual([
        'Running',
        'Crashed',
        'Running',
        'Completed',
      ]);
      expect(history.crashed('unknown', T0, 'x')).toBeUndefined();
    });

    it('keeps task runs that retried or failed, deduplicated by task run, state and attempt', async () => {
      const { history, read } = await start();
      history.record(flowRecord('r1', 1, 'Running', 0), 'otlp');
      const failedOnce = { type: 'FetchError', message: 'timeout' };
      expect(
        history.record(
          taskRecord('r1', 't1', 'AwaitingRetry', 1, 100, { seq: 2, error: failedOnce }),
          'otlp',
        ),
      ).toBe('new');
      expect(history.record(taskRecord('r1', 't1', 'Retrying', 2, 200, { seq: 3 }), 'otlp')).toBe('new');
      // The same transition derived from the task's span: no seq of its own.
      expect(history.record(taskRecord('r1', 't1', 'Retrying', 2, 200), 'otlp')).toBe('duplicate');
      const lastError = { type: 'FetchError', message: 'refused' };
      expect(
        history.record(
          taskRecord('r1', 't1', 'Failed', 2, 300, { seq: 4, error: lastError, startedAt: iso(50) }),
          'otlp',
        ),
      ).toBe('new');
      expect(history.record(taskRecord('r1', 't1', 'Failed', 2, 300), 'otlp')).toBe('duplicate');
      // A task run that completes on its first attempt is evaluated but not kept.
      expect(history.record(taskRecord('r1', 't2', 'Completed', 1, 400), 'otlp')).toBe('new');
      const run = (await read()).get('r1');
      expect(run?.taskRuns).toEqual([
        {
          id: 't1',
          task: 'fetch',
          state: { type: 'FAILED', name: 'Failed', at: iso(300) },
          attempts: 2,
          startedAt: iso(200),
          endedAt: iso(300),
          error: lastError,
        },
      ]);
      expect(run?.transitions.map((t) => [t.seq, t.task ?? 'flow', t.state.name])).toEqual([
        [1, 'flow', 'Running'],
        [2, 'fetch', 'AwaitingRetry'],
        [3, 'fetch', 'Retrying'],
        [4, 'fetch', 'Failed'],
      ]);
      expect(run?.state.name).toBe('Running');
    });

    it("keeps a task run's late transition without moving the task run back", async () => {
      const { history, read } = await start();
      history.record(taskRecord('r1', 't1', 'Failed', 3, 300, { seq: 5 }), 'otlp');
      expect(history.record(taskRecord('r1', 't1', 'Retrying', 2, 200, { seq: 3 }), 'otlp')).toBe('late');
      expect((await read()).get('r1')?.taskRuns[0]).toMatchObject({ state: { name: 'Failed' }, attempts: 3 });
    });

    it('creates a run first heard of through a task transition, and lets its own transitions take over', async () => {
      const { history, read } = await start();
      expect(history.record(taskRecord('r1', 't1', 'Retrying', 2, 500, { flow: 'etl' }), 'otlp')).toBe('new');
      expect((await read()).get('r1')).toMatchObject({
        flow: 'etl',
        state: { type: 'RUNNING', name: 'Running', at: iso(500) },
        source: 'otlp',
        taskRuns: [{ id: 't1', attempts: 2 }],
      });
      expect(history.record(flowRecord('r1', 1, 'Running', 0, { flow: 'etl' }), 'otlp')).toBe('new');
      expect(history.record(flowRecord('r1', 9, 'Completed', 900, { flow: 'etl' }), 'otlp')).toBe('new');
      expect((await read()).get('r1')).toMatchObject({ state: { name: 'Completed' }, durationMs: 900 });
      // A first-attempt success of another run creates that run too, with no task runs kept.
      history.record(taskRecord('r2', 't9', 'Completed', 1, 50, { flow: 'etl' }), 'otlp');
      expect((await read()).get('r2')).toMatchObject({ flow: 'etl', taskRuns: [] });
    });

    it('lists newest first by start, else scheduled time, else first heard, filtered by flow, state and time', async () => {
      const { history, read } = await start();
      history.record(flowRecord('a', 1, 'Running', 1_000), 'otlp');
      history.record(flowRecord('a', 2, 'Completed', 5_000), 'otlp');
      history.record(flowRecord('b', 0, 'Scheduled', 0, { scheduledAt: iso(3_000) }), 'schedule');
      history.record(flowRecord('c', 1, 'Pending', 2_000, { flow: 'etl' }), 'otlp');
      history.record(flowRecord('d', 1, 'Running', 4_000, { flow: 'etl' }), 'api');
      history.record(flowRecord('d', 2, 'TimedOut', 6_000, { flow: 'etl' }), 'api');
      const list = async (query: Omit<RunQuery, 'limit'>) =>
        ids((await read()).list({ limit: 10, ...query }));
      expect(await list({})).toEqual(['d', 'b', 'c', 'a']);
      expect(await list({ flow: 'etl' })).toEqual(['d', 'c']);
      expect(await list({ state: 'FAILED' })).toEqual(['d']);
      expect(await list({ state: 'TimedOut' })).toEqual(['d']);
      expect(await list({ state: 'Failed' })).toEqual([]);
      expect(await list({ state: 'COMPLETED', flow: 'nightly-orders' })).toEqual(['a']);
      expect(await list({ since: T0 + 2_000, until: T0 + 4_000 })).toEqual(['b', 'c']);
      expect(await list({ flow: 'nope' })).toEqual([]);
      const [first] = (await read()).list({ limit: 1 }).runs;
      expect(first).toMatchObject({ id: 'd', source: 'api', durationMs: 2_000, traceId: 'trace-d' });
      expect(history.lastRun('nightly-orders')?.id).toBe('b');
      expect(history.lastRun('nope')).toBeUndefined();
      expect(history.lastStarts()).toEqual(
        new Map([
          ['nightly-orders', T0 + 1_000],
          ['etl', T0 + 4_000],
        ]),
      );
    });

    it('pages through every run once with the cursor while new runs arrive', async () => {
      const { history, read } = await start();
      const runs = 23;
      // Pairs of runs share a start time: the id breaks the tie.
      for (let i = 0; i < runs; i++)
        history.record(
          flowRecord(`run-${String(i).padStart(2, '0')}`, 1, 'Running', Math.floor(i / 2)),
          'otlp',
        );
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let arrivals = 0;
      do {
        const page = (await read()).list({ limit: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page));
        cursor = page.nextCursor;
        history.record(flowRecord(`new-${arrivals++}`, 1, 'Running', 60_000 + arrivals), 'otlp');
      } while (cursor !== null);
      const expected = Array.from({ length: runs }, (_, i) => `run-${String(i).padStart(2, '0')}`).reverse();
      expect(seen).toEqual(expected);
      expect((await read()).list({ limit: 5 }).runs[0]?.id).toBe(`new-${arrivals - 1}`);
    });

    it('returns no cursor when the page is the last, even when it is full', async () => {
      const { history, read } = await start();
      history.record(flowRecord('a', 1, 'Running', 0), 'otlp');
      history.record(flowRecord('b', 1, 'Running', 1), 'otlp');
      expect((await read()).list({ limit: 2 }).nextCursor).toBeNull();
    });

    it('refuses a query it cannot answer, naming the field and the value', async () => {
      const { history } = await start();
      expect(() => history.list({ limit: 10, state: 'Exploded' })).toThrow(RunQueryError);
      expect(() => history.list({ limit: 10, state: 'Exploded' })).toThrow(
        'state must be a state type (FAILED) or a state name (TimedOut), got "Exploded"',
      );
      expect(() => history.list({ limit: 0 })).toThrow('limit must be an integer from 1 to 1000, got 0');
      expect(() => history.list({ limit: 10, cursor: 'garbage!' })).toThrow(
        'cursor must be the nextCursor of a previous page, got "garbage!"',
      );
    });

    it('lists the runs in flight with their last seq and when they were last heard', async () => {
      const { clock, history } = await start();
      history.record(flowRecord('a', 1, 'Running', 0), 'otlp');
      history.record(flowRecord('b', 1, 'Running', 0), 'schedule');
      history.record(flowRecord('b', 2, 'Completed', 10), 'otlp');
      clock.advanceBy(5_000);
      history.heard('a', clock.now(), 30_000);
      history.heard('b', clock.now(), 30_000);
      expect(history.inFlight()).toEqual([
        {
          id: 'a',
          flow: 'nightly-orders',
          source: 'otlp',
          lastSeq: 1,
          lastHeardAt: T0 + 5_000,
          heartbeatIntervalMs: 30_000,
          traceId: 'trace-a',
          tags: ['orders'],
          stateType: 'RUNNING',
          scheduledAt: null,
        },
      ]);
    });

    it('prunes runs that ended before a time, with their task runs and transitions, and keeps the rest', async () => {
      const { history, read } = await start();
      history.record(flowRecord('old', 1, 'Running', 0), 'otlp');
      history.record(taskRecord('old', 't1', 'Failed', 1, 50, { seq: 2 }), 'otlp');
      history.record(flowRecord('old', 3, 'Failed', 100), 'otlp');
      history.record(flowRecord('recent', 1, 'Running', 0), 'otlp');
      history.record(flowRecord('recent', 2, 'Completed', 10_000), 'otlp');
      history.record(flowRecord('running', 1, 'Running', 0), 'otlp');
      await read();
      expect(history.prune(T0 + 5_000)).toBe(1);
      expect(history.count()).toBe(2);
      expect((await read()).get('old')).toBeUndefined();
      expect(ids(history.list({ limit: 10 })).sort()).toEqual(['recent', 'running']);
      // A pruned run heard of again starts afresh.
      history.record(flowRecord('old', 3, 'Failed', 100), 'otlp');
      expect((await read()).get('old')?.transitions).toHaveLength(1);
    });
  });
}
