import { activeScope } from './context.ts';
import { log, type RunLogger } from './log.ts';

/** What the code of a task or flow can learn about the run it executes in. */
export interface CurrentRun {
  readonly flowName: string | undefined;
  readonly flowRunId: string | undefined;
  readonly taskName: string | undefined;
  readonly taskRunId: string | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** Aborted on timeout, cancellation, or when the flow run fails: pass it to fetch, pg, ... */
  readonly signal: AbortSignal;
  readonly log: RunLogger;
}

/** The current flow or task run, or `undefined` outside any run. */
export function currentRun(): CurrentRun | undefined {
  const scope = activeScope();
  if (!scope) return undefined;
  const { flowRun, taskRun } = scope;
  return {
    flowName: flowRun.name,
    flowRunId: flowRun.id,
    taskName: taskRun?.name,
    taskRunId: taskRun?.id,
    attempt: scope.attempt,
    signal: scope.signal,
    log,
  };
}
