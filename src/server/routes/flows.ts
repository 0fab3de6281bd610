import { z } from 'zod';
import { readJson } from '../body.ts';
import { ApiError } from '../errors.ts';
import { gridQuery, queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { withTraceUrl } from '../views.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/** The body of a run-now: its parameters (the flow's schema checks them); none is `{}`. */
const RunNowBody = z.strictObject({ params: z.record(z.string(), z.unknown()).optional() });

/** `GET /api/v1/flows`, `POST /api/v1/flows/:name/runs`, `GET /api/v1/flows/:name/grid`. */
export function flowRoutes({ backend, maxBodyBytes }: ApiContext): Route[] {
  return [
    jsonRoute('GET', '/api/v1/flows', ({ query }) => {
      queryValues(query, []);
      const flows = backend
        .flows()
        .map((flow) => ({ ...flow, lastRun: flow.lastRun && withTraceUrl(backend, flow.lastRun) }));
      return { status: 200, body: { flows } };
    }),
    jsonRoute('POST', '/api/v1/flows/:name/runs', async ({ request, params, query }) => {
      queryValues(query, []);
      const body = await readJson(request, RunNowBody, 'run request', maxBodyBytes);
      const run = await backend.runNow(params.name!, body.params ?? {});
      return {
        status: 201,
        body: withTraceUrl(backend, run),
        headers: { location: `/api/v1/runs/${encodeURIComponent(run.id)}` },
      };
    }),
    jsonRoute('GET', '/api/v1/flows/:name/grid', ({ params, query }) => {
      const grid = backend.grid(params.name!, gridQuery(query));
      if (grid === undefined)
        throw new ApiError(404, `no flow named '${params.name}' (see GET /api/v1/flows)`);
      return { status: 200, body: grid };
    }),
  ];
}
