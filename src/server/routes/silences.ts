import { SilenceSchema } from '../../rules/schema.ts';
import { readJson } from '../body.ts';
import { ApiError, invalidRequest } from '../errors.ts';
import { queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { silenceView } from '../views.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/**
 * `GET/POST /api/v1/silences`, `DELETE /api/v1/silences/:id`. The body of a new silence is one as a
 * rules file writes it (`matchers`, `endsAt`, `comment`, ...); the list shows those still to end.
 */
export function silenceRoutes({ backend, clock, maxBodyBytes }: ApiContext): Route[] {
  return [
    jsonRoute('GET', '/api/v1/silences', ({ query }) => {
      queryValues(query, []);
      const now = clock.now();
      const silences = backend.silences().filter((s) => s.endsAt > now);
      return { status: 200, body: { silences: silences.map(silenceView) } };
    }),
    jsonRoute('POST', '/api/v1/silences', async ({ request, query }) => {
      queryValues(query, []);
      const silence = await readJson(request, SilenceSchema, 'silence', maxBodyBytes);
      const now = clock.now();
      if (silence.endsAt <= now) {
        const endsAt = new Date(silence.endsAt).toISOString();
        throw invalidRequest('silence', [{ path: 'endsAt', message: `is in the past (${endsAt})` }]);
      }
      if (silence.startsAt !== undefined && silence.startsAt >= silence.endsAt) {
        throw invalidRequest('silence', [{ path: 'startsAt', message: 'must be before endsAt' }]);
      }
      if (silence.id !== undefined && backend.silences().some((s) => s.id === silence.id)) {
        throw new ApiError(409, `a silence with id '${silence.id}' exists: expire it first, or leave id out`);
      }
      const added = backend.addSilence(silence);
      return {
        status: 201,
        body: silenceView(added),
        headers: { location: `/api/v1/silences/${encodeURIComponent(added.id)}` },
      };
    }),
    jsonRoute('DELETE', '/api/v1/silences/:id', ({ params, query }) => {
      queryValues(query, []);
      backend.expireSilence(params.id!);
      return { status: 204 };
    }),
  ];
}
