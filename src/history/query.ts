import { StateNames, StateType } from '../runtime/state.ts';
import type { RunPage, RunQuery, RunSummary } from './types.ts';

/** The most runs one page may hold. */
export const MAX_PAGE_SIZE = 1000;

/** A query `list` cannot answer: `field` and `value` name what is wrong. */
export class RunQueryError extends RangeError {
  override readonly name = 'RunQueryError';
  constructor(
    readonly field: keyof RunQuery,
    readonly value: unknown,
    allowed: string,
  ) {
    super(`${field} must be ${allowed}, got ${JSON.stringify(value)}`);
  }
}

/** Where a page starts: strictly older than this sort time and id (newest first, ids break ties). */
export interface Cursor {
  readonly sortAt: number;
  readonly id: string;
}

/** A query checked once, in the shape both implementations filter by. */
export interface CheckedQuery {
  readonly flow: string | undefined;
  readonly stateType: string | undefined;
  readonly stateName: string | undefined;
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly tag: string | undefined;
  /** Lower case. */
  readonly q: string | undefined;
  readonly limit: number;
  readonly cursor: Cursor | undefined;
}

export function checkQuery(query: RunQuery): CheckedQuery {
  const { state, limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RunQueryError('limit', limit, `an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const isType = state !== undefined && Object.hasOwn(StateType, state);
  const isName = state !== undefined && Object.hasOwn(StateNames, state);
  if (state !== undefined && !isType && !isName) {
    throw new RunQueryError('state', state, 'a state type (FAILED) or a state name (TimedOut)');
  }
  for (const field of ['since', 'until'] as const) {
    const value = query[field];
    if (value !== undefined && !Number.isFinite(value)) throw new RunQueryError(field, value, 'epoch ms');
  }
  return {
    flow: query.flow,
    stateType: isType ? state : undefined,
    stateName: isName ? state : undefined,
    since: query.since,
    until: query.until,
    tag: query.tag,
    q: query.q === undefined ? undefined : asciiLower(query.q),
    limit,
    cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  };
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.sortAt}:${cursor.id}`).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  const plain = Buffer.from(text, 'base64url').toString();
  const colon = plain.indexOf(':');
  const sortAt = Number(plain.slice(0, colon));
  if (
    colon < 1 ||
    !Number.isSafeInteger(sortAt) ||
    encodeCursor({ sortAt, id: plain.slice(colon + 1) }) !== text
  ) {
    throw new RunQueryError('cursor', text, 'the nextCursor of a previous page');
  }
  return { sortAt, id: plain.slice(colon + 1) };
}

/** Whether a run with these fields passes the query's filters (not the cursor). */
export function matches(
  query: CheckedQuery,
  run: {
    readonly flow: string;
    readonly state: { readonly type: string; readonly name: string; readonly message?: string | undefined };
    readonly tags: readonly string[];
    readonly error?: { readonly type: string; readonly message: string } | undefined;
  },
  sortAt: number,
): boolean {
  return (
    (query.flow === undefined || run.flow === query.flow) &&
    (query.stateType === undefined || run.state.type === query.stateType) &&
    (query.stateName === undefined || run.state.name === query.stateName) &&
    (query.since === undefined || sortAt >= query.since) &&
    (query.until === undefined || sortAt < query.until) &&
    (query.tag === undefined || run.tags.includes(query.tag)) &&
    (query.q === undefined || mentions(query.q, run))
  );
}

/**
 * Whether the run's error type or message, or its state's message, holds `q` (lower case). Only ASCII
 * letters fold, as SQLite's LIKE folds them, so both histories agree.
 */
function mentions(
  q: string,
  run: {
    readonly state: { readonly message?: string | undefined };
    readonly error?: { readonly type: string; readonly message: string } | undefined;
  },
): boolean {
  return [run.error?.type, run.error?.message, run.state.message].some(
    (text) => text !== undefined && asciiLower(text).includes(q),
  );
}

export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/** Newest first; among equal sort times, the greater id first. */
export function newestFirst(a: Cursor, b: Cursor): number {
  return b.sortAt - a.sortAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Whether `run` comes after the cursor in newest-first order (belongs to the page it starts). */
export function afterCursor(cursor: Cursor | undefined, run: Cursor): boolean {
  return cursor === undefined || newestFirst(cursor, run) < 0;
}

/** The first `limit` of `found` (sorted newest first) as a page, with the cursor of its last run. */
export function pageOf<Entry extends Cursor>(
  found: readonly Entry[],
  limit: number,
  summary: (entry: Entry) => RunSummary,
): RunPage {
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return {
    runs: page.map(summary),
    nextCursor:
      found.length > limit && last !== undefined ? encodeCursor({ sortAt: last.sortAt, id: last.id }) : null,
  };
}
