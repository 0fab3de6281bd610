import { CancelledError, TimeoutError } from '../errors.ts';
import type { ResolvedFlowOptions } from './flow-options.ts';
import type { FlowRun } from './flow-run.ts';

/** Aborts the run with the right reason when its parent aborts, its caller cancels, or it times out. */
export function linkSignals(
  run: FlowRun,
  parent: FlowRun | undefined,
  signal: AbortSignal | undefined,
  options: ResolvedFlowOptions,
): () => void {
  const undo: Array<() => void> = [];
  const follow = (source: AbortSignal, reason: () => unknown) => {
    const onAbort = () => run.abort(reason());
    if (source.aborted) return onAbort();
    source.addEventListener('abort', onAbort, { once: true });
    undo.push(() => source.removeEventListener('abort', onAbort));
  };
  // Stopped because its parent failed or timed out: the subflow itself is Cancelled, as its tasks are.
  // Through the parent's fan-out, as its task runs do: a parent may run thousands of subflows at once.
  if (parent) {
    const stop = () =>
      run.abort(
        new CancelledError(`flow run '${options.name}' was stopped with its parent flow run`, {
          cause: parent.signal.reason,
        }),
      );
    if (parent.signal.aborted) stop();
    else undo.push(parent.aborts.listen(stop));
  }
  if (signal)
    follow(
      signal,
      () => new CancelledError(`flow run '${options.name}' was cancelled`, { cause: signal.reason }),
    );
  if (options.timeoutMs !== undefined) {
    const timeoutMs = options.timeoutMs;
    const timer = setTimeout(
      () => run.abort(new TimeoutError(`flow '${options.name}'`, timeoutMs)),
      timeoutMs,
    );
    undo.push(() => clearTimeout(timer));
  }
  return () => {
    for (const step of undo) step();
  };
}
