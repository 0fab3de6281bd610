import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  metrics,
  type Tracer,
  trace,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { Metric, SCOPE_NAME, SECONDS_BUCKETS } from './keys.ts';
import { getLogger } from './otel-logs.ts';

/** The tracer, logger and metric instruments a flow run writes to. */
export interface Instruments {
  readonly tracer: Tracer;
  readonly logger: Logger;
  readonly runDuration: Histogram;
  readonly runActive: UpDownCounter;
  readonly runErrors: Counter;
  readonly taskDuration: Histogram;
  readonly taskRetries: Counter;
  readonly lateness: Histogram;
  /** False while no meter provider is registered: the hot path then skips building metric attributes. */
  readonly metered: boolean;
}

const VERSION = '0.1.0';
type Meters = Omit<Instruments, 'tracer' | 'logger' | 'metered'>;
let cached: { provider: unknown; meters: Meters; metered: boolean } | undefined;

/**
 * Resolved when a flow run starts, not at import: the metrics API has no proxy, so a meter taken at
 * import would stay a no-op if the application starts its SDK afterwards. Instruments are cached per
 * meter provider, so the lookup is cheap while nothing changes.
 */
export function resolveInstruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cached?.provider !== provider) {
    const meter = provider.getMeter(SCOPE_NAME, VERSION);
    // The no-op provider hands out the API's one no-op meter.
    cached = { provider, meters: createMeters(meter), metered: meter !== createNoopMeter() };
  }
  // Tracer and logger are looked up every time: cheap, and right after a test or an app swaps providers.
  return {
    tracer: trace.getTracer(SCOPE_NAME, VERSION),
    logger: getLogger(SCOPE_NAME, VERSION),
    ...cached.meters,
    metered: cached.metered,
  };
}

function createMeters(meter: Meter): Meters {
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] } };
  return {
    runDuration: meter.createHistogram(Metric.RUN_DURATION, {
      ...seconds,
      description: 'Duration of flow runs',
    }),
    runActive: meter.createUpDownCounter(Metric.RUN_ACTIVE, {
      unit: '{run}',
      description: 'Flow runs in progress, by state',
    }),
    runErrors: meter.createCounter(Metric.RUN_ERRORS, {
      unit: '{error}',
      description: 'Flow runs that ended in an error',
    }),
    taskDuration: meter.createHistogram(Metric.TASK_DURATION, {
      ...seconds,
      description: 'Duration of task runs',
    }),
    taskRetries: meter.createCounter(Metric.TASK_RETRIES, {
      unit: '{retry}',
      description: 'Task attempts that were retried',
    }),
    lateness: meter.createHistogram(Metric.FLOW_LATENESS, {
      ...seconds,
      description: 'How late scheduled flow runs started',
    }),
  };
}
