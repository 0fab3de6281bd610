/** Serve's Prometheus metrics (`GET /metrics`): what `src/cli/serve` wires and the dashboards read. */
export { countDeliveriesIn } from './delivery.ts';
export { Label, SERIES, Series, type SeriesName, type SeriesSpec } from './series.ts';
export {
  createServeMetrics,
  type FiringCount,
  type OtlpItem,
  type OtlpSignal,
  type ScheduleOutcome,
  type ServeHealth,
  type ServeMetrics,
  type ServeMetricsOptions,
} from './serve-metrics.ts';
