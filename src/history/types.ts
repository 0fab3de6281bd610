import type { StateType } from '../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../runtime/transition.ts';
import type { FlowGrid, GridQuery, RunStateView, RunStats, RunTimeline } from './run-views.ts';

export type { RunStateView } from './run-views.ts';

/**
 * Run history: the flow runs `flowtel serve` schedules or hears of, the task runs their record keeps
 * (those that failed or retried), and their transitions in order. Built from transition records only,
 * so a run started by serve's scheduler and one reported over OTLP by any process are kept alike.
 */

/** Who started a run: serve's scheduler, a process that reported it over OTLP, or the API's run-now. */
export type RunSource = 'schedule' | 'otlp' | 'api';

/** A run as `GET /api/v1/runs` lists it (`traceUrl` is added by the API from the trace link template). */
export interface RunSummary {
  readonly id: string;
  readonly flow: string;
  readonly state: RunStateView;
  readonly scheduledAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly durationMs: number | null;
  readonly traceId: string | null;
  readonly source: RunSource;
  readonly tags: readonly string[];
  /** The error of a run that ended Failed, TimedOut or Crashed. */
  readonly error?: ErrorInfo;
}

export interface TaskRunView {
  readonly id: string;
  readonly task: string;
  readonly state: RunStateView;
  readonly attempts: number;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly error?: ErrorInfo;
}

/** `GET /api/v1/runs/:id`: the run, its redacted parameters, the task runs its record keeps, its transitions. */
export interface RunDetail extends RunSummary {
  readonly params: Readonly<Record<string, unknown>>;
  readonly parentRunId: string | null;
  readonly taskRuns: readonly TaskRunView[];
  /** Flow-run and kept task-run transitions, in `seq` order. */
  readonly transitions: readonly TransitionRecord[];
}

export interface RunQuery {
  readonly flow?: string;
  /** A state type (`FAILED`) or a state name (`TimedOut`). */
  readonly state?: string;
  /** Epoch ms, inclusive, on the run's sort time (started, else scheduled, else first heard). */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
  /** A tag the run carries, exactly. */
  readonly tag?: string;
  /** A case-insensitive substring of the run's error type or message, or of its state's message. */
  readonly q?: string;
  readonly limit: number;
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
}

/** `GET /api/v1/runs/stats`: the list's filters, and how many time buckets to split the span into. */
export type StatsQuery = Omit<RunQuery, 'limit' | 'cursor'> & { readonly buckets: number };

export interface RunPage {
  /** Newest first. */
  readonly runs: readonly RunSummary[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

/** What `record` did with a transition. */
export type RecordOutcome =
  /** New, and it moves its run on (or a task run's): evaluate it. */
  | 'new'
  /** New, but older than what the run already reached (a late arrival): kept, not evaluated. */
  | 'late'
  /** Seen before (the same transition from a log record and a span): dropped. */
  | 'duplicate';

/** A run still in flight, for the crash watch. */
export interface InFlightRun {
  readonly id: string;
  readonly flow: string;
  readonly source: RunSource;
  /** Highest `seq` recorded for the run. */
  readonly lastSeq: number;
  /** Epoch ms of the last transition or heartbeat heard. */
  readonly lastHeardAt: number;
  /** The interval the run's heartbeats announced, when it sent one. */
  readonly heartbeatIntervalMs: number | undefined;
  readonly traceId: string | null;
  readonly tags: readonly string[];
  /** For the flow's health: a run not yet running whose slot passed is late. */
  readonly stateType: StateType;
  readonly scheduledAt: string | null;
}

/**
 * The seam of the run store: one interface, a SQLite implementation (`src/store/runs.ts`) and an
 * in-memory one (`src/history/memory.ts`), so a Postgres store can follow without touching the engine.
 * Writes return at once (a durable store writes behind, in batches); reads see every write made before.
 */
export interface RunHistory {
  /** Records one transition of a flow run (or of a task run inside one, by its `flowRunId`). */
  record(record: TransitionRecord, source: RunSource): RecordOutcome;
  /**
   * serve's verdict that a run in flight crashed (heartbeats stopped, its process died, or the serve that
   * watched it died): records a Crashed transition and returns it for the rules engine, or undefined
   * when the run is unknown or already final. A later genuine final transition of the run overturns it.
   */
  crashed(runId: string, atMs: number, message: string): TransitionRecord | undefined;
  /** A heartbeat of a run in flight: when it was heard and the interval it announced. */
  heard(runId: string, atMs: number, intervalMs: number | undefined): void;
  get(id: string): RunDetail | undefined;
  list(query: RunQuery): RunPage;
  /** The newest run of a flow, for `GET /api/v1/flows`. */
  lastRun(flow: string): RunSummary | undefined;
  /** The latest start time of a run of each flow (for catch-up and lateness after a restart). */
  lastStarts(): ReadonlyMap<string, number>;
  /** Runs not in a final state. */
  inFlight(): InFlightRun[];
  /** Deletes runs that ended before `before` (epoch ms), with their task runs and transitions; how many. */
  prune(before: number): number;
  /** Every task run of a run (those heard so far while it is in flight); undefined for an unknown run. */
  timeline(runId: string): RunTimeline | undefined;
  /** A flow's runs, newest first, with a cell per task column each. */
  grid(flow: string, query: GridQuery): FlowGrid;
  /** Runs matching the list's filters, by sort-time bucket and state type, with their durations. */
  stats(query: StatsQuery): RunStats;
  /** Runs stored, for `/healthz` and the benchmarks. */
  count(): number;
  /** Writes what is pending, for at most `timeoutMs`; true when everything is stored. */
  flush(timeoutMs: number): Promise<boolean>;
  close(): void;
}
