import { randomUUID } from 'node:crypto';
import { type Attributes, type Context, context as otelContext, SpanKind, trace } from '@opentelemetry/api';
import { defaults, type RuntimeSettings, readSettings } from '../config.ts';
import { CancelledError, TimeoutError } from '../errors.ts';
import { processSecrets } from '../secrets.ts';
import { resolveInstruments } from '../telemetry/instruments.ts';
import { Attr } from '../telemetry/keys.ts';
import { paramAttributes, redactParams, secretValuesOf } from '../telemetry/redact.ts';
import { contextFromTraceparent } from '../telemetry/traceparent.ts';
import { activeScope, type Scope, scopes } from './context.ts';
import { errorInfo } from './errors-info.ts';
import type { ResolvedFlowOptions } from './flow-options.ts';
import { FlowRun } from './flow-run.ts';
import { validateParams } from './params.ts';
import { chosenRunId } from './run-id.ts';
import { crashedRecord, type FlowRunRecord, type Outcome, toRecord } from './run-record.ts';
import { linkSignals } from './run-signals.ts';
import { now } from './runtime-clock.ts';
import { resultOf, type State, type StateName } from './state.ts';

export interface RunOptions {
  /** Aborting it cancels the run: its signal aborts, task runs stop, and it ends Cancelled. */
  readonly signal?: AbortSignal;
  /** When the run was due (set by schedulers): recorded with the lateness of its start. */
  readonly scheduledAt?: Date | string | number;
  /**
   * The run's id, chosen by the caller (serve knows a run's id before its child process starts): a
   * UUID or a URL-safe token (see `RUN_ID_ALLOWED`); any other value ends the run Failed, under a new
   * id. Applies to this run only, not to its subflows. @default a new UUID
   */
  readonly flowRunId?: string;
  /** Keep the records of every task run, not only those that failed or retried. @default 'failed' */
  readonly taskRuns?: 'failed' | 'all';
}

/** Runs a flow once, start to end; never throws (a broken runtime ends the run Crashed). */
export async function runFlow(
  options: ResolvedFlowOptions,
  fn: (params: never) => unknown,
  input: unknown,
  runOptions: RunOptions = {},
): Promise<FlowRunRecord> {
  const started = now();
  try {
    return await runTraced(options, fn, input, runOptions ?? {}, started);
  } catch (crash) {
    // flowtel broke before it could even trace the run: still a record, never a rejection.
    return crashedRecord(options, crash, started, runOptions?.flowRunId);
  }
}

async function runTraced(
  options: ResolvedFlowOptions,
  fn: (params: never) => unknown,
  input: unknown,
  runOptions: RunOptions,
  started: number,
): Promise<FlowRunRecord> {
  const scope = activeScope();
  const parent = scope?.flowRun.name !== undefined ? scope.flowRun : undefined;
  // A bad FLOWTEL_* value is flowtel's problem, not the flow's: the run ends Crashed, naming the variable.
  const { settings, problem } = settingsOrDefaults();
  const scheduled = scheduledTime(runOptions.scheduledAt);
  const scheduledAt = scheduled instanceof Error ? undefined : scheduled;
  const chosenId = chosenRunId(runOptions.flowRunId);
  const id = chosenId instanceof Error ? randomUUID() : chosenId;
  // A bad option is the caller's mistake, made before the body could run: the run ends Failed with it.
  const refusal = scheduled instanceof Error ? scheduled : chosenId instanceof Error ? chosenId : undefined;
  const run = new FlowRun({
    name: options.name,
    id,
    parent,
    tags: options.tags,
    instruments: resolveInstruments(),
    scheduledAt,
    keepAllTaskRuns: runOptions.taskRuns === 'all',
    maxTaskSpans: settings.maxTaskSpans,
    abortGraceMs: options.abortGraceMs,
  });
  // A subflow belongs to its parent like a task run does: the parent ends after it.
  parent?.childStarted();
  try {
    const { parentContext, kind } = parentOf(scope, parent);
    run.telemetry.startFlowSpan(parentContext, kind, spanAttributes(run, scheduledAt, started), started);
    const cleanup = linkSignals(run, parent, runOptions.signal, options);
    const { instruments } = run.telemetry;
    const pipeline = { [Attr.PIPELINE_NAME]: options.name };
    instruments.runActive.add(1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'pending' });
    run.flowTransition('Pending', started);
    let outcome: Outcome;
    let final: StateName = 'Crashed';
    try {
      if (problem) throw problem;
      outcome =
        refusal !== undefined
          ? { ok: false, error: refusal, thrownByBody: true }
          : await execute(run, options, fn, input, settings.recordParams, settings.heartbeatIntervalMs);
      final = finalState(run, outcome);
      if (final !== 'Completed') {
        if (!run.signal.aborted) run.abort(new CancelledError(`flow run '${options.name}' failed`));
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
    const ended = now();
    const error = outcome.ok ? undefined : outcome.error;
    const info = error === undefined ? undefined : errorInfo(error);
    const state = run.flowTransition(final, ended, info ? `${info.type}: ${info.message}` : undefined, info);
    run.telemetry.endFlowSpan(state, error, !outcome.ok && outcome.thrownByBody, ended);
    recordMetrics(run, state, pipeline, info?.type, started, ended, scheduledAt);
    return toRecord(options.name, id, run, state, outcome, started, ended);
  } finally {
    parent?.childEnded();
  }
}

function settingsOrDefaults(): { settings: RuntimeSettings; problem: Error | undefined } {
  try {
    return { settings: readSettings(), problem: undefined };
  } catch (error) {
    return { settings: readSettings({}), problem: error as Error };
  }
}

/** `scheduledAt` as epoch milliseconds, or the error that says it is not a date. */
function scheduledTime(value: RunOptions['scheduledAt']): number | undefined | TypeError {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) return new TypeError(`scheduledAt must be a date, got ${JSON.stringify(value)}`);
  return ms;
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
  // Secret values are secrets wherever they appear: an error message that quotes one is redacted too.
  const secrets = processSecrets();
  for (const value of secretValuesOf(params, options.secretPaths)) secrets.add(value);
  const redacted = redactParams(params, {
    recording: options.recordParams ?? recording,
    maxLength: defaults.paramMaxLength,
    secretPaths: options.secretPaths,
  });
  run.setParams(redacted);
  run.telemetry.span?.setAttributes(paramAttributes(redacted));
  const pipeline = { [Attr.PIPELINE_NAME]: options.name };
  const { instruments } = run.telemetry;
  instruments.runActive.add(-1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'pending' });
  instruments.runActive.add(1, { ...pipeline, [Attr.PIPELINE_RUN_STATE]: 'executing' });
  run.flowTransition('Running', now());
  // The first at once: a process killed within its first interval has still said how often to expect it.
  run.heartbeat(heartbeatMs);
  const heartbeat = setInterval(() => run.heartbeat(heartbeatMs), heartbeatMs);
  heartbeat.unref();
  try {
    const scope: Scope = { flowRun: run, taskRun: undefined, attempt: 1, signal: run.signal };
    const body = new Promise((resolve) =>
      resolve(
        scopes.run(scope, () => otelContext.with(run.telemetry.spanContext, fn, undefined, params as never)),
      ),
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
    parentContext = scope.taskRun?.spanContext ?? scope.flowRun.telemetry.spanContext;
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

function recordMetrics(
  run: FlowRun,
  state: State,
  pipeline: Attributes,
  errorType: string | undefined,
  started: number,
  ended: number,
  scheduledAt: number | undefined,
): void {
  const { instruments } = run.telemetry;
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
