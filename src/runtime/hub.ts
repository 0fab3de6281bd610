import { globalSingleton } from './global-singleton.ts';
import type { ObservedTransition, TransitionRecord } from './transition.ts';
import { observedTransition } from './transition-record.ts';

/**
 * Receives every transition record, synchronously, in the order they happen. Must not throw. A record
 * makes its costly fields when they are read: a listener pays only for what it reads.
 */
export type TransitionListener = (record: ObservedTransition) => void;

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

// v2: listeners receive `ObservedTransition`s (lazy, with `atMs` and `taskRunNumber`); a copy that hands
// out plain v1 records must not meet a copy whose listeners read those.
export const hub: Hub = globalSingleton('flowtel.hub.v2', () => ({ listeners: [], backpressure: undefined }));

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

/**
 * Hands a record to every listener. The runtime's records are `ObservedTransition`s already; one made
 * elsewhere (a test, a recorded file) gets the readings they add.
 */
export function emitTransition(record: TransitionRecord | ObservedTransition): void {
  const observed = 'atMs' in record ? record : observedTransition(record);
  for (const listener of hub.listeners) {
    try {
      listener(observed);
    } catch {
      // A broken observer must never break the user's run; observers report their own errors.
    }
  }
}
