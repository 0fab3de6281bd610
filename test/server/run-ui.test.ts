import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateName } from '../../src/runtime/state.ts';
import { StateNames } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { type Json, startApi, type TestApi } from '../support/api-server.ts';

/** The run UI's endpoints over HTTP: their query parameters, answers and refusals. */

let api: TestApi;
const T0 = Date.parse('2026-11-25T01:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function record(
  run: string,
  seq: number,
  name: StateName,
  at: number,
  extra: Partial<TransitionRecord> = {},
) {
  const full: TransitionRecord = {
    v: 1,
    seq,
    at: iso(at),
    flow: 'etl',
    flowRunId: run,
    attempt: 1,
    state: { type: StateNames[name], name },
    tags: ['nightly'],
    scheduledAt: null,
    ...extra,
  };
  api.backend.history.record(full, 'otlp');
}

beforeEach(async () => {
  api = await startApi();
  api.backend.addFlow('etl');
  record('r1', 1, 'Running', 0);
  record('r1', 0, 'Completed', 1, { task: 'extract', taskRunId: 'r1-t1' });
  record('r1', 2, 'Completed', 2_000);
  record('r2', 1, 'Running', 10_000);
  record('r2', 0, 'Failed', 10_001, {
    task: 'load',
    taskRunId: 'r2-t1',
    error: { type: 'LoadError', message: 'disk full' },
  });
  record('r2', 2, 'Failed', 14_000, { error: { type: 'LoadError', message: 'disk full' } });
});
afterEach(() => api.close());

async function get(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${api.url}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('GET /api/v1/runs with tag and q', () => {
  it('takes both filters and refuses an overlong one, naming it', async () => {
    api.backend.addRun('a', 'etl', 'Failed', '2026-11-25T01:00:00Z', {
      tags: ['eu'],
      error: { type: 'Boom', message: 'Disk Full' },
    });
    api.backend.addRun('b', 'etl', 'Failed', '2026-11-25T01:01:00Z', { tags: ['us'] });
    expect((await get('/api/v1/runs?tag=eu&q=disk%20full')).body.runs.map((r: Json) => r.id)).toEqual(['a']);
    expect((await get('/api/v1/runs?tag=us&q=disk')).body.runs).toEqual([]);
    const long = await get(`/api/v1/runs?q=${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    expect(long.body.details).toEqual([{ path: 'q', message: 'must be at most 200 characters, got 201' }]);
  });
});

describe('GET /api/v1/runs/stats', () => {
  it('answers the buckets with counts and durations by state type', async () => {
    const { status, body } = await get(`/api/v1/runs/stats?since=${T0}&until=${T0 + 60_000}&buckets=1`);
    expect(status).toBe(200);
    expect(body).toEqual({
      since: iso(0),
      until: iso(60_000),
      bucketMs: 60_000,
      buckets: [
        {
          start: iso(0),
          states: {
            COMPLETED: { count: 1, avgMs: 2_000, maxMs: 2_000 },
            FAILED: { count: 1, avgMs: 4_000, maxMs: 4_000 },
          },
        },
      ],
    });
    const failed = await get(`/api/v1/runs/stats?q=DISK&since=${T0}&until=${T0 + 60_000}&buckets=1`);
    expect(Object.keys(failed.body.buckets[0].states)).toEqual(['FAILED']);
  });

  it('refuses buckets out of range, an unknown parameter and a bad state, all at once', async () => {
    const { status, body } = await get('/api/v1/runs/stats?buckets=501&state=Nope&limit=5');
    expect(status).toBe(400);
    expect(body.details.map((d: { path: string }) => d.path).sort()).toEqual(['buckets', 'limit', 'state']);
    expect((await get('/api/v1/runs/stats?buckets=0')).status).toBe(400);
  });
});

describe('GET /api/v1/runs/:id/timeline', () => {
  it('lists every task run of the run, and 404s an unknown run', async () => {
    const { status, body } = await get('/api/v1/runs/r1/timeline');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      runId: 'r1',
      tasks: ['extract'],
      taskRuns: [{ id: 'r1-t1', task: 0, state: { type: 'COMPLETED', name: 'Completed' }, attempts: 1 }],
      truncated: 0,
    });
    const missing = await get('/api/v1/runs/nope/timeline');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('nope');
    expect((await get('/api/v1/runs/r1/timeline?x=1')).status).toBe(400);
  });
});

describe('GET /api/v1/flows/:name/grid', () => {
  it('answers the grid newest run first, pages it, and refuses bad limits, cursors and flows', async () => {
    const first = await get('/api/v1/flows/etl/grid?limit=1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      flow: 'etl',
      tasks: ['extract', 'load'],
      runs: [{ id: 'r2', cells: '.f', durationMs: 4_000, state: { name: 'Failed' } }],
    });
    const second = await get(`/api/v1/flows/etl/grid?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.runs.map((r: Json) => [r.id, r.cells])).toEqual([['r1', 'c']]);
    expect(second.body.nextCursor).toBeNull();
    expect((await get('/api/v1/flows/etl/grid?limit=201')).status).toBe(400);
    expect((await get('/api/v1/flows/etl/grid?cursor=nonsense')).status).toBe(400);
    expect((await get('/api/v1/flows/unknown/grid')).status).toBe(404);
  });
});

describe('GET /api/v1/flows health', () => {
  it('gives each flow its failure streak and last success', async () => {
    const { body } = await get('/api/v1/flows');
    expect(body.flows[0].health).toEqual({
      failingSince: iso(10_000),
      streak: 1,
      lastSuccessAt: iso(2_000),
      late: [],
      stuck: [],
    });
  });
});
