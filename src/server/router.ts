import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A handler that writes its own answer (the lead's `/metrics`, the run UI). */
export type RawHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  params: Readonly<Record<string, string>>,
) => void | Promise<void>;

export interface Route {
  readonly method: Method;
  /** Segments are literal, `:name` (one segment, decoded), or a last `*` (the rest, as `params['*']`). */
  readonly path: string;
  readonly handle: RawHandler;
}

interface CompiledRoute extends Route {
  readonly segments: readonly string[];
}

export type Match =
  | { readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly route: undefined; readonly allow: readonly Method[] };

/** Finds the route of a method and path; otherwise the methods the path does take (none: 404). */
export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({ ...route, segments: route.path.split('/').slice(1) }));
  }

  match(method: string, path: string): Match {
    const segments = path.split('/').slice(1);
    const allow = new Set<Method>();
    // HEAD is GET without a body: node:http leaves the body out of the answer.
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === wanted) return { route, params };
      allow.add(route.method);
      if (route.method === 'GET') allow.add('HEAD');
    }
    return { route: undefined, allow: [...allow] };
  }
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    if (part === '*' && index === pattern.length - 1) {
      params['*'] = segments.slice(index).join('/');
      return params;
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = decodeSegment(segment);
    } else if (part !== segment) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, `the path segment '${segment.slice(0, 60)}' is not valid percent-encoding`);
  }
}
