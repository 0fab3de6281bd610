import { AsyncLocalStorage } from 'node:async_hooks';
import type { FlowRun } from './flow-run.ts';
import { globalSingleton } from './global-singleton.ts';
import type { TaskRun } from './task-run.ts';

/**
 * What the code of a run sees of it. Held in an AsyncLocalStorage of our own, not in the OpenTelemetry
 * context: the API's context is a no-op until an SDK registers a context manager, and `currentRun()`
 * must work without one.
 */
export interface Scope {
  readonly flowRun: FlowRun;
  readonly taskRun: TaskRun | undefined;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

// One storage per process, shared by every copy of flowtel, so a task from one copy called inside a flow
// from another still finds its flow run.
export const scopes: AsyncLocalStorage<Scope> = globalSingleton(
  'flowtel.scope.v1',
  () => new AsyncLocalStorage<Scope>(),
);

export function activeScope(): Scope | undefined {
  return scopes.getStore();
}
