/**
 * Spans of pipelines not written with flowtel, described with the OpenTelemetry CI/CD semantic
 * conventions: a span with `cicd.pipeline.name` is a pipeline run (its id `cicd.pipeline.run.id`,
 * else the trace id), Running at its start and ending in the state its `cicd.pipeline.result` (or,
 * without one, its status) says; a child span with `cicd.pipeline.task.name` that failed is a task
 * run's failure. The run's transitions are numbered 1 (Running) and 2 (its end).
 */
import { type StateName, StateNames } from '../../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../../runtime/transition.ts';
import { Attr } from '../../telemetry/keys.ts';
import { type DecodedSpan, OtlpStatusCode } from '../otlp/types.ts';
import { epochMs, text, texts } from './attributes.ts';
import { type TaskParts, transitionRecord } from './record.ts';
import type { RunFields } from './span-runs.ts';

/** `cicd.pipeline.result` and `cicd.pipeline.task.run.result` values, as the conventions define them. */
const RESULT_STATES: Readonly<Record<string, StateName>> = {
  success: 'Completed',
  failure: 'Failed',
  error: 'Crashed',
  timeout: 'TimedOut',
  cancellation: 'Cancelled',
  // Skipped (a precondition not met) is neither a success nor a failure: it resolves and fires nothing.
  skip: 'Cancelled',
};

const EXCEPTION_EVENT = 'exception';

export function isPipelineSpan(span: DecodedSpan): boolean {
  return span.attributes[Attr.PIPELINE_NAME] !== undefined && span.attributes[Attr.TASK_NAME] === undefined;
}

export function isPipelineTaskSpan(span: DecodedSpan): boolean {
  return span.attributes[Attr.TASK_NAME] !== undefined;
}

export function pipelineRunFields(span: DecodedSpan): RunFields {
  const a = span.attributes;
  return {
    flow: text(a, Attr.PIPELINE_NAME),
    flowRunId: text(a, Attr.PIPELINE_RUN_ID) || span.traceId,
    tags: texts(a, Attr.FLOW_TAGS) ?? [],
    scheduledAt: null,
  };
}

export function pipelineRecords(span: DecodedSpan): TransitionRecord[] {
  const run = pipelineRunFields(span);
  const startMs = epochMs(span.startTimeUnixNano, 'startTimeUnixNano');
  const endMs = epochMs(span.endTimeUnixNano, 'endTimeUnixNano');
  const common = { ...run, attempt: 1, traceId: span.traceId, spanId: span.spanId };
  const name = endState(span, text(span.attributes, Attr.PIPELINE_RESULT));
  const error = name === 'Completed' ? undefined : errorOf(span, name);
  return [
    transitionRecord({ ...common, seq: 1, atMs: startMs, state: { type: 'RUNNING', name: 'Running' } }),
    transitionRecord({
      ...common,
      seq: 2,
      atMs: Math.max(startMs, endMs),
      state: { type: StateNames[name], name },
      message: error ? `${error.type}: ${error.message}` : undefined,
      error,
      startedAt: new Date(startMs).toISOString(),
    }),
  ];
}

/** The failure of a task span, or undefined when it did not fail. */
export function pipelineTaskParts(span: DecodedSpan): TaskParts | undefined {
  const a = span.attributes;
  const name = endState(span, text(a, Attr.TASK_RUN_RESULT));
  if (name !== 'Failed' && name !== 'TimedOut' && name !== 'Crashed') return undefined;
  const error = errorOf(span, name);
  return {
    seq: 0,
    atMs: epochMs(span.endTimeUnixNano, 'endTimeUnixNano'),
    flow: text(a, Attr.PIPELINE_NAME),
    task: text(a, Attr.TASK_NAME),
    taskRunId: text(a, Attr.TASK_RUN_ID) || span.spanId,
    attempt: 1,
    state: { type: StateNames[name], name },
    message: `${error.type}: ${error.message}`,
    error,
    traceId: span.traceId,
    spanId: span.spanId,
  };
}

function endState(span: DecodedSpan, result: string | undefined): StateName {
  const byResult = result === undefined ? undefined : RESULT_STATES[result];
  if (byResult) return byResult;
  return span.status.code === OtlpStatusCode.ERROR ? 'Failed' : 'Completed';
}

/** `error.type`, else the recorded exception's type; the status message, else the exception's. */
function errorOf(span: DecodedSpan, name: StateName): ErrorInfo {
  const exception = span.events.find((event) => event.name === EXCEPTION_EVENT)?.attributes ?? {};
  const type = text(span.attributes, Attr.ERROR_TYPE) ?? text(exception, 'exception.type') ?? name;
  const message =
    span.status.message ??
    text(exception, 'exception.message') ??
    (name === 'Cancelled' && text(span.attributes, Attr.PIPELINE_RESULT) === 'skip' ? 'skipped' : name);
  return { type, message };
}
