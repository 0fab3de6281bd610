/**
 * A fast seeder of the run history: `runs` runs of 50 flows over 30 days, inserted in one transaction
 * with a prepared insert of the rows the history itself writes (`runRow`). Used by
 * `bench/history-list.ts` and by serve's API case.
 */

import type { RunFold } from '../src/history/fold.ts';
import type { StateName } from '../src/runtime/state.ts';
import { StateNames } from '../src/runtime/state.ts';
import type { Database } from '../src/store/driver.ts';
import { runRow } from '../src/store/run-rows.ts';

export const SEEDED_FLOWS = Array.from({ length: 50 }, (_, i) => `flow-${i}`);
export const SEEDED_SPAN_MS = 30 * 86_400_000;
export const SEEDED_FROM = Date.parse('2026-11-01T00:00:00Z');

/** The id of the i-th seeded run. */
export const seededRunId = (i: number): string => `run-${String(i).padStart(7, '0')}`;

/**
 * 90% Completed, 6% Failed, 2% TimedOut, 1% Crashed, 1% still Running (or Cancelled with
 * `ended`: a serve starting on the file would mark runs in flight Crashed); independent of the flow.
 */
function stateFor(i: number, ended: boolean): StateName {
  const r = Math.floor(i / SEEDED_FLOWS.length) % 100;
  if (r < 90) return 'Completed';
  if (r < 96) return 'Failed';
  if (r < 98) return 'TimedOut';
  if (r < 99) return 'Crashed';
  return ended ? 'Cancelled' : 'Running';
}

function fold(i: number, runs: number, allEnded: boolean): RunFold {
  const startedMs = SEEDED_FROM + Math.floor((i / runs) * SEEDED_SPAN_MS);
  const name = stateFor(i, allEnded);
  const ended = name !== 'Running';
  const at = (ms: number) => new Date(ms).toISOString();
  return {
    id: seededRunId(i),
    flow: SEEDED_FLOWS[i % SEEDED_FLOWS.length]!,
    source: 'schedule',
    state: { type: StateNames[name], name, at: at(startedMs + 5_000) },
    scheduledAt: at(startedMs - 200),
    startedAt: at(startedMs),
    endedAt: ended ? at(startedMs + 5_000) : null,
    durationMs: ended ? 5_000 : null,
    traceId: `${i.toString(16).padStart(32, '0')}`,
    tags: ['bench'],
    error: name === 'Failed' ? { type: 'TypeError', message: 'boom' } : undefined,
    params: { day: at(startedMs).slice(0, 10) },
    parentRunId: null,
    firstHeardAt: startedMs - 200,
    lastHeardAt: startedMs + 5_000,
    heartbeatIntervalMs: undefined,
    highestSeq: 3,
    verdict: false,
    transitions: 4,
    seqs: new Set(),
    taskKeys: new Set(),
    taskRuns: new Map(),
  };
}

/** Inserts `runs` runs into `db` (migrated); `allEnded`: none left in flight. Answers the seconds it took. */
export function seedRuns(db: Database, runs: number, options: { allEnded?: boolean } = {}): number {
  const started = performance.now();
  const insert = db.prepare(
    `INSERT INTO runs (id, flow, state_type, state_name, sort_at, started_at_ms, ended_at_ms, summary, extra)
     VALUES (@id, @flow, @state_type, @state_name, @sort_at, @started_at_ms, @ended_at_ms, @summary, @extra)`,
  );
  db.transaction(() => {
    for (let i = 0; i < runs; i++) insert.run(runRow(fold(i, runs, options.allEnded ?? false)));
  }).immediate();
  return (performance.now() - started) / 1000;
}
