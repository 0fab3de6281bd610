import { FlowRunError, OptionsError } from '../errors.ts';
import { FLOW_BRAND } from './brand.ts';
import { activeScope } from './context.ts';
import { type FlowOptions, type ResolvedFlowOptions, resolveFlowOptions } from './flow-options.ts';
import type { InferInput, InferOutput, StandardSchema } from './params.ts';
import { type RunOptions, runFlow } from './run-flow.ts';
import type { FlowRunRecord } from './run-record.ts';
import { registerFlowSchedules } from './schedules.ts';

/**
 * A flow: call it for its result (or a `FlowRunError`), or `.run()` it for the run record (never throws).
 * Called inside another flow it is a subflow, a child span in the same trace.
 */
export interface Flow<Params, Result> {
  (params: Params, options?: RunOptions): Promise<Result>;
  run(params: Params, options?: RunOptions): Promise<FlowRunRecord<Result>>;
  readonly flowName: string;
  readonly options: ResolvedFlowOptions;
  readonly [FLOW_BRAND]: true;
}

export function flow<S extends StandardSchema, Result>(
  options: FlowOptions<S> & { readonly params: S },
  fn: (params: InferOutput<S>) => Result,
): Flow<InferInput<S>, Awaited<Result>>;
export function flow<Params = void, Result = unknown>(
  options: FlowOptions<undefined>,
  fn: (params: Params) => Result,
): Flow<Params, Awaited<Result>>;
export function flow(options: FlowOptions, fn: (params: never) => unknown): Flow<unknown, unknown> {
  const resolved = resolveFlowOptions(options);
  if (typeof fn !== 'function')
    throw new OptionsError(`flow '${resolved.name}': the second argument must be a function`);
  // Registered only once the definition is known to be good: a flow that failed to define never runs.
  if (resolved.schedules.length > 0) registerFlowSchedules(resolved.name, resolved.schedules);
  const run = (params: unknown, runOptions?: RunOptions) => runFlow(resolved, fn, params, runOptions);
  const call = async (params: unknown, runOptions?: RunOptions) => {
    const record = await run(params, runOptions);
    if (record.state.type === 'COMPLETED') return record.result;
    const error = new FlowRunError(resolved.name, record.flowRunId, record.state, record.error);
    // A subflow's failure is already recorded on its own spans: the caller's span must not repeat it.
    const caller = activeScope()?.flowRun.telemetry;
    if (caller?.wasRecorded(record.error)) caller.markRecorded(error);
    throw error;
  };
  Object.defineProperty(call, 'name', { value: resolved.name });
  Object.defineProperties(call, {
    run: { value: run, enumerable: true },
    flowName: { value: resolved.name, enumerable: true },
    options: { value: resolved, enumerable: true },
    [FLOW_BRAND]: { value: true },
  });
  return call as unknown as Flow<unknown, unknown>;
}
