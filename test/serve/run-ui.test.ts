import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServe, until } from '../support/serve.ts';

/**
 * The run UI's data through a real `flowtel serve`: runs of a flow with three tasks (one fanned out ×50,
 * one that fails when asked) started over the API, then read back as timeline, grid, stats and health,
 * also after a restart (the ended runs' task runs come from the file).
 */

const FLOWS = join(resolve(import.meta.dirname), 'fixtures', 'run-ui');
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe(['--flows', FLOWS]);
}, 60_000);
afterAll(async () => {
  await serve?.stop();
});

async function runNow(params: Record<string, unknown>): Promise<string> {
  const { status, body } = await serve.api('/api/v1/flows/ui-pipeline/runs', { body: { params } });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

function ended(id: string) {
  return until(`run ${id} to end`, async () => {
    const { body } = await serve.api(`/api/v1/runs/${id}`);
    return body.endedAt ? body : undefined;
  });
}

describe("serve's run UI endpoints", () => {
  let good: { id: string; durationMs: number; startedAt: string; endedAt: string };
  let bad: { id: string; durationMs: number; startedAt: string; error: { message: string } };

  it('keeps every task run of a finished run, fan-out included', async () => {
    good = await ended(await runNow({}));
    expect(good).toMatchObject({ state: { name: 'Completed' } });
    const { status, body } = await serve.api(`/api/v1/runs/${good.id}/timeline`);
    expect(status).toBe(200);
    expect(body.tasks).toEqual(['extract', 'transform', 'load']);
    expect(body.taskRuns).toHaveLength(52);
    expect(body.truncated).toBe(0);
    expect(body.taskRuns.filter((t: { task: number }) => t.task === 1)).toHaveLength(50);
    for (const taskRun of body.taskRuns) {
      expect(taskRun).toMatchObject({ state: { type: 'COMPLETED', name: 'Completed' }, attempts: 1 });
      expect(taskRun.endedAt).not.toBeNull();
    }
    expect(body).toMatchObject({ runId: good.id, startedAt: good.startedAt, endedAt: good.endedAt });
    expect((await serve.api('/api/v1/runs/no-such-run/timeline')).status).toBe(404);
  });

  it("shows a failed run's grid cells, its flow's failure streak, and filters the list by tag and q", async () => {
    bad = await ended(await runNow({ fail: true }));
    expect(bad.error.message).toContain('warehouse refused 50 rows');
    const grid = await serve.api('/api/v1/flows/ui-pipeline/grid');
    expect(grid.status).toBe(200);
    expect(grid.body.tasks).toEqual(['extract', 'transform', 'load']);
    expect(grid.body.runs.map((r: { id: string; cells: string }) => [r.id, r.cells])).toEqual([
      [bad.id, 'ccf'],
      [good.id, 'ccc'],
    ]);
    const flows = await serve.api('/api/v1/flows');
    expect(flows.body.flows.find((f: { name: string }) => f.name === 'ui-pipeline').health).toEqual({
      failingSince: bad.startedAt,
      streak: 1,
      lastSuccessAt: good.endedAt,
      late: [],
      stuck: [],
    });
    const list = async (query: string) =>
      (await serve.api(`/api/v1/runs?${query}`)).body.runs.map((r: { id: string }) => r.id);
    expect(await list('q=WAREHOUSE%20refused')).toEqual([bad.id]);
    expect(await list('tag=ui')).toEqual([bad.id, good.id]);
    expect(await list('tag=ui&state=COMPLETED')).toEqual([good.id]);
    expect(await list('tag=other')).toEqual([]);
    const refused = await serve.api('/api/v1/runs?state=Bogus&tags=ui');
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((d: { path: string }) => d.path)).toEqual(['tags', 'state']);
  });

  it('aggregates the durations by state type', async () => {
    const since = Date.parse(good.startedAt);
    const { status, body } = await serve.api(
      `/api/v1/runs/stats?flow=ui-pipeline&buckets=1&since=${since}&until=${since + 3_600_000}`,
    );
    expect(status).toBe(200);
    expect(body.buckets).toEqual([
      {
        start: new Date(since).toISOString(),
        states: {
          COMPLETED: { count: 1, avgMs: good.durationMs, maxMs: good.durationMs },
          FAILED: { count: 1, avgMs: bad.durationMs, maxMs: bad.durationMs },
        },
      },
    ]);
    expect((await serve.api('/api/v1/runs/stats?buckets=9999')).status).toBe(400);
  });

  it('shows what it has heard of a run in flight, then its whole timeline once it ends', async () => {
    const id = await runNow({ hold: true });
    const partial = await until('the held run to report its fan-out', async () => {
      const { body } = await serve.api(`/api/v1/runs/${id}/timeline`);
      const done = body.taskRuns?.filter((t: { endedAt: string | null }) => t.endedAt !== null) ?? [];
      return done.length === 51 ? body : undefined;
    });
    expect(partial.endedAt).toBeNull();
    expect(partial.tasks).toEqual(['extract', 'transform']);
    const live = await serve.api('/api/v1/flows/ui-pipeline/grid?limit=1');
    expect(live.body.runs).toMatchObject([{ id, cells: 'cc', state: { type: 'RUNNING' } }]);
    expect((await serve.api(`/api/v1/runs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    await ended(id);
    const after = await serve.api(`/api/v1/runs/${id}/timeline`);
    expect(after.body.taskRuns).toHaveLength(51);
  });

  it('pages the grid, and reads ended runs from the file after a restart', async () => {
    const first = await serve.api('/api/v1/flows/ui-pipeline/grid?limit=2');
    expect(first.body.runs).toHaveLength(2);
    const rest = await serve.api(
      `/api/v1/flows/ui-pipeline/grid?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(rest.body.runs.map((r: { id: string }) => r.id)).toEqual([good.id]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await serve.api('/api/v1/flows/ui-pipeline/grid?limit=0')).status).toBe(400);
    expect((await serve.api('/api/v1/flows/no-such-flow/grid')).status).toBe(404);

    const { cwd } = serve;
    await serve.stop();
    serve = await startServe(['--flows', FLOWS], { cwd });
    const timeline = await serve.api(`/api/v1/runs/${good.id}/timeline`);
    expect(timeline.body.taskRuns).toHaveLength(52);
    const grid = await serve.api('/api/v1/flows/ui-pipeline/grid');
    expect(grid.body.tasks).toEqual(['extract', 'transform', 'load']);
    expect(grid.body.runs.slice(1).map((r: { cells: string }) => r.cells)).toEqual(['ccf', 'ccc']);
  }, 60_000);
});
