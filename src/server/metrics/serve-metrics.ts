import type * as Prom from 'prom-client';
import { type Clock, systemClock } from '../../clock.ts';
import type { DeliveryOutcome } from '../../notify/metrics.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { SECONDS_BUCKETS } from '../../telemetry/keys.ts';
import { FlowRunTracker } from './flow-runs.ts';
import type { RunEvents } from './run-events.ts';
import { SERIES, Series, type SeriesName } from './series.ts';
import { SeriesBudget } from './series-budget.ts';
import { TaskRunTracker } from './task-runs.ts';

export interface ServeMetricsOptions {
  /** Distinct label sets across all series; updates past it are dropped and counted. @default 10_000 */
  readonly maxSeries?: number;
  /** Flow runs and task runs remembered at once (each), for the active gauge and durations. @default 100_000 */
  readonly maxRuns?: number;
  /** How long a task's end waits for its start to arrive (see `TaskRunTracker`). @default 60_000 */
  readonly taskSettleMs?: number;
  /** prom-client's `process_*` and `nodejs_*` metrics. @default true */
  readonly processMetrics?: boolean;
  /** @default systemClock */
  readonly clock?: Clock;
}

const defaults = {
  maxSeries: 10_000,
  maxRuns: 100_000,
  taskSettleMs: 60_000,
  processMetrics: true,
  clock: systemClock,
} satisfies Required<ServeMetricsOptions>;

export type ScheduleOutcome = 'launched' | 'skipped' | 'missed';
export type OtlpSignal = 'traces' | 'logs' | 'metrics';
export type OtlpItem = 'spans' | 'log_records' | 'data_points';

export interface FiringCount {
  readonly rule: string;
  readonly severity: string;
  readonly count: number;
}

/** Serve's own state, as `/healthz` reports it; set whole before each scrape (or as it changes). */
/** How often waiting task ends are settled (see `TaskRunLimits.settleMs`). */
const SETTLE_EVERY_MS = 1_000;

export interface ServeHealth {
  readonly outboxDepth: number;
  /** Null when the outbox is empty. */
  readonly outboxOldestAgeMs: number | null;
  readonly evaluationLagMs: number;
  readonly runsInFlight: number;
  readonly firing: readonly FiringCount[];
}

