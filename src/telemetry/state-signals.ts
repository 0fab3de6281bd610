import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import type { StateName } from '../runtime/state.ts';
import { StateNames } from '../runtime/state.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import { logAttributes } from '../runtime/transition-record.ts';
import { Attr, EventName } from './keys.ts';
import { Severity, type SeverityNumber } from './otel-logs.ts';

// The three events every first-attempt task run adds, built once: the hot path allocates none of them.
const FIRST_ATTEMPT_EVENTS = new Map<StateName, Attributes>(
  (['Pending', 'Running', 'Completed'] as const).map((name) => [
    name,
    Object.freeze({ [Attr.STATE_TYPE]: StateNames[name], [Attr.STATE_NAME]: name, [Attr.ATTEMPT]: 1 }),
  ]),
);

/**
 * A `flowtel.state` span event for a transition. Flow-run events carry their `seq`, so a receiver can
 * tell the same transition from its log record and its span event apart; task events do not (they are
 * the hot path, and a task transition is identified by its task run, state and attempt).
 */
export function addStateEvent(
  span: Span,
  name: StateName,
  attempt: number,
  message?: string,
  time?: number,
  seq?: number,
): void {
  let attributes: Attributes | undefined;
  if (seq !== undefined) attributes = { ...stateAttributes(name, attempt, message), [Attr.SEQ]: seq };
  else if (attempt === 1 && message === undefined) attributes = FIRST_ATTEMPT_EVENTS.get(name);
  else attributes = stateAttributes(name, attempt, message);
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

/**
 * The `flowtel.state` log record of a transition, emitted the moment it happens so a run in progress is
 * visible (and alertable, by a `serve` that receives it) before its span ends. Its attributes are the
 * fields of the transition record (see `RECORD_FIELDS`); the trace and span ids come from `ctx`.
 */
export function emitStateLog(logger: Logger, ctx: Context, at: number, record: TransitionRecord): void {
  const { name } = record.state;
  const severityNumber = severityOf(name);
  logger.emit({
    eventName: EventName.STATE,
    timestamp: at,
    severityNumber,
    severityText:
      severityNumber === Severity.ERROR ? 'ERROR' : severityNumber === Severity.WARN ? 'WARN' : 'INFO',
    body: record.message ?? `${record.task ?? record.flow ?? ''} ${name}`.trim(),
    attributes: logAttributes(record),
    context: ctx,
  });
}
