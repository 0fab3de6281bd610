import { globalSingleton } from './global-singleton.ts';
import type { TransitionRecord } from './transition.ts';

/** Receives every transition record, synchronously, in the order they happen. Must not throw. */
export type TransitionListener = (record: TransitionRecord) => void;

/**
 * The process-wide meeting point of flowtel copies. A CLI and the user's project may load two copies of
 * this package; both find the same hub on `globalThis` under a `Symbol.for` key, so the CLI's rules
 * engine sees the transitions of flows defined with the user's copy.
 */
interface Hub {
  readonly listeners: TransitionListener[];
  /**
   * Set by the SDK set-up (`flowtel/otel`) when the span export queue is filling: the runtime awaits it
   * before starting the next task run, so exports drain instead of spans being dropped.
   */
  backpressure: (() => Promise<void> | undefined) | undefined;
}

export const hub: Hub = globalSingleton('flowtel.hub.v1', () => ({ listeners: [], backpressure: undefined }));

/** Subscribes to every transition record of this process; returns the function that unsubscribes. */
export function onTransition(listener: TransitionListener): () => void {
  hub.listeners.push(listener);
  return () => {
    const at = hub.listeners.indexOf(listener);
    if (at >= 0) hub.listeners.splice(at, 1);
  };
}

export function hasListeners(): boolean {
  return hub.listeners.length > 0;
}

export function emitTransition(record: TransitionRecord): void {
  for (const listener of hub.listeners) {
    try {
      listener(record);
    } catch {
      // A broken observer must never break the user's run; observers report their own errors.
    }
  }
}
