import { type Clock, systemClock } from '../clock.ts';
import { isFinal } from '../runtime/state.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import {
  crashVerdict,
  detailOf,
  foldRecord,
  inFlightView,
  type RunFold,
  type StoredTransition,
  sortTime,
  summaryOf,
} from './fold.ts';
import { afterCursor, checkQuery, matches, newestFirst, pageOf } from './query.ts';
import type { FlowGrid, GridQuery, RunStats, RunTimeline } from './run-views.ts';
import { type StatsQuery, statsOf, statsRows, statsWindow } from './stats.ts';
import { type EndedTimeline, FlowColumns, gridOf, TaskTimelines, timelineView } from './task-timeline.ts';
import type {
  InFlightRun,
  RecordOutcome,
  RunDetail,
  RunHistory,
  RunPage,
  RunQuery,
  RunSource,
  RunSummary,
} from './types.ts';

/**
 * Run history in memory: the reference the SQLite history is tested against (one contract suite runs
 * on both), and the store of unit tests. Everything is lost with the process.
 */
export class InMemoryRunHistory implements RunHistory {
  readonly #runs = new Map<string, RunFold>();
  readonly #transitions = new Map<string, StoredTransition[]>();
  readonly #clock: Clock;
  readonly #timelines = new TaskTimelines(new FlowColumns());
  /** The timelines of ended runs, as the SQLite history stores them. */
  readonly #ended = new Map<string, EndedTimeline>();

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  record(record: TransitionRecord, source: RunSource): RecordOutcome {
    const id = record.flowRunId;
    const known = id === undefined ? undefined : this.#runs.get(id);
    const wasInFlight = known !== undefined && !isFinal(known.state.type);
    const result = foldRecord(known, record, source, this.#clock.now());
    const { run } = result;
    if (run === undefined) return result.outcome;
    this.#runs.set(run.id, run);
    if (result.transition !== undefined) this.#keep(result.transition);
    if (record.task !== undefined && result.outcome !== 'duplicate') {
      if (!isFinal(run.state.type)) this.#timelines.record(run.id, run.flow, record);
      else this.#timelines.recordLate(run.id, run.flow, record, () => this.#ended.get(run.id)?.timeline);
    }
    if (wasInFlight && isFinal(run.state.type)) this.#timelines.end(run.id, run.flow);
    return result.outcome;
  }

  crashed(runId: string, atMs: number, message: string): TransitionRecord | undefined {
    const run = this.#runs.get(runId);
    const verdict = run === undefined ? undefined : crashVerdict(run, atMs, message);
    if (run === undefined || verdict === undefined) return undefined;
    this.#keep(verdict.transition);
    this.#timelines.end(run.id, run.flow);
    return verdict.record;
  }

  heard(runId: string, atMs: number, intervalMs: number | undefined): void {
    const run = this.#runs.get(runId);
    if (run === undefined || isFinal(run.state.type)) return;
    run.lastHeardAt = Math.max(run.lastHeardAt, atMs);
    run.heartbeatIntervalMs = intervalMs;
  }

  get(id: string): RunDetail | undefined {
    const run = this.#runs.get(id);
    return run === undefined ? undefined : detailOf(run, this.#transitions.get(id) ?? []);
  }

  list(query: RunQuery): RunPage {
    const checked = checkQuery(query);
    const found = [...this.#runs.values()]
      .map((run) => ({ run, sortAt: sortTime(run), id: run.id }))
      .filter((entry) => matches(checked, entry.run, entry.sortAt) && afterCursor(checked.cursor, entry))
      .sort(newestFirst);
    return pageOf(found, checked.limit, (entry) => summaryOf(entry.run));
  }

  timeline(runId: string): RunTimeline | undefined {
    const run = this.#runs.get(runId);
    if (run === undefined) return undefined;
    this.#settle();
    return timelineView(run, this.#timelines.held(runId) ?? this.#ended.get(runId)?.timeline);
  }

  grid(flow: string, query: GridQuery): FlowGrid {
    const page = this.list({ flow, ...query });
    this.#settle();
    return gridOf(
      flow,
      this.#timelines.columns.columns(flow),
      page,
      (id) => this.#timelines.heldCells(id) ?? this.#ended.get(id)?.cells,
    );
  }

  stats(query: StatsQuery): RunStats {
    const checked = checkQuery({ ...query, limit: 1 });
    const runs = [...this.#runs.values()]
      .map((run) => ({ run, sortAt: sortTime(run) }))
      .filter(({ run, sortAt }) => matches(checked, run, sortAt));
    const times = runs.map((entry) => entry.sortAt);
    const span = times.length === 0 ? undefined : { min: Math.min(...times), max: Math.max(...times) };
    const window = statsWindow(query, span, this.#clock.now());
    const rows = statsRows(
      window,
      runs.map(({ run, sortAt }) => ({ sortAt, stateType: run.state.type, durationMs: run.durationMs })),
    );
    return statsOf(window, rows);
  }

  lastRun(flow: string): RunSummary | undefined {
    return this.list({ flow, limit: 1 }).runs[0];
  }

  lastStarts(): ReadonlyMap<string, number> {
    const starts = new Map<string, number>();
    for (const run of this.#runs.values()) {
      if (run.startedAt === null) continue;
      const at = Date.parse(run.startedAt);
      if (at > (starts.get(run.flow) ?? Number.NEGATIVE_INFINITY)) starts.set(run.flow, at);
    }
    return starts;
  }

  inFlight(): InFlightRun[] {
    return [...this.#runs.values()].filter((run) => !isFinal(run.state.type)).map(inFlightView);
  }

  prune(before: number): number {
    let pruned = 0;
    for (const run of this.#runs.values()) {
      if (run.endedAt === null || Date.parse(run.endedAt) >= before) continue;
      this.#runs.delete(run.id);
      this.#transitions.delete(run.id);
      this.#ended.delete(run.id);
      this.#timelines.forget(run.id);
      pruned++;
    }
    return pruned;
  }

  count(): number {
    return this.#runs.size;
  }

  async flush(): Promise<boolean> {
    return true;
  }

  close(): void {}

  /** The rows of ended runs, kept as the SQLite history stores them. */
  #settle(): void {
    if (!this.#timelines.pending) return;
    for (const row of this.#timelines.pendingRows()) this.#ended.set(row.runId, row);
    this.#timelines.stored();
  }

  #keep(transition: StoredTransition): void {
    const list = this.#transitions.get(transition.runId);
    if (list === undefined) this.#transitions.set(transition.runId, [transition]);
    else list.push(transition);
  }
}
