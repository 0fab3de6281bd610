import { ApiError } from '../errors.ts';
import { queryValues, runQuery } from '../query.ts';
import type { Route } from '../router.ts';
import { withTraceUrl } from '../views.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/** `GET /api/v1/runs`, `GET /api/v1/runs/:id`, `POST /api/v1/runs/:id/cancel`. */
export function runRoutes({ backend }: ApiContext): Route[] {
  return [
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
