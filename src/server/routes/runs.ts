import { ApiError } from '../errors.ts';
import { queryValues, runQuery, statsQuery } from '../query.ts';
import type { Route } from '../router.ts';
import { withTraceUrl } from '../views.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/**
 * `GET /api/v1/runs`, `GET /api/v1/runs/stats`, `GET /api/v1/runs/:id`, `GET /api/v1/runs/:id/timeline`,
 * `POST /api/v1/runs/:id/cancel`.
 */
export function runRoutes({ backend }: ApiContext): Route[] {
  return [
    // Before `/api/v1/runs/:id`, which would take `stats` for a run id.
    jsonRoute('GET', '/api/v1/runs/stats', ({ query }) => ({
      status: 200,
      body: backend.runStats(statsQuery(query)),
    })),
    jsonRoute('GET', '/api/v1/runs/:id/timeline', ({ params, query }) => {
      queryValues(query, []);
      const timeline = backend.timeline(params.id!);
      if (timeline === undefined) throw new ApiError(404, `no run with id '${params.id}'`);
      return { status: 200, body: timeline };
    }),
    jsonRoute('GET', '/api/v1/runs', ({ query }) => {
      const page = backend.runs(runQuery(query));
      return {
        status: 200,
        body: { runs: page.runs.map((run) => withTraceUrl(backend, run)), nextCursor: page.nextCursor },
      };
    }),
    jsonRoute('GET', '/api/v1/runs/:id', ({ params, query }) => {
      queryValues(query, []);
      const run = backend.run(params.id!);
      if (run === undefined) throw new ApiError(404, `no run with id '${params.id}'`);
      return { status: 200, body: withTraceUrl(backend, run) };
    }),
    jsonRoute('POST', '/api/v1/runs/:id/cancel', async ({ params, query }) => {
      queryValues(query, []);
      const run = await backend.cancel(params.id!);
      return { status: 200, body: withTraceUrl(backend, run) };
    }),
  ];
}
