import type { GridQuery } from '../history/run-views.ts';
import type { StatsQuery } from '../history/stats.ts';
import type { RunQuery } from '../history/types.ts';
import { type StateName, StateNames, StateType } from '../runtime/state.ts';
import { type FieldProblem, invalidRequest } from './errors.ts';

/** `GET /api/v1/runs` pages: 50 runs unless asked, never more than 1,000. */
export const RUNS_LIMIT = { default: 50, max: 1_000 } as const;

/** `GET /api/v1/flows/:name/grid` pages: 50 runs unless asked, never more than 200. */
export const GRID_LIMIT = { default: 50, max: 200 } as const;
/** `GET /api/v1/runs/stats`: how many buckets unless asked, and the most. */
export const STATS_BUCKETS = { default: 60, max: 500 } as const;
/** Text filters longer than this are refused (a substring search needs no more). */
const MAX_FILTER_CHARS = 200;

const FILTER_PARAMETERS = ['flow', 'state', 'tag', 'q', 'since', 'until'] as const;
const RUN_PARAMETERS = [...FILTER_PARAMETERS, 'limit', 'cursor'] as const;
const STATS_PARAMETERS = [...FILTER_PARAMETERS, 'buckets'] as const;
const GRID_PARAMETERS = ['limit', 'cursor'] as const;

/**
 * The query parameters of a request, each given at most once and all of them known; an empty value
 * (`?flow=`) counts as not given. Every problem is reported at once.
 */
export function queryValues<K extends string>(
  query: URLSearchParams,
  known: readonly K[],
): Partial<Record<K, string>> {
  const problems: FieldProblem[] = [];
  const values = readQuery(query, known, problems);
  if (problems.length > 0) throw invalidRequest('query', problems);
  return values;
}

/** The values of the known parameters; what is wrong goes to `problems`. */
function readQuery<K extends string>(
  query: URLSearchParams,
  known: readonly K[],
  problems: FieldProblem[],
): Partial<Record<K, string>> {
  const values: Partial<Record<K, string>> = {};
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (!(known as readonly string[]).includes(name)) {
      const accepted = known.length === 0 ? 'this endpoint takes none' : `known: ${known.join(', ')}`;
      problems.push({ path: name.slice(0, 60), message: `is not a query parameter here (${accepted})` });
    } else if (seen.has(name)) problems.push({ path: name, message: 'is given more than once' });
    else if (value !== '') values[name as K] = value;
    seen.add(name);
  }
  return values;
}

/** `flow`, `state`, `tag`, `q`, `since`, `until`, `limit`, `cursor` of `GET /api/v1/runs`, checked. */
export function runQuery(query: URLSearchParams): RunQuery {
  const problems: FieldProblem[] = [];
  const values = readQuery(query, RUN_PARAMETERS, problems);
  const limit =
    values.limit === undefined
      ? RUNS_LIMIT.default
      : field(problems, 'limit', () => readLimit(values.limit!, RUNS_LIMIT.max));
  const filters = readFilters(values, problems);
  if (problems.length > 0) throw invalidRequest('query', problems);
  return {
    ...filters,
    limit: limit ?? RUNS_LIMIT.default,
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
  };
}

/** The list's filters and `buckets` of `GET /api/v1/runs/stats`, checked. */
export function statsQuery(query: URLSearchParams): StatsQuery {
  const problems: FieldProblem[] = [];
  const values = readQuery(query, STATS_PARAMETERS, problems);
  const filters = readFilters(values, problems);
  const buckets =
    values.buckets === undefined
      ? STATS_BUCKETS.default
      : field(problems, 'buckets', () => readLimit(values.buckets!, STATS_BUCKETS.max));
  if (problems.length > 0) throw invalidRequest('query', problems);
  return { ...filters, buckets: buckets ?? STATS_BUCKETS.default };
}

/** `limit`, `cursor` of `GET /api/v1/flows/:name/grid`, checked. */
export function gridQuery(query: URLSearchParams): GridQuery {
  const problems: FieldProblem[] = [];
  const values = readQuery(query, GRID_PARAMETERS, problems);
  const limit =
    values.limit === undefined
      ? GRID_LIMIT.default
      : field(problems, 'limit', () => readLimit(values.limit!, GRID_LIMIT.max));
  if (problems.length > 0) throw invalidRequest('query', problems);
  return {
    limit: limit ?? GRID_LIMIT.default,
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
  };
}

/** The value `read` makes of a parameter; what it throws goes to `problems` under `name`. */
function field<T>(problems: FieldProblem[], name: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    problems.push({ path: name, message: (error as Error).message });
    return undefined;
  }
}

/** The filters the run list and the stats share. */
function readFilters(
  values: Partial<Record<(typeof FILTER_PARAMETERS)[number], string>>,
  problems: FieldProblem[],
): Omit<RunQuery, 'limit' | 'cursor'> {
  const state =
    values.state === undefined ? undefined : field(problems, 'state', () => readState(values.state!));
  const since =
    values.since === undefined ? undefined : field(problems, 'since', () => readTime(values.since!));
  const until =
    values.until === undefined ? undefined : field(problems, 'until', () => readTime(values.until!));
  if (since !== undefined && until !== undefined && since >= until) {
    problems.push({ path: 'until', message: `must be after since (${values.since}), got ${values.until}` });
  }
  for (const name of ['tag', 'q'] as const) {
    const text = values[name];
    if (text !== undefined && text.length > MAX_FILTER_CHARS) {
      problems.push({
        path: name,
        message: `must be at most ${MAX_FILTER_CHARS} characters, got ${text.length}`,
      });
    }
  }
  return {
    ...(values.flow === undefined ? {} : { flow: values.flow }),
    ...(state === undefined ? {} : { state }),
    ...(values.tag === undefined ? {} : { tag: values.tag }),
    ...(values.q === undefined ? {} : { q: values.q }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

function readLimit(text: string, max: number): number {
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (limit >= 1 && limit <= max) return limit;
  throw new Error(`must be a whole number from 1 to ${max}, got '${text.slice(0, 40)}'`);
}

const TYPES: readonly string[] = Object.values(StateType);
const NAMES = Object.keys(StateNames) as StateName[];

/**
 * A state type (`FAILED`: Failed and TimedOut) or a state name (`TimedOut`), as written or in any case;
 * a type wins when the case leaves both (`failed` is the type).
 */
function readState(text: string): string {
  if (TYPES.includes(text) || (NAMES as string[]).includes(text)) return text;
  const lower = text.toLowerCase();
  const type = TYPES.find((t) => t.toLowerCase() === lower);
  if (type !== undefined) return type;
  const name = NAMES.find((n) => n.toLowerCase() === lower);
  if (name !== undefined) return name;
  throw new Error(
    `must be a state type (${TYPES.join(', ')}) or name (${NAMES.join(', ')}), got '${text.slice(0, 40)}'`,
  );
}

/** Epoch milliseconds, or an ISO-8601 date (UTC midnight) or time (without a zone: the server's local time). */
function readTime(text: string): number {
  const at = /^\d+$/.test(text)
    ? Number(text)
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isFinite(at)) return at;
  throw new Error(
    `must be an ISO-8601 time (2026-11-25T02:00:00Z) or epoch milliseconds, got '${text.slice(0, 40)}'`,
  );
}
