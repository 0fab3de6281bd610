import { randomUUID } from 'node:crypto';
import {
  type Attributes,
  type Context,
  context as otelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { Attr, SpanName } from '../telemetry/keys.ts';
import { exceptionOf } from '../telemetry/redact.ts';
import { addStateEvent } from '../telemetry/state-signals.ts';
import { AttemptTimeout } from './attempt-timeout.ts';
import { type Scope, scopes } from './context.ts';
import { errorInfo } from './errors-info.ts';
import type { FlowRun, InflightTask } from './flow-run.ts';
import { type AttemptOutcome, afterAttempt } from './retry.ts';
import type { TaskRunRecord } from './run-record.ts';
import { now } from './runtime-clock.ts';
import type { Semaphore } from './semaphore.ts';
import { resultOf, runningName, type State, type StateName, stateOf } from './state.ts';
import type { TaskDefinition } from './task-definition.ts';
import type { ErrorInfo } from './transition.ts';

/**
 * One run of a task inside a flow run (or on its own). Its span is created up front while the flow run's
 * span budget lasts; past it, a span is created after the fact only if the run fails or retries.
 */
export class TaskRun implements Scope, InflightTask {
  inflightPrev: InflightTask | undefined = undefined;
  inflightNext: InflightTask | undefined = undefined;
  span: Span | undefined;
  spanContext: Context | undefined;
  attempt = 1;
  /** 1 for the first task run of its flow run, 2 for the next, ... */
  readonly number: number;
  private ended = false;
  private lazyId: string | undefined;
  private attemptSignal: AbortSignal | undefined;
  /** When it entered Pending (epoch ms): its start, where its span starts. */
  readonly pendingAt = now();
  private runningAt = 0;
  /** States, kept only once the run is worth a record (it retried, failed, or all are kept). */
  private history: State[] | undefined;

  /** `traced`: it took a span of its flow run's budget (`RunTelemetry.takeTaskSpan`). */
  constructor(
    readonly def: TaskDefinition,
    readonly flowRun: FlowRun,
    private readonly parent: Context,
    traced: boolean,
  ) {
    if (flowRun.keepAllTaskRuns) this.history = [];
    this.number = flowRun.taskStarted(this);
    if (traced) this.openSpan(this.pendingAt);
    this.transition('Pending', 1, this.pendingAt);
  }

  get name(): string {
    return this.def.name;
  }

  /**
   * Made on first use: a task run that nobody observes (no tracing, no listeners, no failure) never
   * pays for a random id.
   */
  get id(): string {
    this.lazyId ??= randomUUID();
    return this.lazyId;
  }

  /** A task run is its own scope (saves an allocation per attempt): see `Scope`. */
  get taskRun(): TaskRun {
    return this;
  }

  get signal(): AbortSignal {
    return this.attemptSignal ?? this.flowRun.signal;
  }

  /**
   * Runs the attempts; resolves with the result or rejects with what the last attempt threw. Written
   * without an async frame: a first attempt that succeeds costs one `then`, the rest (waiting for a slot,
   * retries) takes the slower paths.
   */
  execute(args: unknown[]): Promise<unknown> {
    const semaphore = this.def.semaphore;
    if (semaphore && !semaphore.tryAcquire()) return this.executeAfterSlot(semaphore, args);
    return this.runAttempt(args, this.pendingAt);
  }

  private async executeAfterSlot(semaphore: Semaphore, args: unknown[]): Promise<unknown> {
    try {
      await semaphore.acquire(this.flowRun.aborts);
    } catch (reason) {
      throw this.finish('Cancelled', reason, 'cancelled while waiting for a concurrency slot');
    }
    return this.runAttempt(args, now());
  }

  /** One attempt: invoked synchronously, settled by `succeeded` or `failed`. */
  private runAttempt(args: unknown[], at: number): Promise<unknown> {
    const { def } = this;
    if (this.attempt === 1) this.runningAt = at;
    this.transition(runningName(this.attempt), this.attempt, at);
    const attemptSpan = def.mayRetry && this.span ? this.openAttemptSpan(this.attempt, at) : undefined;
    const { timeoutMs } = def.options;
    const timeout =
      timeoutMs === undefined ? undefined : new AttemptTimeout(this.flowRun.aborts, timeoutMs, def.name);
    if (timeout) this.attemptSignal = timeout.signal;
    let value: unknown;
    try {
      value = this.invoke(args, attemptSpan);
    } catch (error) {
      timeout?.dispose();
      return this.failed(error, attemptSpan, timeout, args);
    }
    if (!isThenable(value)) {
      timeout?.dispose();
      try {
        return Promise.resolve(this.succeeded(value, attemptSpan));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const settled = timeout ? timeout.race(value) : value;
    return (settled instanceof Promise ? settled : Promise.resolve(settled)).then(
      (result) => this.succeeded(result, attemptSpan),
      (error: unknown) => this.failed(error, attemptSpan, timeout, args),
    );
  }

  private succeeded(value: unknown, attemptSpan: Span | undefined): unknown {
    attemptSpan?.end(now());
    const { flowRun } = this;
    this.def.semaphore?.release();
    // Returning after the flow run was aborted is still stopping on request, not completing.
    if (flowRun.signal.aborted) throw this.finish('Cancelled', flowRun.signal.reason, undefined);
    this.finish('Completed', undefined, undefined);
    return value;
  }

  private async failed(
    error: unknown,
    attemptSpan: Span | undefined,
    timeout: AttemptTimeout | undefined,
    args: unknown[],
  ): Promise<unknown> {
    const { def, flowRun } = this;
    const kind: AttemptOutcome = flowRun.signal.aborted
      ? 'cancelled'
      : timeout?.timedOut
        ? 'timed-out'
        : 'failed';
    if (kind !== 'cancelled') {
      if (attemptSpan) this.recordFailure(attemptSpan, error, true);
      else this.unrecordedError = error;
    }
    attemptSpan?.end(now());
    const decision = afterAttempt(def.options.policy, this.attempt, kind, error);
    if (decision.next !== 'AwaitingRetry') {
      def.semaphore?.release();
      throw this.finish(decision.next, error, undefined);
    }
    try {
      await this.awaitRetry(error, decision.delayMs);
    } catch (cancelled) {
      def.semaphore?.release();
      throw cancelled;
    }
    this.attempt++;
    return this.runAttempt(args, now());
  }

  /** Calls the task's function in its scope (and its span's context, when traced). */
  private invoke(args: unknown[], attemptSpan: Span | undefined): unknown {
    const { def } = this;
    if (!this.spanContext) return scopes.run(this, def.fn, ...args);
    const spanCtx = attemptSpan ? trace.setSpan(this.spanContext, attemptSpan) : this.spanContext;
    return scopes.run(this, () => otelContext.with(spanCtx, def.fn, undefined, ...args));
  }

  private async awaitRetry(error: unknown, delayMs: number): Promise<void> {
    const { def, flowRun } = this;
    const info = errorInfo(error);
    this.ensureTraced();
    this.transition(
      'AwaitingRetry',
      this.attempt,
      now(),
      `attempt ${this.attempt} failed (${info.type}: ${info.message}); retrying in ${delayMs} ms`,
      info,
    );
    flowRun.telemetry.instruments.taskRetries.add(1, def.metricAttributes(flowRun.name));
    try {
      await retryDelay(delayMs, flowRun);
    } catch (reason) {
      throw this.finish('Cancelled', reason, 'cancelled while awaiting a retry');
    }
  }

  /** What the last attempt threw when it had no attempt span to record it on (yet). */
  private unrecordedError: unknown;

  /**
   * Ends the run in a final state: span, metrics, counts, transition. Returns the error to throw (the
   * original one, so user code can catch its own error classes).
   */
  finish(name: StateName, error: unknown, message: string | undefined): unknown {
    if (this.ended) return error;
    this.ended = true;
    const { flowRun, def } = this;
    const { instruments } = flowRun.telemetry;
    const endedAt = now();
    const failed = name !== 'Completed';
    if (failed && name !== 'Cancelled') this.ensureTraced();
    const info = failed && error !== undefined ? errorInfo(error) : undefined;
    const span = this.span;
    if (span) {
      span.setAttribute(Attr.TASK_RUN_RESULT, resultOf(name));
      span.setAttribute(Attr.TASK_ATTEMPTS, this.attempt);
      // The exception goes on the span where it was thrown: the attempt when there are attempt spans.
      if ((name === 'Failed' || name === 'TimedOut') && info) this.recordFailure(span, error, !def.mayRetry);
    }
    this.transition(
      name,
      this.attempt,
      endedAt,
      message ?? (info ? `${info.type}: ${info.message}` : undefined),
      info,
    );
    span?.end(endedAt);
    if (instruments.metered) {
      instruments.taskDuration.record(
        (endedAt - this.pendingAt) / 1000,
        def.metricAttributes(flowRun.name, resultOf(name)),
      );
    }
    flowRun.taskEnded(this, name, this.history ? this.toRecord(endedAt, info) : undefined);
    return error;
  }

  private transition(
    name: StateName,
    attempt: number,
    at: number,
    message?: string,
    error?: ErrorInfo,
  ): void {
    if (
      this.history === undefined &&
      (name === 'AwaitingRetry' || name === 'Failed' || name === 'TimedOut')
    ) {
      // The run just became worth a record: rebuild the states it went through so far.
      this.history = [stateOf('Pending', this.pendingAt)];
      if (this.runningAt) this.history.push(stateOf('Running', this.runningAt));
    }
    this.history?.push(stateOf(name, at, message));
    this.flowRun.taskTransition(this, name, attempt, at, message, error);
  }

  /** Started at a time of the runtime clock, as all its events and its end are. */
  private openSpan(startTime: number): void {
    const { def, flowRun } = this;
    const attributes: Attributes = { [Attr.TASK_NAME]: def.name, [Attr.TASK_RUN_ID]: this.id };
    if (flowRun.name !== undefined) attributes[Attr.PIPELINE_NAME] = flowRun.name;
    const span = flowRun.telemetry.instruments.tracer.startSpan(
      SpanName.task(def.name),
      { kind: SpanKind.INTERNAL, attributes, startTime },
      this.parent,
    );
    this.span = span;
    this.spanContext = trace.setSpan(this.parent, span);
  }

  /**
   * Started with an explicit time, so it must be ended with one: the SDK ends such spans at `Date.now()`
   * otherwise, a coarser clock than ours that can fall before the start.
   */
  private openAttemptSpan(attempt: number, startTime: number): Span {
    // The flow's name on every span of a run: a Collector routing by `cicd.pipeline.name` (one serve per
    // set of flows) keeps a run's attempts with the rest of it.
    const attributes: Attributes = { [Attr.ATTEMPT]: attempt };
    if (this.flowRun.name !== undefined) attributes[Attr.PIPELINE_NAME] = this.flowRun.name;
    return this.flowRun.telemetry.instruments.tracer.startSpan(
      SpanName.attempt(this.def.name),
      { kind: SpanKind.INTERNAL, attributes, startTime },
      this.spanContext ?? this.parent,
    );
  }

  /**
   * Past the span budget a run starts without a span; when it turns out to fail or retry it gets one
   * after the fact, with the start time and states it already went through, since failed and retried
   * runs are always traced.
   */
  private ensureTraced(): void {
    const { telemetry } = this.flowRun;
    if (this.span || !telemetry.tracing) return;
    telemetry.tracedAfterTheFact();
    this.openSpan(this.pendingAt);
    const span = this.span!;
    addStateEvent(span, 'Pending', 1, undefined, this.pendingAt);
    if (this.runningAt) addStateEvent(span, 'Running', 1, undefined, this.runningAt);
    if (this.unrecordedError !== undefined && this.def.mayRetry) {
      const attemptSpan = this.openAttemptSpan(1, this.runningAt || this.pendingAt);
      this.recordFailure(attemptSpan, this.unrecordedError, true);
      attemptSpan.end(now());
      this.unrecordedError = undefined;
    }
  }

  private recordFailure(span: Span, error: unknown, withException: boolean): void {
    const info = errorInfo(error);
    span.setAttribute(Attr.ERROR_TYPE, info.type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${info.type}: ${info.message}` });
    if (withException && span.isRecording()) {
      span.recordException(exceptionOf(error, info));
      this.flowRun.telemetry.markRecorded(error);
    }
  }

  private toRecord(endedAt: number, error: ErrorInfo | undefined): TaskRunRecord {
    const history = this.history ?? [];
    const record = {
      task: this.def.name,
      taskRunId: this.id,
      state: history[history.length - 1] ?? stateOf('Completed', endedAt),
      states: history,
      attempts: this.attempt,
      startedAt: new Date(this.pendingAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: Math.round(endedAt - this.pendingAt),
    };
    return error ? { ...record, error } : record;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Waits `ms`, or rejects with the reason as soon as the flow run aborts. */
function retryDelay(ms: number, flowRun: FlowRun): Promise<void> {
  const { signal } = flowRun;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const stopListening = flowRun.aborts.listen(() => {
      clearTimeout(timer);
      reject(signal.reason);
    });
    const timer = setTimeout(() => {
      stopListening();
      resolve();
    }, ms);
  });
}
