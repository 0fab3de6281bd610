import {
  type Attributes,
  type Context,
  context as otelContext,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { errorInfo } from '../runtime/errors-info.ts';
import { resultOf, type State, type StateName } from '../runtime/state.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import type { Instruments } from './instruments.ts';
import { Attr, EventName, SpanName } from './keys.ts';
import { Severity } from './otel-logs.ts';
import { exceptionOf } from './redact.ts';
import { addStateEvent, emitStateLog } from './state-signals.ts';

export interface RunTelemetryInit {
  /** Undefined for the holder of task runs called outside any flow: it has no span. */
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly instruments: Instruments;
  /** Task spans after which first-attempt successes are only counted (0: no limit). */
  readonly maxTaskSpans: number;
  /** The telemetry of the flow run that started this one: an exception recorded here is recorded there. */
  readonly parent: RunTelemetry | undefined;
}

/** Task transitions that become log records; a task that simply completes is seen through its span. */
const LOGGED_TASK_STATES: ReadonlySet<StateName> = new Set([
  'AwaitingRetry',
  'Failed',
  'TimedOut',
  'Crashed',
]);

/** Whether a task transition becomes a log record (and so needs its transition record made). */
export function logsTaskState(name: StateName): boolean {
  return LOGGED_TASK_STATES.has(name);
}

/**
 * What one flow run puts on the wire, beside its state (as `SimpleSpanProcessor` sits beside a span):
 * its span and the context its task runs start in, the span budget, a span event and a log record per
 * transition, run logs, heartbeats, and which errors were already recorded as exceptions.
 */
export class RunTelemetry {
  readonly instruments: Instruments;
  /** The flow span; undefined before it starts and for task runs called outside any flow. */
  span: Span | undefined;
  /** The context task runs start in: the flow span's. */
  spanContext: Context = otelContext.active();
  traceId: string | undefined;
  /**
   * Whether task runs get spans. False when the flow span does not record (no SDK, or not sampled): then
   * the task runs skip the tracer altogether, which keeps untraced pipelines close to bare calls.
   */
  tracing = true;
  /** Task runs past the span budget that were only counted. */
  untracedTasks = 0;
  private taskSpans = 0;
  private readonly name: string | undefined;
  private readonly id: string | undefined;
  private readonly maxTaskSpans: number;
  private readonly parent: RunTelemetry | undefined;
  /** Errors already recorded as exceptions on a task or attempt span, so the flow span does not repeat them. */
  private readonly recordedErrors = new WeakSet<object>();
  private readonly recordedValues = new Set<unknown>();

  constructor(init: RunTelemetryInit) {
    this.name = init.name;
    this.id = init.id;
    this.instruments = init.instruments;
    this.maxTaskSpans = init.maxTaskSpans;
    this.parent = init.parent;
  }

  /** Starts the flow span under `parent` and makes it the context its task runs start in. */
  startFlowSpan(parent: Context, kind: SpanKind, attributes: Attributes, startTime: number): void {
    const span = this.instruments.tracer.startSpan(
      SpanName.flow(this.name ?? ''),
      { kind, attributes, startTime },
      parent,
    );
    this.span = span;
    this.tracing = span.isRecording();
    this.spanContext = trace.setSpan(parent, span);
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) this.traceId = spanContext.traceId;
  }

  /**
   * Whether the next task run gets a span up front: not when the flow run is not traced, nor past the
   * span budget (then it is counted as untraced).
   */
  takeTaskSpan(): boolean {
    if (!this.tracing) return false;
    if (this.maxTaskSpans === 0 || this.taskSpans < this.maxTaskSpans) {
      this.taskSpans++;
      return true;
    }
    this.untracedTasks++;
    return false;
  }

  /** A task run past the budget failed or retried: it gets a span after all, and is no longer untraced. */
  tracedAfterTheFact(): void {
    this.untracedTasks--;
  }

  /** A transition of the flow run itself: a span event and a log record. */
  flowTransition(record: TransitionRecord, at: number): void {
    if (this.span) {
      addStateEvent(this.span, record.state.name, record.attempt, record.message, at, record.seq);
    }
    emitStateLog(this.instruments.logger, this.spanContext, at, record);
  }

  /**
   * A transition of one of its task runs: a span event when the task run has a span, and a log record
   * for retries and failures (`record` is made for those, see `logsTaskState`).
   */
  taskTransition(
    span: Span | undefined,
    context: Context | undefined,
    name: StateName,
    attempt: number,
    at: number,
    message: string | undefined,
    record: TransitionRecord | undefined,
  ): void {
    if (span) addStateEvent(span, name, attempt, message, at);
    if (record && logsTaskState(name)) {
      emitStateLog(this.instruments.logger, context ?? this.spanContext, at, record);
    }
  }

  /** A run log (`log.info(...)`) from the code of this run, correlated with the active span. */
  runLog(
    severity: number,
    body: string,
    attributes: Attributes | undefined,
    task:
      | { readonly name: string; readonly id: string; readonly spanContext: Context | undefined }
      | undefined,
    /** The task run's attempt (1, 2, …), so a run's logs can be read per attempt. */
    attempt = 1,
  ): void {
    const all: Attributes = { ...attributes };
    if (this.name !== undefined) all[Attr.PIPELINE_NAME] = this.name;
    if (this.id !== undefined) all[Attr.PIPELINE_RUN_ID] = this.id;
    if (task) {
      all[Attr.TASK_NAME] = task.name;
      all[Attr.TASK_RUN_ID] = task.id;
      all[Attr.ATTEMPT] = attempt;
    }
    this.instruments.logger.emit({
      eventName: EventName.LOG,
      severityNumber: severity,
      severityText: severity >= Severity.ERROR ? 'ERROR' : severity >= Severity.WARN ? 'WARN' : 'INFO',
      body,
      attributes: all,
      context: correlated(otelContext.active(), task?.spanContext ?? this.spanContext),
    });
  }

  /**
   * The periodic sign of life that lets a watcher tell a slow run from a dead process. It says its own
   * interval, so the watcher needs no configuration to know when the next one is overdue.
   */
  heartbeat(seq: number, intervalMs: number): void {
    const attributes: Attributes = {
      [Attr.SEQ]: seq,
      [Attr.HEARTBEAT_INTERVAL_MS]: intervalMs,
      [Attr.TASKS_UNTRACED]: this.untracedTasks,
    };
    if (this.name !== undefined) attributes[Attr.PIPELINE_NAME] = this.name;
    if (this.id !== undefined) attributes[Attr.PIPELINE_RUN_ID] = this.id;
    this.instruments.logger.emit({
      eventName: EventName.HEARTBEAT,
      severityNumber: Severity.INFO,
      severityText: 'INFO',
      body: `${this.name ?? ''} heartbeat`,
      attributes,
      context: this.spanContext,
    });
  }

  /** Ends the flow span with its result; the exception only if the flow body threw it first-hand. */
  endFlowSpan(state: State, error: unknown, thrownByBody: boolean, at: number): void {
    const span = this.span;
    if (!span) return;
    span.setAttribute(Attr.PIPELINE_RESULT, resultOf(state.name));
    if (this.untracedTasks > 0) span.setAttribute(Attr.TASKS_UNTRACED, this.untracedTasks);
    if (state.type === 'FAILED' || state.type === 'CRASHED') {
      const info = errorInfo(error);
      span.setAttribute(Attr.ERROR_TYPE, info.type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${info.type}: ${info.message}` });
      if (thrownByBody && !this.wasRecorded(error)) {
        span.recordException(exceptionOf(error, info), at);
        this.markRecorded(error);
      }
    }
    span.end(at);
  }

  /** `error` is on a span of this run (or of a subflow): spans of the runs above must not repeat it. */
  markRecorded(error: unknown): void {
    if (typeof error === 'object' && error !== null) this.recordedErrors.add(error);
    else this.recordedValues.add(error);
    this.parent?.markRecorded(error);
  }

  wasRecorded(error: unknown): boolean {
    return typeof error === 'object' && error !== null
      ? this.recordedErrors.has(error)
      : this.recordedValues.has(error);
  }
}

/** The active context when it has a span; else (no context manager registered) the run's own. */
function correlated(active: Context, run: Context): Context {
  return trace.getSpan(active) ? active : run;
}
