import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import type { StateName } from '../runtime/state.ts';
import { StateNames } from '../runtime/state.ts';
import type { ErrorInfo } from '../runtime/transition.ts';
import { Attr, EventName } from './keys.ts';
import { Severity, type SeverityNumber } from './otel-logs.ts';

// The three events every first-attempt task run adds, built once: the hot path allocates none of them.
const FIRST_ATTEMPT_EVENTS = new Map<StateName, Attributes>(
  (['Pending', 'Running', 'Completed'] as const).map((name) => [
    name,
    Object.freeze({ [Attr.STATE_TYPE]: StateNames[name], [Attr.STATE_NAME]: name, [Attr.ATTEMPT]: 1 }),
  ]),
);

/** A `flowtel.state` span event for a transition. */
export function addStateEvent(
  span: Span,
  name: StateName,
  attempt: number,
  message?: string,
  time?: number,
): void {
  const attributes =
    attempt === 1 && message === undefined
      ? FIRST_ATTEMPT_EVENTS.get(name)
      : stateAttributes(name, attempt, message);
  span.addEvent(EventName.STATE, attributes, time);
}

function stateAttributes(name: StateName, attempt: number, message: string | undefined): Attributes {
  const attributes: Attributes = {
    [Attr.STATE_TYPE]: StateNames[name],
    [Attr.STATE_NAME]: name,
    [Attr.ATTEMPT]: attempt,
  };
  if (message !== undefined) attributes[Attr.STATE_MESSAGE] = message;
  return attributes;
}

/** Severity of a transition's log record: failures are errors, retries warnings, the rest info. */
export function severityOf(name: StateName): SeverityNumber {
  switch (name) {
    case 'Failed':
    case 'TimedOut':
    case 'Crashed':
      return Severity.ERROR;
    case 'AwaitingRetry':
    case 'Retrying':
    case 'Late':
      return Severity.WARN;
    default:
      return Severity.INFO;
  }
}

export interface StateLogFields {
  readonly seq: number;
  readonly flow: string | undefined;
  readonly flowRunId: string | undefined;
  readonly task: string | undefined;
  readonly taskRunId: string | undefined;
  readonly name: StateName;
  readonly attempt: number;
  readonly message: string | undefined;
  readonly error: ErrorInfo | undefined;
  readonly tags: readonly string[];
  readonly scheduledAt: string | undefined;
  readonly startedAt: string | undefined;
  readonly params: Attributes | undefined;
  readonly parentFlowRunId: string | undefined;
}

/**
 * The `flowtel.state` log record of a transition, emitted the moment it happens so a run in progress is
 * visible (and alertable, by a `serve` that receives it) before its span ends. Its attributes carry the
 * transition record; the trace and span ids come from `ctx`.
 */
export function emitStateLog(logger: Logger, ctx: Context, at: number, fields: StateLogFields): void {
  const attributes: Attributes = {
    [Attr.SEQ]: fields.seq,
    [Attr.STATE_TYPE]: StateNames[fields.name],
    [Attr.STATE_NAME]: fields.name,
    [Attr.ATTEMPT]: fields.attempt,
  };
  if (fields.flow !== undefined) attributes[Attr.PIPELINE_NAME] = fields.flow;
  if (fields.flowRunId !== undefined) attributes[Attr.PIPELINE_RUN_ID] = fields.flowRunId;
  if (fields.task !== undefined) attributes[Attr.TASK_NAME] = fields.task;
  if (fields.taskRunId !== undefined) attributes[Attr.TASK_RUN_ID] = fields.taskRunId;
  if (fields.message !== undefined) attributes[Attr.STATE_MESSAGE] = fields.message;
  if (fields.error) {
    attributes[Attr.ERROR_TYPE] = fields.error.type;
    attributes[Attr.ERROR_MESSAGE] = fields.error.message;
  }
  if (fields.tags.length > 0) attributes[Attr.FLOW_TAGS] = [...fields.tags];
  if (fields.scheduledAt !== undefined) attributes[Attr.FLOW_SCHEDULED_TIME] = fields.scheduledAt;
  if (fields.startedAt !== undefined) attributes[Attr.STARTED_AT] = fields.startedAt;
  if (fields.parentFlowRunId !== undefined) attributes[Attr.FLOW_PARENT_RUN_ID] = fields.parentFlowRunId;
  if (fields.params) Object.assign(attributes, fields.params);
  const severityNumber = severityOf(fields.name);
  logger.emit({
    eventName: EventName.STATE,
    timestamp: at,
    severityNumber,
    severityText:
      severityNumber === Severity.ERROR ? 'ERROR' : severityNumber === Severity.WARN ? 'WARN' : 'INFO',
    body: fields.message ?? `${fields.task ?? fields.flow ?? ''} ${fields.name}`.trim(),
    attributes,
    context: ctx,
  });
}
