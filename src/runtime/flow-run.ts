import { setMaxListeners } from 'node:events';
import {
  type Attributes,
  type Context,
  context as otelContext,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Instruments } from '../telemetry/instruments.ts';
import { Attr, EventName, SpanName } from '../telemetry/keys.ts';
import { Severity } from '../telemetry/otel-logs.ts';
import { addStateEvent, emitStateLog } from '../telemetry/state-signals.ts';
import { AbortFanout } from './abort-fanout.ts';
import { errorInfo } from './errors-info.ts';
import { emitTransition, hasListeners } from './hub.ts';
import type { TaskRunRecord } from './run-record.ts';
import { isFinal, resultOf, type State, type StateName, StateNames, stateOf } from './state.ts';
import type { TaskRun } from './task-run.ts';
import type { ErrorInfo, TransitionRecord } from './transition.ts';

export interface FlowRunInit {
  /** Undefined for the holder of task runs called outside any flow: it has no span and no states. */
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly parent: FlowRun | undefined;
  readonly tags: readonly string[];
  readonly instruments: Instruments;
  readonly scheduledAt: number | undefined;
  readonly keepAllTaskRuns: boolean;
  /** Task spans after which first-attempt successes are only counted (0: no limit). */
  readonly maxTaskSpans: number;
  /** How long a failing run waits for its aborted task runs to stop. */
  readonly abortGraceMs: number;
}

/**
 * The state of one flow run while it executes: its span, its abort controller, its task runs in flight,
 * the sequence of its transitions and the counts that its run record reports. Task runs report to it;
 * it turns each transition into a span event, a log record and a transition record.
 */
/** Task transitions that become log records; a task that simply completes is seen through its span. */
const LOGGED_TASK_STATES: ReadonlySet<StateName> = new Set([
  'AwaitingRetry',
  'Failed',
  'TimedOut',
  'Crashed',
]);

export class FlowRun {
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly parent: FlowRun | undefined;
  readonly tags: readonly string[];
  readonly instruments: Instruments;
  readonly controller = new AbortController();
  /** How task runs (slots, retry delays, timeouts) hear that this run aborted: see `AbortFanout`. */
  readonly aborts = new AbortFanout(this.controller.signal);
  readonly scheduledAt: string | undefined;
  readonly keepAllTaskRuns: boolean;
  readonly abortGraceMs: number;
  /** Redacted parameters, set once they are validated. */
  params: Readonly<Record<string, unknown>> | undefined;
  /** The same, as `flowtel.parameter.*` attributes. */
  paramAttributes: Attributes | undefined;
  /** Task runs that have started and not yet ended. */
  readonly inflight = new Set<TaskRun>();
  readonly states: State[] = [];
  readonly taskRecords: TaskRunRecord[] = [];
  private completedTasks = 0;
  private readonly otherTaskCounts = new Map<StateName, number>();
  /** Errors already recorded as exceptions on a task or attempt span, so the flow span does not repeat them. */
  readonly recordedErrors = new WeakSet<object>();
  readonly recordedValues = new Set<unknown>();
  span: Span | undefined;
  /**
   * Whether task runs get spans. False when the flow span does not record (no SDK, or not sampled): then
   * the task runs skip the tracer altogether, which keeps untraced pipelines close to bare calls.
   */
  tracing = true;
  spanContext: Context = otelContext.active();
  traceId: string | undefined;
  startedAt: string | undefined;
  taskTotal = 0;
  untracedTasks = 0;
  private taskSpans = 0;
  /** Subflows started by this run that have not ended; they end on their own once it aborts. */
  private childFlows = 0;
  private idle: (() => void) | undefined;
  private readonly maxTaskSpans: number;
  private seq = 0;

