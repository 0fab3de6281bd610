import type { State } from './state.ts';

/** The version of the transition record format; bump on an incompatible change. */
export const TRANSITION_RECORD_VERSION = 1;

/** A serialisable error: its class name and message (never its stack, which may hold paths and data). */
export interface ErrorInfo {
  readonly type: string;
  readonly message: string;
}

/**
 * One state change of a flow run or task run: the one source of truth that spans, log records, metrics,
 * the run store and alert rules derive from. One JSON object per line in `flowtel run --record` files
 * and `rules test` fixtures. `task`/`taskRunId` are absent for flow-run transitions; `seq` increases
 * per flow run (per task run for a task called outside any flow) so a receiver can drop duplicates and notice gaps.
 */
export interface TransitionRecord {
  readonly v: 1;
  readonly seq: number;
  readonly at: string;
  /** Absent only for a task run called outside any flow. */
  readonly flow?: string;
  readonly flowRunId?: string;
  readonly task?: string;
  readonly taskRunId?: string;
  readonly attempt: number;
  readonly state: Pick<State, 'type' | 'name'>;
  readonly message?: string;
  readonly error?: ErrorInfo;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly tags: readonly string[];
  readonly scheduledAt: string | null;
  /** Redacted parameters of the flow run (flow-run transitions only), as recorded on the span. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The flow run that started this one, for subflows. */
  readonly parentFlowRunId?: string;
  /** When the run started (first Running), on final transitions: lets rules compute durations. */
  readonly startedAt?: string;
}