export interface ServeMetrics {
  /** A transition record, once each (duplicates are dropped upstream), in any order. */
  observe(record: TransitionRecord): void;
  /** A schedule slot: launched, skipped by the overlap policy, or missed while serve was down. */
  /** `n` slots at once (e.g. the slots missed while serve was down). */
  scheduled(flow: string, outcome: ScheduleOutcome, n?: number): void;
  /** A notification × channel whose fate is known (see `countDeliveriesIn`). */
  notification(channel: string, rule: string, outcome: DeliveryOutcome): void;
  setHealth(health: ServeHealth): void;
  received(signal: OtlpSignal, item: OtlpItem, n: number): void;
  /** `signal` is `unknown` for a request refused before its path was read. */
  rejected(signal: OtlpSignal | 'unknown', reason: string, n: number): void;
  /** The Prometheus text exposition of every series, for `GET /metrics`. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * The metrics of `flowtel serve`, counted in the one long-lived process so `increase()` and `rate()`
 * work (counters of short `flowtel run` processes appear once each). prom-client is loaded here, when
 * serve starts, and nowhere else; its registry is private, not prom-client's global one.
 */
export async function createServeMetrics(options: ServeMetricsOptions = {}): Promise<ServeMetrics> {
  const settings = { ...defaults, ...options };
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const made = makeSeries(prom, registry);
  const dropped = made.counter(Series.SERIES_DROPPED);
  const budget = new SeriesBudget(settings.maxSeries, () => dropped.inc());
  const inc = (name: SeriesName, values: string[], n = 1) => {
    if (budget.admit(name, values))
      made
        .counter(name)
        .labels(...values)
        .inc(n);
  };
  const observe = (name: SeriesName, values: string[], seconds: number) => {
    if (budget.admit(name, values))
      made
        .histogram(name)
        .labels(...values)
        .observe(seconds);
  };
  const gauge = (name: SeriesName, values: string[], value: number, change: 'set' | 'inc') => {
    if (!budget.admit(name, values)) return;
    const child = made.gauge(name).labels(...values);
    if (change === 'set') child.set(value);
    else child.inc(value);
  };

  const events: RunEvents = {
    active: (flow, phase, delta) => gauge(Series.RUN_ACTIVE, [flow, phase], delta, 'inc'),
    runEnded: (flow, result, seconds) => observe(Series.RUN_DURATION, [flow, result], seconds),
    runError: (flow, errorType) => inc(Series.RUN_ERRORS, [flow, errorType]),
    late: (flow, seconds) => observe(Series.FLOW_LATENESS, [flow], seconds),
    taskEnded: (flow, task, result, seconds) => observe(Series.TASK_DURATION, [flow, task, result], seconds),
    taskRetried: (flow, task) => inc(Series.TASK_RETRIES, [flow, task]),
  };
  const flows = new FlowRunTracker(events, settings.maxRuns);
  const tasks = new TaskRunTracker(events, settings.clock, (id) => flows.startOf(id), {
    maxTaskRuns: settings.maxRuns,
    settleMs: settings.taskSettleMs,
  });
  // Rules and severities seen firing stay at 0 once resolved, so a graph shows the resolve.
  const firingSeen = new Map<string, [string, string]>();

  if (settings.processMetrics) prom.collectDefaultMetrics({ register: registry });
  made.gauge(Series.UP).set(1);

  // Ends waiting for their start are settled at most once a second of serve's clock: settling looks at
  // the oldest waiting end, and doing that for every record cost as much as counting it.
  let settledAt = Number.NEGATIVE_INFINITY;
  const settleSometimes = () => {
    const now = settings.clock.now();
    if (now - settledAt < SETTLE_EVERY_MS) return;
    settledAt = now;
    tasks.settle();
  };

  return {
    observe(record) {
      if (record.task === undefined) flows.observe(record);
      else tasks.observe(record);
      settleSometimes();
    },
    scheduled: (flow, outcome, n = 1) => inc(Series.RUNS_SCHEDULED, [flow, outcome], n),
    notification: (channel, rule, outcome) => inc(Series.ALERT_NOTIFICATIONS, [channel, rule, outcome]),
    setHealth(health) {
      made.gauge(Series.OUTBOX_DEPTH).set(health.outboxDepth);
      made.gauge(Series.OUTBOX_OLDEST_AGE).set((health.outboxOldestAgeMs ?? 0) / 1000);
      made.gauge(Series.EVALUATION_LAG).set(health.evaluationLagMs / 1000);
      made.gauge(Series.RUNS_IN_FLIGHT).set(health.runsInFlight);
      const firing = new Map<string, number>();
      for (const { rule, severity, count } of health.firing) {
        const key = JSON.stringify([rule, severity]);
        firing.set(key, (firing.get(key) ?? 0) + count);
        firingSeen.set(key, [rule, severity]);
      }
      for (const [key, labels] of firingSeen)
        gauge(Series.ALERTS_FIRING, labels, firing.get(key) ?? 0, 'set');
    },
    received: (signal, item, n) => inc(Series.RECEIVED, [signal, item], count(n)),
    rejected: (signal, reason, n) => inc(Series.REJECTED, [signal, reason], count(n)),
    async render() {
      tasks.settle();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function count(n: number): number {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`n must be a non-negative count, got ${n}`);
  return n;
}

type Made = {
  counter(name: SeriesName): Prom.Counter;
  gauge(name: SeriesName): Prom.Gauge;
  histogram(name: SeriesName): Prom.Histogram;
};

/** Every series of `SERIES` in `registry`, looked up by name and type. */
function makeSeries(prom: typeof Prom, registry: Prom.Registry): Made {
  const byName = new Map<string, Prom.Counter | Prom.Gauge | Prom.Histogram>();
  for (const spec of SERIES) {
    const config = { name: spec.name, help: spec.help, labelNames: spec.labels, registers: [registry] };
    const metric =
      spec.type === 'counter'
        ? new prom.Counter(config)
        : spec.type === 'gauge'
          ? new prom.Gauge(config)
          : new prom.Histogram({ ...config, buckets: [...SECONDS_BUCKETS] });
    byName.set(spec.name, metric);
  }
  const lookup = <M>(type: new (...args: never[]) => M, name: SeriesName): M => {
    const metric = byName.get(name);
    if (!(metric instanceof type)) throw new TypeError(`${name} is not a ${type.name} in SERIES`);
    return metric;
  };
  return {
    counter: (name) => lookup(prom.Counter, name),
    gauge: (name) => lookup(prom.Gauge, name),
    histogram: (name) => lookup(prom.Histogram, name),
  };
}
