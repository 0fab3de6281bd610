import { context as otelContext, trace } from '@opentelemetry/api';
import { OptionsError } from '../errors.ts';
import { resolveInstruments } from '../telemetry/instruments.ts';
import { TASK_BRAND } from './brand.ts';
import { activeScope, type Scope } from './context.ts';
import { FlowRun } from './flow-run.ts';
import { hub } from './hub.ts';
import { TaskDefinition } from './task-definition.ts';
import type { TaskOptions } from './task-options.ts';
import { TaskRun } from './task-run.ts';

/** A wrapped function: same parameters, returns a Promise of the same result, runs as a task run. */
export type Task<Args extends unknown[], Result> = ((...args: Args) => Promise<Awaited<Result>>) & {
  readonly taskName: string;
  readonly [TASK_BRAND]: true;
};

/**
 * Wraps a function as a task. Each call is a task run: states, retries, timeout and concurrency as the
 * options say, traced as a child of the flow run (or of whatever span is active) that called it.
 * Inferred from the whole function type: inferring a parameter tuple instead leaves a parameter typed
 * by its default value (`limit = 10`) as `unknown`.
 */
export function task<Fn extends (...args: never[]) => unknown>(
  name: string,
  fn: Fn,
  options: TaskOptions = {},
): Task<Parameters<Fn>, ReturnType<Fn>> {
  if (typeof name !== 'string' || name === '') throw new OptionsError('task name must be a non-empty string');
  if (typeof fn !== 'function')
    throw new OptionsError(`task '${name}': the second argument must be a function`);
  const def = new TaskDefinition(name, fn as unknown as (...args: unknown[]) => unknown, options);
  const run = (...args: unknown[]) => runTask(def, args);
  Object.defineProperty(run, 'name', { value: name });
  Object.defineProperty(run, 'taskName', { value: name, enumerable: true });
  Object.defineProperty(run, TASK_BRAND, { value: true });
  return run as unknown as Task<Parameters<Fn>, ReturnType<Fn>>;
}

function runTask(def: TaskDefinition, args: unknown[]): Promise<unknown> {
  const scope = activeScope();
  const flowRun = scope?.flowRun ?? standaloneHolder();
  const traced = flowRun.telemetry.takeTaskSpan();
  // Backpressure from the SDK set-up: a run that will end a span waits while the span export queue
  // drains. One that will not (its flow run untraced, or past the span budget) adds nothing to the queue,
  // so it never waits for it.
  const gate = traced ? hub.backpressure?.() : undefined;
  if (gate) return gate.then(() => startTask(def, args, scope, flowRun, traced));
  return startTask(def, args, scope, flowRun, traced);
}

function startTask(
  def: TaskDefinition,
  args: unknown[],
  scope: Scope | undefined,
  flowRun: FlowRun,
  traced: boolean,
): Promise<unknown> {
  const { telemetry } = flowRun;
  // Parent: the active span; without a context manager, the span of the run that called us. A flow run
  // that is not traced needs no parent for spans it will not make.
  let parent = telemetry.spanContext;
  if (telemetry.tracing) {
    parent = otelContext.active();
    if (scope && !trace.getSpan(parent)) parent = scope.taskRun?.spanContext ?? telemetry.spanContext;
  }
  return new TaskRun(def, flowRun, parent, traced).execute(args);
}

/** A task called outside any flow runs on its own: no flow span, no flow states, its own signal. */
function standaloneHolder(): FlowRun {
  return new FlowRun({
    name: undefined,
    id: undefined,
    parent: undefined,
    tags: [],
    instruments: resolveInstruments(),
    scheduledAt: undefined,
    keepAllTaskRuns: false,
    maxTaskSpans: 0,
    abortGraceMs: 0,
  });
}
