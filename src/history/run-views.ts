import type { StateName, StateType } from '../runtime/state.ts';
import type { ErrorInfo } from '../runtime/transition.ts';

/** What the run UI reads besides runs: a run's timeline, a flow's grid and health, duration stats. */

/** A run's or task run's state, as the API shows it. */
export interface RunStateView {
  readonly type: StateType;
  readonly name: StateName;
  /** ISO time the run entered the state. */
  readonly at: string;
  readonly message?: string;
}

export interface TimelineTaskRun {
  readonly id: string;
  /** Index into the timeline's `tasks`. */
  readonly task: number;
  readonly state: { readonly type: StateType; readonly name: StateName };
  readonly attempts: number;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly error?: ErrorInfo;
}

/** `GET /api/v1/runs/:id/timeline`: every task run of the run (for a run in flight, those heard so far). */
export interface RunTimeline {
  readonly runId: string;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Task names, in the order the run first ran them. */
  readonly tasks: readonly string[];
  readonly taskRuns: readonly TimelineTaskRun[];
  /** Task runs not kept beyond the per-run cap. */
  readonly truncated: number;
}

export interface GridRun {
  readonly id: string;
  readonly state: RunStateView;
  readonly startedAt: string | null;
  readonly scheduledAt: string | null;
  readonly durationMs: number | null;
  /** One cell char per column of the flow's `tasks` (see task-cells.ts); a run older than a column has fewer. */
  readonly cells: string;
}

/** `GET /api/v1/flows/:name/grid`: the flow's runs, newest first, × its task columns. */
export interface FlowGrid {
  readonly flow: string;
  /** The flow's task names in the order they first appeared across its runs. */
  readonly tasks: readonly string[];
  readonly runs: readonly GridRun[];
  readonly nextCursor: string | null;
}

export interface GridQuery {
  readonly limit: number;
  readonly cursor?: string;
}

export interface StateStats {
  readonly count: number;
  /** Of the runs with a duration (rounded to the ms); null when none has one. */
  readonly avgMs: number | null;
  readonly maxMs: number | null;
}

/** `GET /api/v1/runs/stats`: runs by sort-time bucket and state type; only buckets with runs. */
export interface RunStats {
  readonly since: string;
  readonly until: string;
  readonly bucketMs: number;
  readonly buckets: readonly {
    readonly start: string;
    readonly states: Readonly<Partial<Record<StateType, StateStats>>>;
  }[];
}

/** The `health` of a FlowView. */
export interface FlowHealth {
  readonly failingSince: string | null;
  readonly streak: number;
  readonly lastSuccessAt: string | null;
  readonly late: readonly string[];
  readonly stuck: readonly string[];
}
