import { queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/** `GET /healthz`: serve's self-monitoring, 200 when ok and 503 when degraded (for a load balancer). */
export function healthRoute({ backend }: ApiContext): Route {
  return jsonRoute('GET', '/healthz', ({ query }) => {
    queryValues(query, []);
    const health = backend.health();
    return { status: health.status === 'ok' ? 200 : 503, body: health };
  });
}
