import type { AlertState } from '../alerts/state.ts';
import type { FlowGrid, FlowHealth, GridQuery, RunStats, RunTimeline } from '../history/run-views.ts';
import type { StatsQuery } from '../history/stats.ts';
import type { RunDetail, RunPage, RunQuery, RunSummary } from '../history/types.ts';
import type { ActiveSilence } from '../rules/silences.ts';

/**
 * What serve's HTTP API asks of the rest of serve: the one seam between `src/server` (routes, auth,
 * JSON) and the pieces `src/cli/serve` wires together (scheduler, run history, rules engine, workers).
 * Tests of the API use an in-memory version; serve passes the real one.
 */

export interface ScheduleView {
  /** Stable id of the schedule within its flow (e.g. `cron 0 2 * * * Europe/Berlin`). */
  readonly id: string;
  readonly description: string;
  /** ISO time of the next slot, or null when the schedule has ended. */
  readonly nextAt: string | null;
  readonly params: Readonly<Record<string, unknown>> | null;
}

export interface FlowView {
  readonly name: string;
  readonly description: string | null;
  readonly tags: readonly string[];
  readonly schedules: readonly ScheduleView[];
  readonly overlap: 'skip' | 'queue' | 'allow';
  readonly concurrency: number | null;
  /** Runs of the flow not yet ended. */
  readonly running: number;
  /** Slots skipped or missed since serve started (overlap `skip`, or serve down with catchUp `skip`). */
  readonly missedSlots: number;
  readonly lastRun: RunSummary | null;
  /** Whether `POST /api/v1/flows/:name/runs` can start it (false for flows known only over OTLP). */
  readonly runnable: boolean;
  /** Failure streak, last success, late and stuck runs (the run UI's "Now" page). */
  readonly health: FlowHealth;
}

export interface AlertView extends AlertState {
  /** The alert's fingerprint: the `:id` of `POST /api/v1/alerts/:id/ack`. */
  readonly id: string;
  readonly acknowledged: boolean;
}

export interface HealthView {
  readonly status: 'ok' | 'degraded';
  readonly startedAt: string;
  readonly outbox: { readonly depth: number; readonly oldestAgeMs: number | null };
  /** How far behind the rules engine is: ms from receiving a transition to having evaluated it (latest). */
  readonly evaluationLagMs: number;
  readonly received: { readonly spans: number; readonly logRecords: number; readonly metricPoints: number };
  /** Whole requests refused (400, 413, 415, ...) and items refused inside accepted ones (partial success). */
  readonly rejected: { readonly requests: number; readonly items: number };
  readonly runsInFlight: number;
  readonly runsStored: number;
  /** Why the status is degraded (e.g. the store refuses writes), each in one line. */
  readonly problems: readonly string[];
}

// --- Run logs and alert events (issue 14, items 6 and 7) ---

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** One run log record, as `GET /api/v1/runs/:id/logs` lists it. */
export interface RunLogView {
  readonly seq: number;
  readonly at: string;
  readonly level: LogLevel;
  readonly body: string;
  readonly task: string | null;
  readonly taskRunId: string | null;
  readonly attempt: number | null;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface RunLogQuery {
  readonly q?: string;
  readonly level?: LogLevel;
  readonly task?: string;
  readonly attempt?: number;
  readonly limit: number;
  readonly cursor?: string;
}

export interface RunLogPage {
  readonly logs: readonly RunLogView[];
  readonly nextCursor: string | null;
  readonly dropped: number;
}

/** Something that happened to an alert: fired, repeated, resolved, acknowledged. */
export interface AlertEvent {
  readonly id: number;
  readonly at: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly flow: string | null;
  readonly runId: string | null;
  readonly kind: 'firing' | 'repeat' | 'resolved' | 'acknowledged';
  readonly severity: string | null;
  readonly summary: string;
}

export interface AlertEventPage {
  readonly events: readonly AlertEvent[];
  readonly nextCursor: string | null;
}

// --- end of run logs and alert events ---

/** A refusal the API turns into a 4xx: `status` and a message that names what to fix. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ServeBackend {
  flows(): FlowView[];
  runs(query: RunQuery): RunPage;
  run(id: string): RunDetail | undefined;
  /** Starts a run of `flow` now; throws BackendError 404 (unknown flow) or 422 (invalid parameters). */
  runNow(flow: string, params: Readonly<Record<string, unknown>>): Promise<RunSummary>;
  /** Cancels a run in flight; throws BackendError 404 (unknown run) or 409 (ended, or not serve's to cancel). */
  cancel(id: string): Promise<RunSummary>;
  alerts(): AlertView[];
  /** No repeats of the alert until it resolves; throws BackendError 404 (no such alert firing). */
  ack(id: string): AlertView;
  silences(): ActiveSilence[];
  /** `input` is a silence as in a rules file; throws BackendError 400 with the problems. */
  addSilence(input: unknown): ActiveSilence;
  /** Throws BackendError 404 when there is no such silence. */
  expireSilence(id: string): void;
  /** The trace link of a trace id (from the rules' `links.trace` or FLOWTEL_TRACE_URL), or null. */
  traceUrl(traceId: string | null): string | null;
  health(): HealthView;

  // The run UI's reads (issue 14).
  /** Duration by state of the runs the list's filters match; throws BackendError 400 for a bad filter. */
  runStats(query: StatsQuery): RunStats;
  /** Every task run of a run; undefined for an unknown run. */
  timeline(id: string): RunTimeline | undefined;
  /** A flow's runs × tasks; undefined for an unknown flow; throws BackendError 400 for a bad cursor. */
  grid(flow: string, query: GridQuery): FlowGrid | undefined;

  // --- Run logs and alert events (issue 14, items 6 and 7) ---
  /** The logs of a run serve knows, oldest first; undefined for an unknown run. */
  runLogs(runId: string, query: RunLogQuery): RunLogPage | undefined;
  /** The alert events of a run serve knows, oldest first; undefined for an unknown run. */
  runAlerts(runId: string): AlertEvent[] | undefined;
  /** Every alert event, newest first; `cursor` is the `nextCursor` of the page before. */
  alertHistory(query: {
    readonly flow?: string;
    readonly limit: number;
    readonly cursor?: number;
  }): AlertEventPage;
}
