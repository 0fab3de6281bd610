import type { LogLevel, RunLogQuery } from '../backend.ts';
import { ApiError, type FieldProblem, invalidRequest } from '../errors.ts';
import { queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { type ApiContext, jsonRoute } from './json-route.ts';

/** `GET /api/v1/runs/:id/logs` pages: 200 records unless asked, never more than 1,000. */
export const LOGS_LIMIT = { default: 200, max: 1_000 } as const;
/** `GET /api/v1/alerts/history` pages: 100 events unless asked, never more than 1,000. */
export const ALERT_HISTORY_LIMIT = { default: 100, max: 1_000 } as const;

const LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** `GET /api/v1/runs/:id/logs`, `GET /api/v1/runs/:id/alerts`, `GET /api/v1/alerts/history`. */
export function runLogRoutes({ backend }: ApiContext): Route[] {
  return [
    jsonRoute('GET', '/api/v1/runs/:id/logs', ({ params, query }) => {
      const page = backend.runLogs(params.id!, logQuery(query));
      if (page === undefined) throw new ApiError(404, `no run with id '${params.id}'`);
      return { status: 200, body: page };
    }),
    jsonRoute('GET', '/api/v1/runs/:id/alerts', ({ params, query }) => {
      queryValues(query, []);
      const events = backend.runAlerts(params.id!);
      if (events === undefined) throw new ApiError(404, `no run with id '${params.id}'`);
      return { status: 200, body: { events } };
    }),
    jsonRoute('GET', '/api/v1/alerts/history', ({ query }) => {
      const values = queryValues(query, ['flow', 'limit', 'cursor']);
      const problems: FieldProblem[] = [];
      const limit = whole(values.limit, 'limit', 1, ALERT_HISTORY_LIMIT.max, problems);
      const cursor = whole(values.cursor, 'cursor', 1, Number.MAX_SAFE_INTEGER, problems);
      if (problems.length > 0) throw invalidRequest('query', problems);
      return {
        status: 200,
        body: backend.alertHistory({
          limit: limit ?? ALERT_HISTORY_LIMIT.default,
          ...(values.flow === undefined ? {} : { flow: values.flow }),
          ...(cursor === undefined ? {} : { cursor }),
        }),
      };
    }),
  ];
}

/** `q`, `level`, `task`, `attempt`, `limit`, `cursor`, checked; every problem reported at once. */
export function logQuery(query: URLSearchParams): RunLogQuery {
  const values = queryValues(query, ['q', 'level', 'task', 'attempt', 'limit', 'cursor']);
  const problems: FieldProblem[] = [];
  const limit = whole(values.limit, 'limit', 1, LOGS_LIMIT.max, problems);
  const attempt = whole(values.attempt, 'attempt', 1, Number.MAX_SAFE_INTEGER, problems);
  const cursor = whole(values.cursor, 'cursor', 0, Number.MAX_SAFE_INTEGER, problems);
  let level: LogLevel | undefined;
  if (values.level !== undefined) {
    level = LEVELS.find((candidate) => candidate === values.level!.toUpperCase());
    if (level === undefined) {
      problems.push({
        path: 'level',
        message: `must be one of ${LEVELS.join(', ')}, got '${values.level.slice(0, 40)}'`,
      });
    }
  }
  if (values.q !== undefined && values.q.length > 1_000) {
    problems.push({ path: 'q', message: `must be at most 1000 characters, got ${values.q.length}` });
  }
  if (problems.length > 0) throw invalidRequest('query', problems);
  return {
    limit: limit ?? LOGS_LIMIT.default,
    ...(values.q === undefined ? {} : { q: values.q }),
    ...(level === undefined ? {} : { level }),
    ...(values.task === undefined ? {} : { task: values.task }),
    ...(attempt === undefined ? {} : { attempt }),
    ...(cursor === undefined ? {} : { cursor: String(cursor) }),
  };
}

function whole(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
  problems: FieldProblem[],
): number | undefined {
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  problems.push({ path: name, message: `must be a whole number ${range}, got '${text.slice(0, 40)}'` });
  return undefined;
}
