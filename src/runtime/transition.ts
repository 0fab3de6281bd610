import type { State } from './state.ts';

/** The version of the transition record format; bump on an incompatible change. */
export const TRANSITION_RECORD_VERSION = 1;

/** A serialisable error: its class name and message (never its stack, which may hold paths and data). */
export interface ErrorInfo {
  readonly type: string;
  readonly message: string;
}

/**
 * One state change of a flow run or task run, as observers read it and as `flowtel run --record` writes
 * it (one JSON object per line; `rules test` reads the same lines). Its schema is
 * `transition-schema.ts`, its builder `transition-record.ts`. `task`/`taskRunId` are absent for
 * flow-run transitions; `seq` increases per flow run (per task run for a task called outside any flow)
 * so a receiver can drop duplicates and notice gaps. Optional fields may read `undefined`; a JSON line
 * leaves them out.
 */
export interface TransitionRecord {
  readonly v: 1;
  readonly seq: number;
  readonly at: string;
  /** Absent only for a task run called outside any flow. */
  readonly flow?: string | undefined;
  readonly flowRunId?: string | undefined;
  readonly task?: string | undefined;
  readonly taskRunId?: string | undefined;
  readonly attempt: number;
  readonly state: Pick<State, 'type' | 'name'>;
  readonly message?: string | undefined;
  readonly error?: ErrorInfo | undefined;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  readonly tags: readonly string[];
  readonly scheduledAt: string | null;
  /** Redacted parameters of the flow run (flow-run transitions only), as recorded on the span. */
  readonly params?: Readonly<Record<string, unknown>> | undefined;
  /** The flow run that started this one, for subflows. */
  readonly parentFlowRunId?: string | undefined;
  /**
   * On final transitions, when the run started: a flow run's first Running, a task run's Pending (where
   * its span starts). Lets rules and metrics compute durations.
   */
  readonly startedAt?: string | undefined;
}

/**
 * What `onTransition` listeners receive: the record, plus readings that cost nothing to take (neither
 * is part of the JSON line). Fields that cost something to make (`at`, `taskRunId`, `spanId`) are made
 * when first read, with the values of the moment the transition happened.
 */
export interface ObservedTransition extends TransitionRecord {
  /** `at` as epoch milliseconds, without parsing or formatting a date. */
  readonly atMs: number;
  /**
   * Tells the task runs of one flow run apart without making their id: 1 for the first task run the
   * flow run started, 2 for the next, ...; undefined for flow-run transitions and for records this
   * process's runtime did not make (then `taskRunId` tells them apart).
   */
  readonly taskRunNumber: number | undefined;
  /** The plain record, as a `--record` line holds it: what `JSON.stringify(record)` writes. */
  toJSON(): Record<string, unknown>;
}
