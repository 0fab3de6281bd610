/**
 * flowtel's own spans (`flow …`, `task …`) back into the transitions their `flowtel.state` events
 * carry, so a run whose log records were lost is still complete, and a task's Completed (which has no
 * log record) reaches the engine. Flow-run events carry the run's `seq`, so each equals the record of
 * its log record; task events do not (see `addStateEvent`): their records get `seq` 0, and are known
 * by their task run, state and attempt (`transitionKey`).
 */
import { isFinal, type StateName } from '../../runtime/state.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { Attr, EventName } from '../../telemetry/keys.ts';
import type { DecodedSpan, DecodedSpanEvent } from '../otlp/types.ts';
import { epochMs, errorFromMessage, integer, isoTime, params, stateOf, text, texts } from './attributes.ts';
import { IngestProblem } from './problem.ts';
import { type TaskParts, transitionRecord } from './record.ts';
import type { RunFields } from './span-runs.ts';

export function isFlowSpan(span: DecodedSpan): boolean {
  return (
    span.attributes[Attr.PIPELINE_RUN_ID] !== undefined && span.attributes[Attr.TASK_RUN_ID] === undefined
  );
}

export function isTaskSpan(span: DecodedSpan): boolean {
  return span.attributes[Attr.TASK_RUN_ID] !== undefined;
}

/** The task transitions worth reading from a span: what ends a task run, and its retries. */
const TASK_SPAN_STATES: ReadonlySet<StateName> = new Set([
  'AwaitingRetry',
  'Completed',
  'Failed',
  'TimedOut',
  'Cancelled',
  'Crashed',
]);

function stateEvents(span: DecodedSpan): DecodedSpanEvent[] {
  return span.events.filter((event) => event.name === EventName.STATE);
}

export function flowRunFields(span: DecodedSpan): RunFields {
  const a = span.attributes;
  return {
    flow: text(a, Attr.PIPELINE_NAME),
    flowRunId: text(a, Attr.PIPELINE_RUN_ID),
    tags: texts(a, Attr.FLOW_TAGS) ?? [],
    scheduledAt: isoTime(a, Attr.FLOW_SCHEDULED_TIME) ?? null,
  };
}

export function flowSpanRecords(span: DecodedSpan): TransitionRecord[] {
  const run = flowRunFields(span);
  const a = span.attributes;
  const errorType = text(a, Attr.ERROR_TYPE);
  const parentFlowRunId = text(a, Attr.FLOW_PARENT_RUN_ID);
  const spanParams = params(a);
  let startedAt: string | undefined;
  return stateEvents(span).map((event) => {
    const state = stateOf(event.attributes);
    const atMs = epochMs(event.timeUnixNano, `event ${Attr.STATE_NAME} ${state.name} time`);
    if (state.name === 'Running') startedAt ??= new Date(atMs).toISOString();
    const message = text(event.attributes, Attr.STATE_MESSAGE);
    const final = isFinal(state.type);
    return transitionRecord({
      ...run,
      seq: integer(event.attributes, Attr.SEQ, 0) ?? 0,
      atMs,
      attempt: integer(event.attributes, Attr.ATTEMPT, 1) ?? 1,
      state,
      message,
      error: final && state.type !== 'COMPLETED' ? errorFromMessage(message, errorType) : undefined,
      traceId: span.traceId,
      spanId: span.spanId,
      // Parameters are set once validated, after Pending (as the runtime's records have them).
      params: state.name === 'Pending' ? undefined : spanParams,
      parentFlowRunId,
      startedAt: final ? startedAt : undefined,
    });
  });
}

const RETRY_MESSAGE = /^attempt \d+ failed \(([\s\S]*)\); retrying in \d+ ms$/;

export function taskSpanParts(span: DecodedSpan): TaskParts[] {
  const a = span.attributes;
  const task = text(a, Attr.TASK_NAME);
  const taskRunId = text(a, Attr.TASK_RUN_ID);
  if (task === undefined || taskRunId === undefined) {
    throw new IngestProblem('invalid-record', `task span without ${Attr.TASK_NAME} or ${Attr.TASK_RUN_ID}`);
  }
  const flow = text(a, Attr.PIPELINE_NAME);
  const errorType = text(a, Attr.ERROR_TYPE);
  const parts: TaskParts[] = [];
  // The span starts when the task run does (Pending): its end carries that, as the runtime's record does.
  const startedAt = new Date(epochMs(span.startTimeUnixNano, 'task span start time')).toISOString();
  for (const event of stateEvents(span)) {
    const state = stateOf(event.attributes);
    if (!TASK_SPAN_STATES.has(state.name)) continue;
    const message = text(event.attributes, Attr.STATE_MESSAGE);
    parts.push({
      seq: 0,
      atMs: epochMs(event.timeUnixNano, `event ${Attr.STATE_NAME} ${state.name} time`),
      flow,
      task,
      taskRunId,
      attempt: integer(event.attributes, Attr.ATTEMPT, 1) ?? 1,
      state,
      message,
      error: taskError(state.name, message, errorType),
      traceId: span.traceId,
      spanId: span.spanId,
      startedAt: isFinal(state.type) ? startedAt : undefined,
    });
  }
  return parts;
}

/**
 * The error of a task transition, from its message: a retry says `attempt n failed (Type: message);
 * retrying in d ms`, a final state `Type: message` (the span's `error.type` names the type on failure).
 */
function taskError(name: StateName, message: string | undefined, errorType: string | undefined) {
  if (name === 'Completed' || message === undefined) return undefined;
  if (name === 'AwaitingRetry') return errorFromMessage(RETRY_MESSAGE.exec(message)?.[1]);
  return errorFromMessage(message, name === 'Failed' || name === 'TimedOut' ? errorType : undefined);
}
