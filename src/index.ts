/**
 * flowtel: run TypeScript pipelines as flows and tasks, traced with OpenTelemetry.
 * The public surface, by name; everything else is internal.
 */

export { DurationError } from './duration.ts';
export {
  CancelledError,
  ConfigError,
  FlowRunError,
  NonRetryableError,
  OptionsError,
  type ParameterIssue,
  ParameterValidationError,
  TimeoutError,
} from './errors.ts';
export { FLOW_BRAND, isFlow, isTask, TASK_BRAND } from './runtime/brand.ts';
export { type CurrentRun, currentRun } from './runtime/current-run.ts';
export { type Flow, flow } from './runtime/flow.ts';
export type { FlowOptions } from './runtime/flow-options.ts';
export { onTransition, type TransitionListener } from './runtime/hub.ts';
export { log, type RunLogger } from './runtime/log.ts';
export type { StandardSchema } from './runtime/params.ts';
export type { RunOptions } from './runtime/run-flow.ts';
export type { FlowRunRecord, TaskRunRecord } from './runtime/run-record.ts';
export { isFinal, type State, type StateName, StateNames, StateType } from './runtime/state.ts';
export { type Task, task } from './runtime/task.ts';
export type { Duration, TaskOptions } from './runtime/task-options.ts';
export type { ErrorInfo, ObservedTransition, TransitionRecord } from './runtime/transition.ts';
export type { CatchUp, Overlap, Schedule, SchedulingOptions } from './schedule/flow-schedules.ts';