  constructor(init: FlowRunInit) {
    // User code of every task run may pass this one signal to fetch or a driver: Node's warning about "a
    // possible leak" past 10 listeners is noise here.
    setMaxListeners(0, this.controller.signal);
    this.name = init.name;
    this.id = init.id;
    this.parent = init.parent;
    this.tags = init.tags;
    this.instruments = init.instruments;
    this.scheduledAt = init.scheduledAt === undefined ? undefined : new Date(init.scheduledAt).toISOString();
    this.keepAllTaskRuns = init.keepAllTaskRuns;
    this.maxTaskSpans = init.maxTaskSpans;
    this.abortGraceMs = init.abortGraceMs;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Starts the flow span under `parent` and makes it the context its task runs start in. */
  startSpan(parent: Context, kind: SpanKind, attributes: Attributes): void {
    const span = this.instruments.tracer.startSpan(
      SpanName.flow(this.name ?? ''),
      { kind, attributes },
      parent,
    );
    this.span = span;
    this.tracing = span.isRecording();
    this.spanContext = trace.setSpan(parent, span);
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) this.traceId = spanContext.traceId;
  }

  /** Whether the next task run gets a span, or (past the span budget) may only be counted. */
  takeTaskSpan(): boolean {
    if (this.maxTaskSpans === 0 || this.taskSpans < this.maxTaskSpans) {
      this.taskSpans++;
      return true;
    }
    return false;
  }

  /** A state change of the flow run itself. */
  flowTransition(name: StateName, at: number, message?: string, error?: ErrorInfo): State {
    const state = stateOf(name, at, message);
    this.states.push(state);
    if (name === 'Running' && this.startedAt === undefined) this.startedAt = state.at;
    const seq = ++this.seq;
    if (this.span) addStateEvent(this.span, name, 1, message, at);
    const startedAt = isFinal(StateNames[name]) ? this.startedAt : undefined;
    emitStateLog(this.instruments.logger, this.spanContext, at, {
      seq,
      flow: this.name,
      flowRunId: this.id,
      task: undefined,
      taskRunId: undefined,
      name,
      attempt: 1,
      message,
      error,
      tags: this.tags,
      scheduledAt: this.scheduledAt,
      startedAt,
      params: this.paramAttributes,
      parentFlowRunId: this.parent?.id,
    });
    if (hasListeners()) emitTransition(this.record(seq, at, undefined, name, 1, message, error, startedAt));
    return state;
  }

  /**
   * A state change of one of its task runs. Every one becomes a transition record for observers; only
   * retries and failures become log records, since a task that simply completes is seen through its span.
   */
  taskTransition(
    task: TaskRun,
    name: StateName,
    attempt: number,
    at: number,
    message?: string,
    error?: ErrorInfo,
  ): void {
    const seq = ++this.seq;
    if (task.span) addStateEvent(task.span, name, attempt, message, at);
    if (LOGGED_TASK_STATES.has(name)) {
      emitStateLog(this.instruments.logger, task.spanContext ?? this.spanContext, at, {
        seq,
        flow: this.name,
        flowRunId: this.id,
        task: task.name,
        taskRunId: task.id,
        name,
        attempt,
        message,
        error,
        tags: this.tags,
        scheduledAt: undefined,
        startedAt: undefined,
        params: undefined,
        parentFlowRunId: undefined,
      });
    }
    if (hasListeners()) emitTransition(this.record(seq, at, task, name, attempt, message, error, undefined));
  }

