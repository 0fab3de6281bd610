import type { StateType } from '../runtime/state.ts';
import type { RunStats, StateStats } from './run-views.ts';
import type { StatsQuery } from './types.ts';

export type { StatsQuery } from './types.ts';

/** The window when neither `since`/`until` nor any matching run says one. */
const DEFAULT_WINDOW_MS = 86_400_000;

/** The filters of the run list, and how many buckets to split the window into. */

/** One aggregate row: a bucket's runs of one state type. */
export interface StatsRow {
  readonly bucket: number;
  readonly stateType: StateType;
  readonly count: number;
  /** Sum and max of the durations of the runs that have one; their count. */
  readonly timed: number;
  readonly sumMs: number | null;
  readonly maxMs: number | null;
}

export interface StatsWindow {
  readonly since: number;
  readonly until: number;
  readonly bucketMs: number;
}

/**
 * The window the buckets split: `since`/`until` as asked, else the span of the matching runs' sort
 * times (`span`, undefined when none match), else the 24 h up to `now`.
 */
export function statsWindow(
  query: StatsQuery,
  span: { readonly min: number; readonly max: number } | undefined,
  now: number,
): StatsWindow {
  let until = query.until ?? (span === undefined ? now : span.max + 1);
  const since = query.since ?? (span === undefined ? until - DEFAULT_WINDOW_MS : span.min);
  if (until <= since) until = since + DEFAULT_WINDOW_MS;
  return { since, until, bucketMs: Math.max(1, Math.ceil((until - since) / Math.max(1, query.buckets))) };
}

/** Rows (any order) as the answer: buckets oldest first, only those with runs. */
export function statsOf(window: StatsWindow, rows: readonly StatsRow[]): RunStats {
  const buckets = new Map<number, Partial<Record<StateType, StateStats>>>();
  for (const row of [...rows].sort((a, b) => a.bucket - b.bucket)) {
    let states = buckets.get(row.bucket);
    if (states === undefined) {
      states = {};
      buckets.set(row.bucket, states);
    }
    states[row.stateType] = {
      count: row.count,
      avgMs: row.timed === 0 || row.sumMs === null ? null : Math.round(row.sumMs / row.timed),
      maxMs: row.timed === 0 ? null : row.maxMs,
    };
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    since: iso(window.since),
    until: iso(window.until),
    bucketMs: window.bucketMs,
    buckets: [...buckets].map(([bucket, states]) => ({
      start: iso(window.since + bucket * window.bucketMs),
      states,
    })),
  };
}

/** The aggregate rows of runs given as (sort time, state type, duration): the in-memory GROUP BY. */
export function statsRows(
  window: StatsWindow,
  runs: Iterable<{
    readonly sortAt: number;
    readonly stateType: StateType;
    readonly durationMs: number | null;
  }>,
): StatsRow[] {
  const rows = new Map<string, { -readonly [K in keyof StatsRow]: StatsRow[K] }>();
  for (const run of runs) {
    if (run.sortAt < window.since || run.sortAt >= window.until) continue;
    const bucket = Math.floor((run.sortAt - window.since) / window.bucketMs);
    const key = `${bucket}:${run.stateType}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { bucket, stateType: run.stateType, count: 0, timed: 0, sumMs: null, maxMs: null };
      rows.set(key, row);
    }
    row.count++;
    if (run.durationMs !== null) {
      row.timed++;
      row.sumMs = (row.sumMs ?? 0) + run.durationMs;
      row.maxMs = Math.max(row.maxMs ?? run.durationMs, run.durationMs);
    }
  }
  return [...rows.values()];
}
