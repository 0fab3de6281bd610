import { hub } from '../../src/runtime/hub.ts';

/**
 * Takes away the backpressure that `setupTelemetry()` put on task runs, so that a test can show what a
 * burst does without it (the export queue overflows and spans are dropped). Call it after the set-up;
 * the shutdown puts nothing back, and the next set-up installs its own.
 */
export function disableBackpressure(): void {
  hub.backpressure = undefined;
}
