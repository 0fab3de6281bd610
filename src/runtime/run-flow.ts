import { randomUUID } from 'node:crypto';
import { type Attributes, type Context, context as otelContext, SpanKind, trace } from '@opentelemetry/api';
import { defaults, readSettings } from '../config.ts';
import { CancelledError, TimeoutError } from '../errors.ts';
import { resolveInstruments } from '../telemetry/instruments.ts';
import { Attr } from '../telemetry/keys.ts';
import { paramAttributes, redactParams } from '../telemetry/redact.ts';
import { contextFromTraceparent } from '../telemetry/traceparent.ts';
import { activeScope, type Scope, scopes } from './context.ts';
import { errorInfo } from './errors-info.ts';
import type { ResolvedFlowOptions } from './flow-options.ts';
import { FlowRun } from './flow-run.ts';
import { validateParams } from './params.ts';
import type { FlowRunRecord } from './run-record.ts';
import { resultOf, type State, type StateName } from './state.ts';

export interface RunOptions {
  /** Aborting it cancels the run: its signal aborts, task runs stop, and it ends Cancelled. */
  readonly signal?: AbortSignal;
  /** When the run was due (set by schedulers): recorded with the lateness of its start. */
  readonly scheduledAt?: Date | string | number;
  /** Keep the records of every task run, not only those that failed or retried. @default 'failed' */
  readonly taskRuns?: 'failed' | 'all';
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown; thrownByBody: boolean };

/** Runs a flow once, start to end; never throws (a broken runtime ends the run Crashed). */
export async function runFlow(
  options: ResolvedFlowOptions,
  fn: (params: never) => unknown,
  input: unknown,
  runOptions: RunOptions = {},
): Promise<FlowRunRecord> {
  const scope = activeScope();
  const parent = scope?.flowRun.name !== undefined ? scope.flowRun : undefined;
  const settings = readSettings();
  const scheduledAt =
    runOptions.scheduledAt === undefined ? undefined : new Date(runOptions.scheduledAt).getTime();
  const run = new FlowRun({
    name: options.name,
    id: randomUUID(),
    parent,
    tags: options.tags,
    instruments: resolveInstruments(),
    scheduledAt,
    keepAllTaskRuns: runOptions.taskRuns === 'all',
    maxTaskSpans: settings.maxTaskSpans,
    abortGraceMs: options.abortGraceMs,
  });
  const started = Date.now();
  const { parentContext, kind } = parentOf(scope, parent);
  run.startSpan(parentContext, kind, spanAttributes(run, scheduledAt, started));
  const cleanup = linkSignals(run, parent, runOptions.signal, options);
  const { instruments } = run;
  const pipeline = { [Attr.PIPELINE_NAME]: options.name };
  instruments.runActive.add(1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'pending' });
  run.flowTransition('Pending', started);
  let outcome: Outcome;
  let final: StateName = 'Crashed';
  try {
    outcome = await execute(run, options, fn, input, settings.recordParams, settings.heartbeatIntervalMs);
    final = finalState(run, outcome);
    if (final !== 'Completed') {
      if (!run.signal.aborted) run.controller.abort(new CancelledError(`flow run '${options.name}' failed`));
      await run.whenIdle(run.abortGraceMs);
      run.abandonInflight();
    }
  } catch (crash) {
    // Only flowtel's own code can land here: user errors are outcomes, not exceptions.
    outcome = { ok: false, error: crash, thrownByBody: false };
    final = 'Crashed';
  } finally {
    cleanup();
  }
  const ended = Date.now();
  const error = outcome.ok ? undefined : outcome.error;
  const info = error === undefined ? undefined : errorInfo(error);
  const state = run.flowTransition(final, ended, info ? `${info.type}: ${info.message}` : undefined, info);
  run.endSpan(state, error, !outcome.ok && outcome.thrownByBody, ended);
  recordMetrics(run, state, pipeline, info?.type, started, ended, scheduledAt);
  return toRecord(run, state, outcome, started, ended);
}

async function execute(
  run: FlowRun,
  options: ResolvedFlowOptions,
  fn: (params: never) => unknown,
  input: unknown,
  recording: 'values' | 'types' | 'none',
  heartbeatMs: number,
): Promise<Outcome> {
  let params: unknown;
  try {
    params = await validateParams(options.name, options.schema, input);
  } catch (error) {
    return { ok: false, error, thrownByBody: true };
  }
  const redacted = redactParams(params, {
    recording: options.recordParams ?? recording,
    maxLength: defaults.paramMaxLength,
    secretKeys: options.secretKeys,
  });
  const attributes = paramAttributes(redacted);
  run.params = redacted;
  run.paramAttributes = attributes;
  run.span?.setAttributes(attributes);
  const pipeline = { [Attr.PIPELINE_NAME]: options.name };
  run.instruments.runActive.add(-1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'pending' });
  run.instruments.runActive.add(1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'executing' });
  run.flowTransition('Running', Date.now());
  const heartbeat = setInterval(() => run.emitHeartbeat(), heartbeatMs);
  heartbeat.unref();
  try {
    const scope: Scope = { flowRun: run, taskRun: undefined, attempt: 1, signal: run.signal };
    const body = new Promise((resolve) =>
      resolve(scopes.run(scope, () => otelContext.with(run.spanContext, fn, undefined, params as never))),
    );
    const outcome = await untilAborted(body, run.signal);
    if (!outcome.ok) return outcome;
    // Task runs started and not awaited belong to the run: it ends when they do (or when it is aborted).
    const idle = await untilAborted(run.whenIdle(Number.POSITIVE_INFINITY), run.signal);
    return idle.ok ? outcome : idle;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Settles with the work's outcome, or as soon as the signal aborts with its reason. */
function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const onAbort = () => resolve({ ok: false, error: signal.reason, thrownByBody: false });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, error, thrownByBody: true });
      },
    );
  });
}

