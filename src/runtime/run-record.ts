import { randomUUID } from 'node:crypto';
import { errorInfo } from './errors-info.ts';
import type { ResolvedFlowOptions } from './flow-options.ts';
import { isRunId } from './run-id.ts';
import { now } from './runtime-clock.ts';
import { type State, type StateName, stateOf } from './state.ts';
import type { ErrorInfo } from './transition.ts';

/** How a flow run's body ended: its value, or what it threw (or what aborted it). */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; thrownByBody: boolean };

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

/** What the run record reads of a flow run that has ended. */
export interface EndedFlowRun {
  readonly parentId: string | undefined;
  readonly traceId: string | undefined;
  readonly tags: readonly string[];
  readonly scheduledAt: string | undefined;
  readonly states: readonly State[];
  readonly taskCounts: Partial<Record<StateName, number>>;
  readonly taskTotal: number;
  readonly taskRecords: readonly TaskRunRecord[];
}

/** The run record of flow run `flowRunId` of `flow`, which has ended in `state`. */
export function toRecord(
  flow: string,
  flowRunId: string,
  run: EndedFlowRun,
  state: State,
  outcome: Outcome,
  started: number,
  ended: number,
): FlowRunRecord {
  // The key order of the run record as it always was: JSON of it reads the same.
  return {
    flow,
    flowRunId,
    state,
    states: run.states,
    tags: run.tags,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    taskRuns: { counts: run.taskCounts, total: run.taskTotal, records: run.taskRecords },
    ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
    ...(run.parentId ? { parentFlowRunId: run.parentId } : {}),
    ...(run.traceId ? { traceId: run.traceId } : {}),
    ...(run.scheduledAt ? { scheduledAt: run.scheduledAt } : {}),
  };
}

/**
 * The record of a run that flowtel could not even start tracing: Crashed, with what broke, under the
 * caller's run id when it gave a valid one.
 */
export function crashedRecord(
  options: ResolvedFlowOptions,
  crash: unknown,
  started: number,
  callerId?: string,
): FlowRunRecord {
  const ended = now();
  const info = errorInfo(crash);
  const state = stateOf('Crashed', ended, `${info.type}: ${info.message}`);
  return {
    flow: options.name,
    flowRunId: isRunId(callerId) ? callerId : randomUUID(),
    state,
    states: [state],
    error: crash,
    tags: options.tags,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    taskRuns: { counts: {}, total: 0, records: [] },
  };
}
