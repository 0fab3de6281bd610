import type { Providers } from './providers.ts';

export interface ShutdownReport {
  /** Everything queued reached the backend before the deadline (no drop, no failed export). */
  flushed: boolean;
  /** Spans never exported, whatever the reason, since telemetry was set up. */
  droppedSpans: number;
}

/** What the metrics' final export gets of the deadline, at most: spans and logs go first. */
const METRICS_SHARE = 0.25;
const METRICS_MAX_MS = 500;

/**
 * Flushes spans and log records, then metrics (so the final count of dropped spans is in them), each
 * part raced against its share of the deadline. At the deadline whatever is still pending is given up,
 * counted and its connections closed: a hanging or refusing backend delays the exit by the deadline,
 * never more, and leaves no socket or timer behind to keep the process alive.
 */
export async function shutdownProviders(providers: Providers, deadlineMs: number): Promise<ShutdownReport> {
  const { spans, logGuard, metricGuard, connections } = providers;
  const started = Date.now();
  const metricsMs = metricGuard ? Math.min(METRICS_MAX_MS, deadlineMs * METRICS_SHARE) : 0;

  const first = await within(
    allSucceed([providers.tracerProvider.shutdown(), providers.loggerProvider.shutdown()]),
    deadlineMs - metricsMs,
  );
  spans?.close();
  logGuard?.close();
  const second = await within(providers.meterProvider.shutdown(), deadlineMs - (Date.now() - started));
  metricGuard?.close();
  await connections.close();

  const droppedSpans = spans?.drops.total ?? 0;
  const summary = spans?.drops.summary();
  if (summary) process.stderr.write(`${summary}\n`);
  const exportsOk = !logGuard?.lastFailed && !metricGuard?.lastFailed && (spans?.healthy ?? true);
  return { flushed: first && second && exportsOk && droppedSpans === 0, droppedSpans };
}

/**
 * Flushes the providers of the user's own SDK set-up (a proxy is followed to its delegate; what has no
 * `forceFlush`, a no-op provider, is passed over) within `deadlineMs`: true when all of them flushed.
 */
export async function flushUserProviders(
  providers: readonly unknown[],
  deadlineMs: number,
): Promise<boolean> {
  const flushes = [...new Set(providers.map(delegateOf))].flatMap((provider) => {
    const flush = (provider as { forceFlush?: () => Promise<unknown> } | undefined)?.forceFlush;
    return typeof flush === 'function' ? [flush.call(provider)] : [];
  });
  return flushes.length === 0 || within(allSucceed(flushes), deadlineMs);
}

function delegateOf(provider: unknown): unknown {
  const proxy = provider as { getDelegate?: () => unknown } | undefined;
  return typeof proxy?.getDelegate === 'function' ? proxy.getDelegate() : provider;
}

/**
 * Whether `work` succeeded within `ms`. Its rejection is absorbed here (an export that failed is already
 * counted); the timer is not unref'd on purpose: it keeps the process alive while flushing, and no longer.
 */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

/** Settles when all have (one failing must not cut the others' flush short); rejects if any failed. */
async function allSucceed(work: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  if (results.some((result) => result.status === 'rejected')) throw new Error('a flush failed');
}