function finalState(run: FlowRun, outcome: Outcome): StateName {
  if (outcome.ok) return 'Completed';
  const reason: unknown = run.signal.aborted ? run.signal.reason : undefined;
  if (!outcome.thrownByBody || outcome.error === reason) {
    if (reason instanceof TimeoutError) return 'TimedOut';
    if (reason instanceof CancelledError) return 'Cancelled';
  }
  return 'Failed';
}

/**
 * The span's parent: the active span; else (no context manager) the run that called us; else, for a
 * flow run started by this process, the `TRACEPARENT` it was handed; else a new trace.
 */
function parentOf(
  scope: Scope | undefined,
  parent: FlowRun | undefined,
): { parentContext: Context; kind: SpanKind } {
  let parentContext = otelContext.active();
  if (trace.getSpan(parentContext)) return { parentContext, kind: SpanKind.INTERNAL };
  if (scope) {
    parentContext = scope.taskRun?.spanContext ?? scope.flowRun.spanContext;
    if (trace.getSpan(parentContext)) return { parentContext, kind: SpanKind.INTERNAL };
  }
  const remote = parent ? undefined : contextFromTraceparent(process.env.TRACEPARENT);
  return { parentContext: remote ?? parentContext, kind: SpanKind.SERVER };
}

function spanAttributes(run: FlowRun, scheduledAt: number | undefined, started: number): Attributes {
  const attributes: Attributes = { [Attr.PIPELINE_NAME]: run.name, [Attr.PIPELINE_RUN_ID]: run.id };
  if (run.tags.length > 0) attributes[Attr.FLOW_TAGS] = [...run.tags];
  if (run.parent?.id) attributes[Attr.FLOW_PARENT_RUN_ID] = run.parent.id;
  if (scheduledAt !== undefined) {
    attributes[Attr.FLOW_SCHEDULED_TIME] = run.scheduledAt;
    attributes[Attr.FLOW_LATENESS_MS] = Math.max(0, started - scheduledAt);
  }
  return attributes;
}

/** Aborts the run with the right reason when its parent aborts, its caller cancels, or it times out. */
function linkSignals(
  run: FlowRun,
  parent: FlowRun | undefined,
  signal: AbortSignal | undefined,
  options: ResolvedFlowOptions,
): () => void {
  const undo: Array<() => void> = [];
  const follow = (source: AbortSignal, reason: () => unknown) => {
    const onAbort = () => run.controller.abort(reason());
    if (source.aborted) return onAbort();
    source.addEventListener('abort', onAbort, { once: true });
    undo.push(() => source.removeEventListener('abort', onAbort));
  };
  if (parent) follow(parent.signal, () => parent.signal.reason);
  if (signal)
    follow(
      signal,
      () => new CancelledError(`flow run '${options.name}' was cancelled`, { cause: signal.reason }),
    );
  if (options.timeoutMs !== undefined) {
    const timeoutMs = options.timeoutMs;
    const timer = setTimeout(
      () => run.controller.abort(new TimeoutError(`flow '${options.name}'`, timeoutMs)),
      timeoutMs,
    );
    undo.push(() => clearTimeout(timer));
  }
  return () => {
    for (const step of undo) step();
  };
}

function recordMetrics(
  run: FlowRun,
  state: State,
  pipeline: Attributes,
  errorType: string | undefined,
  started: number,
  ended: number,
  scheduledAt: number | undefined,
): void {
  const { instruments } = run;
  const reachedRunning = run.startedAt !== undefined;
  instruments.runActive.add(-1, {
    ...pipeline,
    [Attr.PIPELINE_RUN_STATE]: reachedRunning ? 'executing' : 'pending',
  });
  instruments.runDuration.record((ended - started) / 1000, {
    ...pipeline,
    [Attr.PIPELINE_RESULT]: resultOf(state.name),
  });
  if (errorType !== undefined && state.type !== 'CANCELLED') {
    instruments.runErrors.add(1, { ...pipeline, [Attr.ERROR_TYPE]: errorType });
  }
  if (scheduledAt !== undefined)
    instruments.lateness.record(Math.max(0, started - scheduledAt) / 1000, pipeline);
}

function toRecord(
  run: FlowRun,
  state: State,
  outcome: Outcome,
  started: number,
  ended: number,
): FlowRunRecord {
  const record: Record<string, unknown> = {
    flow: run.name,
    flowRunId: run.id,
    state,
    states: run.states,
    tags: run.tags,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: ended - started,
    taskRuns: { counts: run.taskCounts, total: run.taskTotal, records: run.taskRecords },
  };
  if (outcome.ok) record.result = outcome.value;
  else record.error = outcome.error;
  if (run.parent?.id) record.parentFlowRunId = run.parent.id;
  if (run.traceId) record.traceId = run.traceId;
  if (run.scheduledAt) record.scheduledAt = run.scheduledAt;
  return record as unknown as FlowRunRecord;
}
