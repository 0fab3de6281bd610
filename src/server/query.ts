import type { RunQuery } from '../history/types.ts';
import { type StateName, StateNames, StateType } from '../runtime/state.ts';
import { type FieldProblem, invalidRequest } from './errors.ts';

/** `GET /api/v1/runs` pages: 50 runs unless asked, never more than 1,000. */
export const RUNS_LIMIT = { default: 50, max: 1_000 } as const;

const RUN_PARAMETERS = ['flow', 'state', 'since', 'until', 'limit', 'cursor'] as const;

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

/** `flow`, `state`, `since`, `until`, `limit`, `cursor` of `GET /api/v1/runs`, checked. */
export function runQuery(query: URLSearchParams): RunQuery {
  const problems: FieldProblem[] = [];
  const values = readQuery(query, RUN_PARAMETERS, problems);
  const field = <T>(name: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      problems.push({ path: name, message: (error as Error).message });
      return undefined;
    }
  };
  const limit =
    values.limit === undefined ? RUNS_LIMIT.default : field('limit', () => readLimit(values.limit!));
  const state = values.state === undefined ? undefined : field('state', () => readState(values.state!));
  const since = values.since === undefined ? undefined : field('since', () => readTime(values.since!));
  const until = values.until === undefined ? undefined : field('until', () => readTime(values.until!));
  if (since !== undefined && until !== undefined && since >= until) {
    problems.push({ path: 'until', message: `must be after since (${values.since}), got ${values.until}` });
  }
  if (problems.length > 0) throw invalidRequest('query', problems);
  return {
    limit: limit ?? RUNS_LIMIT.default,
    ...(values.flow === undefined ? {} : { flow: values.flow }),
    ...(state === undefined ? {} : { state }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
  };
}

function readLimit(text: string): number {
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (limit >= 1 && limit <= RUNS_LIMIT.max) return limit;
  throw new Error(`must be a whole number from 1 to ${RUNS_LIMIT.max}, got '${text.slice(0, 40)}'`);
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
