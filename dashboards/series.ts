/**
 * The series `flowtel serve` exposes at `GET /metrics`, as data: the table of the metric-names brief, fixed
 * for this round. The dashboards are built only on these (a test checks every name and label they use),
 * and serve's metrics code is tested against the same table, so the two cannot drift apart.
 *
 * Names follow OpenTelemetry's Prometheus translation of DESIGN.md's metrics (dots become underscores,
 * the unit adds `_seconds`, counters end in `_total`), so the dashboards also work on metrics a Collector
 * or Prometheus's OTLP receiver converts.
 */

/** Run and task results, as `cicd.pipeline.result` and `cicd.pipeline.task.run.result` carry them. */
export const RESULTS = ['success', 'failure', 'error', 'timeout', 'cancellation', 'skip'] as const;

/** The results that count as a failed run: Failed, Crashed and TimedOut (DESIGN.md's states table). */
export const FAILED_RESULTS = ['failure', 'error', 'timeout'] as const;

export type SeriesType = 'counter' | 'gauge' | 'histogram';

export interface SeriesSpec {
  readonly type: SeriesType;
  readonly labels: readonly string[];
  /** The values a label takes, for the labels whose values are a closed set. */
  readonly values?: Readonly<Record<string, readonly string[]>>;
}

export const SERIES = {
  cicd_pipeline_run_duration_seconds: {
    type: 'histogram',
    labels: ['cicd_pipeline_name', 'cicd_pipeline_result'],
    values: { cicd_pipeline_result: RESULTS },
  },
  cicd_pipeline_run_active: {
    type: 'gauge',
    labels: ['cicd_pipeline_name', 'cicd_pipeline_run_state'],
    values: { cicd_pipeline_run_state: ['pending', 'executing'] },
  },
  cicd_pipeline_run_errors_total: { type: 'counter', labels: ['cicd_pipeline_name', 'error_type'] },
  flowtel_task_run_duration_seconds: {
    type: 'histogram',
    labels: ['cicd_pipeline_name', 'cicd_pipeline_task_name', 'cicd_pipeline_task_run_result'],
    values: { cicd_pipeline_task_run_result: RESULTS },
  },
  flowtel_task_run_retries_total: {
    type: 'counter',
    labels: ['cicd_pipeline_name', 'cicd_pipeline_task_name'],
  },
  flowtel_flow_run_lateness_seconds: { type: 'histogram', labels: ['cicd_pipeline_name'] },
  flowtel_flow_runs_scheduled_total: {
    type: 'counter',
    labels: ['cicd_pipeline_name', 'flowtel_outcome'],
    values: { flowtel_outcome: ['launched', 'skipped', 'missed'] },
  },
  flowtel_alert_notifications_total: {
    type: 'counter',
    labels: ['flowtel_channel', 'flowtel_rule', 'flowtel_outcome'],
    values: { flowtel_outcome: ['sent', 'failed', 'dropped'] },
  },
  flowtel_alerts_firing: { type: 'gauge', labels: ['flowtel_rule', 'severity'] },
  flowtel_outbox_depth: { type: 'gauge', labels: [] },
  flowtel_outbox_oldest_age_seconds: { type: 'gauge', labels: [] },
  flowtel_serve_evaluation_lag_seconds: { type: 'gauge', labels: [] },
  flowtel_serve_received_total: {
    type: 'counter',
    labels: ['signal', 'item'],
    values: { signal: ['traces', 'logs', 'metrics'], item: ['spans', 'log_records', 'data_points'] },
  },
  flowtel_serve_rejected_total: {
    type: 'counter',
    labels: ['signal', 'reason'],
    // `unknown`: a request refused before its path said which signal it carries.
    values: { signal: ['traces', 'logs', 'metrics', 'unknown'] },
  },
  flowtel_serve_runs_in_flight: { type: 'gauge', labels: [] },
  flowtel_serve_up: { type: 'gauge', labels: [] },
} as const satisfies Record<string, SeriesSpec>;

export type SeriesName = keyof typeof SERIES;

/** prom-client's default process metrics, exposed beside flowtel's own: any name with these prefixes. */
export const PROCESS_METRIC_PREFIXES = ['process_', 'nodejs_'] as const;

/** The label Prometheus's histograms add to their `_bucket` samples. */
export const BUCKET_LABEL = 'le';

/** The sample names a series exposes: a histogram's `_bucket`, `_sum` and `_count`, else its own name. */
export function sampleNames(name: SeriesName): readonly string[] {
  return SERIES[name].type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** The series a sample name belongs to (`…_bucket` → its histogram), or undefined when it is none of them. */
export function seriesOfSample(sample: string): SeriesName | undefined {
  for (const name of Object.keys(SERIES) as SeriesName[]) {
    if (sampleNames(name).includes(sample)) return name;
  }
  return undefined;
}

/** The scrape job of serve in deploy/prometheus.yml; serve's API port, where `/metrics` is. */
export const SCRAPE_JOB = 'flowtel-serve';
export const SERVE_API_PORT = 4100;
