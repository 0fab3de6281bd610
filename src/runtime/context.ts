import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { FlowRun } from './flow-run.ts';
import { globalSingleton } from './global-singleton.ts';

/**
 * What the code of a run sees of it. Held in an AsyncLocalStorage of our own, not in the OpenTelemetry
 * context: the API's context is a no-op until an SDK registers a context manager, and `currentRun()`
 * must work without one.
 */
export interface Scope {
  readonly flowRun: FlowRun;
  readonly taskRun: TaskScope | undefined;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** What the code of a task run (and runs it starts) sees of that task run. */
export interface TaskScope {
  readonly name: string;
  readonly id: string;
  /** Its span's context, when it is traced: subflows and run logs started inside it go under it. */
  readonly spanContext: Context | undefined;
}

// One storage per process, shared by every copy of flowtel, so a task from one copy called inside a flow
// from another still finds its flow run.
export const scopes: AsyncLocalStorage<Scope> = globalSingleton(
  // v2: the flow run a scope holds has methods instead of fields (`taskStarted`, `telemetry`, ...); a
  // task of a copy built against v1 must not report to it.
  'flowtel.scope.v2',
  () => new AsyncLocalStorage<Scope>(),
);

export function activeScope(): Scope | undefined {
  return scopes.getStore();
}
