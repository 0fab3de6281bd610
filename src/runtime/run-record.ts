import type { State, StateName } from './state.ts';
import type { ErrorInfo } from './transition.ts';

/** The record of one task run, kept when it failed or retried (or for all runs on request). */
export interface TaskRunRecord {
  readonly task: string;
  readonly taskRunId: string;
  readonly state: State;
  readonly states: readonly State[];
  readonly attempts: number;
  readonly error?: ErrorInfo;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
}

/**
 * What `.run()` returns: the flow run's states, its result or error, its trace and its task runs, in a
 * size that does not grow with the number of tasks (counts, plus full records of the interesting ones).
 */
export interface FlowRunRecord<Result = unknown> {
  readonly flow: string;
  readonly flowRunId: string;
  readonly parentFlowRunId?: string;
  readonly state: State;
  readonly states: readonly State[];
  readonly result?: Result;
  /** What ended the run when it did not complete: the thrown value, as thrown. */
  readonly error?: unknown;
  readonly traceId?: string;
  readonly tags: readonly string[];
  readonly scheduledAt?: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly taskRuns: {
    /** Task runs by final state name, e.g. `{ Completed: 998, Failed: 1, Cancelled: 1 }`. */
    readonly counts: Readonly<Partial<Record<StateName, number>>>;
    readonly total: number;
    /** Runs that failed or retried, or every run when the flow run asked for `taskRuns: 'all'`. */
    readonly records: readonly TaskRunRecord[];
  };
}
