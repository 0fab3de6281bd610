import { randomUUID } from 'node:crypto';
import { monotonicNow as now } from '../clock.ts';
import { errorInfo } from './errors-info.ts';
import type { ResolvedFlowOptions } from './flow-options.ts';
import type { FlowRun } from './flow-run.ts';
import type { Outcome } from './run-flow.ts';
import { type State, type StateName, stateOf } from './state.ts';
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

/** The run record of a flow run that has ended. */
export function toRecord(
  run: FlowRun,
  state: State,
  outcome: Outcome,
  started: number,
  ended: number,
): FlowRunRecord {
  const record: Record<string, unknown> = {
    flow: run.name,
    flowRunId: run.id,
    state,
    states: run.states,
    tags: run.tags,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    taskRuns: { counts: run.taskCounts, total: run.taskTotal, records: run.taskRecords },
  };
  if (outcome.ok) record.result = outcome.value;
  else record.error = outcome.error;
  if (run.parent?.id) record.parentFlowRunId = run.parent.id;
  if (run.traceId) record.traceId = run.traceId;
  if (run.scheduledAt) record.scheduledAt = run.scheduledAt;
  return record as unknown as FlowRunRecord;
}

/** The record of a run that flowtel could not even start tracing: Crashed, with what broke. */
export function crashedRecord(options: ResolvedFlowOptions, crash: unknown, started: number): FlowRunRecord {
  const ended = now();
  const info = errorInfo(crash);
  const state = stateOf('Crashed', ended, `${info.type}: ${info.message}`);
  return {
    flow: options.name,
    flowRunId: randomUUID(),
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
