import { afterEach, beforeEach, expect, describe as group, it } from 'vitest';
import { type Json, jsonOf, startApi, type TestApi } from '../support/api-server.ts';

let api: TestApi;

beforeEach(async () => {
  api = await startApi();
  const { backend } = api;
  backend.addFlow('etl');
  backend.addFlow('billing');
  backend.addRun('r1', 'etl', 'Completed', '2026-11-25T01:00:00Z');
  backend.addRun('r2', 'billing', 'Failed', '2026-11-25T01:10:00Z');
  backend.addRun('r3', 'etl', 'TimedOut', '2026-11-25T01:20:00Z');
  backend.addRun('r4', 'etl', 'Running', '2026-11-25T01:30:00Z');
});
afterEach(() => api.close());

async function get(path: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${api.url}${path}`);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

const ids = (body: { runs: { id: string }[] }) => body.runs.map((run) => run.id);

group('GET /api/v1/runs', () => {
  it('lists runs newest first, each with its trace link', async () => {
    const { status, body } = await get('/api/v1/runs');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(body.runs[0]).toMatchObject({
      id: 'r4',
      flow: 'etl',
      state: { type: 'RUNNING', name: 'Running' },
      traceId: 'trace-r4',
      traceUrl: 'http://tempo.test/trace/trace-r4',
      source: 'otlp',
    });
    expect(body.nextCursor).toBeNull();
  });

  it('filters by flow, by state type or name, and by time', async () => {
    expect(ids((await get('/api/v1/runs?flow=etl')).body)).toEqual(['r4', 'r3', 'r1']);
    expect(ids((await get('/api/v1/runs?state=FAILED')).body)).toEqual(['r3', 'r2']);
    expect(ids((await get('/api/v1/runs?state=TimedOut')).body)).toEqual(['r3']);
    expect(ids((await get('/api/v1/runs?state=failed')).body)).toEqual(['r3', 'r2']);
    const since = Date.parse('2026-11-25T01:10:00Z');
    expect(ids((await get(`/api/v1/runs?since=${since}&until=2026-11-25T01:30:00Z`)).body)).toEqual([
      'r3',
      'r2',
    ]);
  });

  it('pages with limit and the cursor of the previous page', async () => {
    const first = await get('/api/v1/runs?limit=3');
    expect(ids(first.body)).toEqual(['r4', 'r3', 'r2']);
    const second = await get(`/api/v1/runs?limit=3&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(ids(second.body)).toEqual(['r1']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses every bad parameter at once, naming each and its value', async () => {
    const { status, body } = await get('/api/v1/runs?limit=0&state=Exploded&since=yesterday&sort=asc');
    expect(status).toBe(400);
    expect(body.details).toEqual([
      { path: 'sort', message: expect.stringContaining('is not a query parameter here') },
      { path: 'limit', message: "must be a whole number from 1 to 1000, got '0'" },
      { path: 'state', message: expect.stringMatching(/^must be a state type .* got 'Exploded'$/) },
      { path: 'since', message: expect.stringContaining("got 'yesterday'") },
    ]);
    expect(body.error).toMatch(/^invalid query: sort: .*; limit: .*; state: .*; since: /);
  });

  it.each([
    ['limit=1001', 'limit'],
    ['limit=2.5', 'limit'],
    ['until=2026-11-25T01:00:00Z&since=2026-11-25T02:00:00Z', 'until'],
    ['flow=etl&flow=billing', 'flow'],
  ])('refuses %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/runs?${query}`);
    expect(status).toBe(400);
    expect(body.details.map((d: { path: string }) => d.path)).toEqual([field]);
  });

  it("passes on the backend's refusal of a cursor it never gave", async () => {
    const { status, body } = await get('/api/v1/runs?cursor=nonsense');
    expect(status).toBe(400);
    expect(body.error).toBe('cursor is not one this server gave out');
  });
});

group('GET /api/v1/runs/:id', () => {
  it('shows the run with its parameters, task runs and transitions', async () => {
    api.backend.addRun('r5', 'etl', 'Failed', '2026-11-25T01:40:00Z', {
      params: { day: '2026-11-25', apiToken: '[REDACTED]' },
      taskRuns: [
        {
          id: 't1',
          task: 'load',
          state: { type: 'FAILED', name: 'Failed', at: '2026-11-25T01:40:05Z' },
          attempts: 3,
          startedAt: '2026-11-25T01:40:01Z',
          endedAt: '2026-11-25T01:40:05Z',
        },
      ],
    });
    const { status, body } = await get('/api/v1/runs/r5');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'r5',
      params: { day: '2026-11-25', apiToken: '[REDACTED]' },
      taskRuns: [{ id: 't1', task: 'load', attempts: 3 }],
      transitions: [],
      traceUrl: 'http://tempo.test/trace/trace-r5',
    });
  });

  it('answers 404 for a run it does not know, and for a path it does not serve', async () => {
    const run = await get('/api/v1/runs/nope');
    expect(run).toMatchObject({ status: 404, body: { error: "no run with id 'nope'" } });
    const path = await get('/api/v1/nothing-here');
    expect(path.status).toBe(404);
    expect(path.body.error).toContain('no endpoint GET /api/v1/nothing-here');
  });

  it('finds an id that needs percent-encoding', async () => {
    api.backend.addRun('a/b c', 'etl', 'Completed', '2026-11-25T01:50:00Z');
    const { status, body } = await get(`/api/v1/runs/${encodeURIComponent('a/b c')}`);
    expect(status).toBe(200);
    expect(body.id).toBe('a/b c');
  });
});

group('GET /api/v1/flows', () => {
  it('lists flows with their schedules and last run', async () => {
    const { status, body } = await get('/api/v1/flows');
    expect(status).toBe(200);
    expect(body.flows).toMatchObject([
      {
        name: 'etl',
        schedules: [{ description: 'every 1h', nextAt: '2026-11-25T03:00:00.000Z' }],
        lastRun: { id: 'r4', traceUrl: 'http://tempo.test/trace/trace-r4' },
        runnable: true,
      },
      { name: 'billing', lastRun: { id: 'r2' } },
    ]);
  });
});

group('GET /healthz', () => {
  it('answers 200 while serve is ok and 503 once it is degraded, with what is wrong', async () => {
    const ok = await get('/healthz');
    expect(ok).toMatchObject({ status: 200, body: { status: 'ok', runsStored: 4 } });
    api.backend.healthView = {
      ...api.backend.healthView,
      status: 'degraded',
      problems: ['the store refuses writes'],
    };
    const degraded = await get('/healthz');
    expect(degraded).toMatchObject({
      status: 503,
      body: { status: 'degraded', problems: ['the store refuses writes'] },
    });
  });
});

group('methods', () => {
  it('answers 405 with the methods a path takes', async () => {
    const response = await fetch(`${api.url}/api/v1/runs`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await jsonOf(response)).toEqual({ error: '/api/v1/runs takes GET, HEAD, not DELETE' });
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await fetch(`${api.url}/api/v1/runs`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
