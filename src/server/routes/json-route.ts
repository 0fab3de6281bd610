import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../clock.ts';
import type { ServeBackend } from '../backend.ts';
import { type Reply, sendReply } from '../respond.ts';
import type { Method, Route } from '../router.ts';

/** What the API's routes work with. */
export interface ApiContext {
  readonly backend: ServeBackend;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
}

export interface JsonRequest {
  readonly request: IncomingMessage;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** A route that answers JSON: the handler returns its reply; a refusal it throws is answered by the server. */
export function jsonRoute(
  method: Method,
  path: string,
  handle: (request: JsonRequest) => Reply | Promise<Reply>,
): Route {
  return {
    method,
    path,
    handle: async (request, response, params) => {
      const query = new URL(request.url ?? '/', 'http://api').searchParams;
      sendReply(response, await handle({ request, params, query }));
    },
  };
}