  /** A run log (`log.info(...)`) from the code of this run, correlated with the active span. */
  emitRunLog(
    severity: number,
    body: string,
    attributes: Attributes | undefined,
    task: TaskRun | undefined,
  ): void {
    const all: Attributes = { ...attributes };
    if (this.name !== undefined) all[Attr.PIPELINE_NAME] = this.name;
    if (this.id !== undefined) all[Attr.PIPELINE_RUN_ID] = this.id;
    if (task) {
      all[Attr.TASK_NAME] = task.name;
      all[Attr.TASK_RUN_ID] = task.id;
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

  /** The periodic sign of life that lets a watcher tell a slow run from a dead process. */
  emitHeartbeat(): void {
    const attributes: Attributes = { [Attr.SEQ]: this.seq, [Attr.TASKS_UNTRACED]: this.untracedTasks };
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
  endSpan(state: State, error: unknown, thrownByBody: boolean, at: number): void {
    const span = this.span;
    if (!span) return;
    span.setAttribute(Attr.PIPELINE_RESULT, resultOf(state.name));
    if (this.untracedTasks > 0) span.setAttribute(Attr.TASKS_UNTRACED, this.untracedTasks);
    if (state.type === 'FAILED' || state.type === 'CRASHED') {
      const info = errorInfo(error);
      span.setAttribute(Attr.ERROR_TYPE, info.type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${info.type}: ${info.message}` });
      if (thrownByBody && !this.wasRecorded(error)) {
        span.recordException(error instanceof Error ? error : info.message, at);
        this.markRecorded(error);
      }
    }
    span.end(at);
  }

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

  /** Called by a task run as it ends; wakes `whenIdle` when it was the last one in flight. */
  notifyTaskEnded(): void {
    if (this.idle && !this.busy()) {
      const wake = this.idle;
      this.idle = undefined;
      wake();
    }
  }

  /** A subflow of this run started: the run does not end before it has. */
  childStarted(): void {
    this.childFlows++;
  }

  /** A subflow of this run ended. */
  childEnded(): void {
    this.childFlows--;
    this.notifyTaskEnded();
  }

  /** Resolves when no task run or subflow is in flight, or after `boundMs` (then returns false). */
  whenIdle(boundMs: number): Promise<boolean> {
    if (!this.busy()) return Promise.resolve(true);
    return new Promise((resolve) => {
      // Not unref'd: a bounded wait that must end, even when the task runs it waits for hold no handle.
      const timer = Number.isFinite(boundMs) ? setTimeout(() => resolve(false), boundMs) : undefined;
      const previous = this.idle;
      this.idle = () => {
        previous?.();
        if (timer) clearTimeout(timer);
        resolve(true);
      };
    });
  }

  private busy(): boolean {
    return this.inflight.size > 0 || this.childFlows > 0;
  }

  /**
   * Ends the task runs that did not stop within the grace period after the run was aborted, so the run
   * record is complete and nothing is reported as running behind a finished run.
   */
  abandonInflight(): void {
    for (const task of [...this.inflight]) {
      task.finish(
        'Cancelled',
        this.signal.reason,
        `did not stop within ${this.abortGraceMs} ms of the flow run ending`,
      );
    }
  }

  countTask(record: TaskRunRecord | undefined, finalName: StateName): void {
    this.taskTotal++;
    // The common case gets a plain field; other final states are rarer and go in the map.
    if (finalName === 'Completed') this.completedTasks++;
    else this.otherTaskCounts.set(finalName, (this.otherTaskCounts.get(finalName) ?? 0) + 1);
    if (record) this.taskRecords.push(record);
  }

  /** Task runs by final state name, e.g. `{ Completed: 998, Failed: 2 }`. */
  get taskCounts(): Partial<Record<StateName, number>> {
    const counts: Partial<Record<StateName, number>> = {};
    if (this.completedTasks > 0) counts.Completed = this.completedTasks;
    for (const [name, count] of this.otherTaskCounts) counts[name] = count;
    return counts;
  }

  private record(
    seq: number,
    at: number,
    task: TaskRun | undefined,
    name: StateName,
    attempt: number,
    message: string | undefined,
    error: ErrorInfo | undefined,
    startedAt: string | undefined,
  ): TransitionRecord {
    const spanContext = (task ? task.span : this.span)?.spanContext();
    const record: Record<string, unknown> = {
      v: 1,
      seq,
      at: new Date(at).toISOString(),
    };
    if (this.name !== undefined) record.flow = this.name;
    if (this.id !== undefined) record.flowRunId = this.id;
    if (task) {
      record.task = task.name;
      record.taskRunId = task.id;
    }
    record.attempt = attempt;
    record.state = { type: StateNames[name], name };
    if (message !== undefined) record.message = message;
    if (error) record.error = error;
    if (this.traceId) record.traceId = this.traceId;
    if (spanContext && trace.isSpanContextValid(spanContext)) record.spanId = spanContext.spanId;
    record.tags = this.tags;
    record.scheduledAt = this.scheduledAt ?? null;
    if (!task && this.params) record.params = this.params;
    if (!task && this.parent?.id) record.parentFlowRunId = this.parent.id;
    if (startedAt) record.startedAt = startedAt;
    return record as unknown as TransitionRecord;
  }
}

/** The active context when it has a span; else (no context manager registered) the run's own. */
function correlated(active: Context, run: Context): Context {
  return trace.getSpan(active) ? active : run;
}
