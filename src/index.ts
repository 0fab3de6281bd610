/**
 * flowtel: run TypeScript pipelines as flows and tasks, traced with OpenTelemetry.
 * The public surface, by name; everything else is internal.
 */
export { flow, type Flow } from './runtime/flow.ts';
export type { FlowOptions, Schedule } from './runtime/flow-options.ts';
export { task, type Task } from './runtime/task.ts';
export type { Duration, TaskOptions } from './runtime/task-options.ts';
export type { RunOptions } from './runtime/run-flow.ts';
export { currentRun, type CurrentRun } from './runtime/current-run.ts';
export { log, type RunLogger } from './runtime/log.ts';
export type { FlowRunRecord, TaskRunRecord } from './runtime/run-record.ts';
export { type State, type StateName, StateNames, StateType, isFinal } from './runtime/state.ts';
export type { ErrorInfo, TransitionRecord } from './runtime/transition.ts';
export { onTransition, type TransitionListener } from './runtime/hub.ts';
export { FLOW_BRAND, TASK_BRAND, isFlow, isTask } from './runtime/brand.ts';
export type { StandardSchema } from './runtime/params.ts';
export {
  CancelledError,
  FlowRunError,
  NonRetryableError,
  OptionsError,
  type ParameterIssue,
  ParameterValidationError,
  TimeoutError,
} from './errors.ts';
export { DurationError } from './duration.ts';
