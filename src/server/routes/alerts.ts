import { queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/** `GET /api/v1/alerts`, `POST /api/v1/alerts/:id/ack`. */
export function alertRoutes({ backend }: ApiContext): Route[] {
  return [
    jsonRoute('GET', '/api/v1/alerts', ({ query }) => {
      queryValues(query, []);
      return { status: 200, body: { alerts: backend.alerts() } };
    }),
    jsonRoute('POST', '/api/v1/alerts/:id/ack', ({ params, query }) => {
      queryValues(query, []);
      return { status: 200, body: backend.ack(params.id!) };
    }),
  ];
}
