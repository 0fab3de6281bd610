/**
 * Epoch milliseconds read from the monotonic clock, the same clock the OpenTelemetry SDK times spans
 * with: one cheap read gives a timestamp and durations, and times flowtel passes to spans and events
 * never fall before the SDK's own start times (as `Date.now()`, a different clock, can).
 */
const origin = performance.timeOrigin;

export function now(): number {
  return origin + performance.now();
}
