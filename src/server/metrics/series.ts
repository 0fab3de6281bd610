import { Attr, Metric } from '../../telemetry/keys.ts';

/**
 * Every series `flowtel serve` exposes at `GET /metrics`, as data: the registry is built from this list
 * and the dashboards are written against it. Names follow OpenTelemetry's Prometheus translation of the
 * metrics DESIGN.md defines (dots → underscores, `_seconds` for the unit, `_total` on counters), so the
 * dashboards also work on the metrics a Collector converts from `flowtel run` processes.
 */
export interface SeriesSpec {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly labels: readonly string[];
  readonly help: string;
}

/** An OpenTelemetry name as Prometheus spells it: `cicd.pipeline.name` → `cicd_pipeline_name`. */
export function promName(otelName: string): string {
  return otelName.replaceAll('.', '_');
}

export const Label = {
  FLOW: promName(Attr.PIPELINE_NAME),
  RESULT: promName(Attr.PIPELINE_RESULT),
  RUN_STATE: promName(Attr.PIPELINE_RUN_STATE),
  ERROR_TYPE: promName(Attr.ERROR_TYPE),
  TASK: promName(Attr.TASK_NAME),
  TASK_RESULT: promName(Attr.TASK_RUN_RESULT),
  CHANNEL: promName(Attr.CHANNEL),
  RULE: promName(Attr.RULE),
  OUTCOME: promName(Attr.OUTCOME),
  SEVERITY: 'severity',
  SIGNAL: 'signal',
  ITEM: 'item',
  REASON: 'reason',
} as const;

export const Series = {
  RUN_DURATION: `${promName(Metric.RUN_DURATION)}_seconds`,
  RUN_ACTIVE: promName(Metric.RUN_ACTIVE),
  RUN_ERRORS: `${promName(Metric.RUN_ERRORS)}_total`,
  TASK_DURATION: `${promName(Metric.TASK_DURATION)}_seconds`,
  TASK_RETRIES: `${promName(Metric.TASK_RETRIES)}_total`,
  FLOW_LATENESS: `${promName(Metric.FLOW_LATENESS)}_seconds`,
  RUNS_SCHEDULED: 'flowtel_flow_runs_scheduled_total',
  ALERT_NOTIFICATIONS: `${promName(Metric.ALERT_NOTIFICATIONS)}_total`,
  ALERTS_FIRING: 'flowtel_alerts_firing',
  OUTBOX_DEPTH: 'flowtel_outbox_depth',
  OUTBOX_OLDEST_AGE: 'flowtel_outbox_oldest_age_seconds',
  EVALUATION_LAG: 'flowtel_serve_evaluation_lag_seconds',
  RECEIVED: 'flowtel_serve_received_total',
  REJECTED: 'flowtel_serve_rejected_total',
  RUNS_IN_FLIGHT: 'flowtel_serve_runs_in_flight',
  UP: 'flowtel_serve_up',
  SERIES_DROPPED: 'flowtel_metrics_series_dropped_total',
} as const;
export type SeriesName = (typeof Series)[keyof typeof Series];

const { FLOW, TASK } = Label;

/** The series in the order `/metrics` lists them (prom-client's process metrics follow). */
export const SERIES: readonly SeriesSpec[] = [
  {
    name: Series.RUN_DURATION,
    type: 'histogram',
    labels: [FLOW, Label.RESULT],
    help: 'Duration of flow runs that ended, by result (success, failure, error, timeout, cancellation, skip)',
  },
  {
    name: Series.RUN_ACTIVE,
    type: 'gauge',
    labels: [FLOW, Label.RUN_STATE],
    help: 'Flow runs in progress, by state (pending, executing)',
  },
  {
    name: Series.RUN_ERRORS,
    type: 'counter',
    labels: [FLOW, Label.ERROR_TYPE],
    help: 'Flow runs that ended in an error, by error type',
  },
  {
    name: Series.TASK_DURATION,
    type: 'histogram',
    labels: [FLOW, TASK, Label.TASK_RESULT],
    help: 'Duration of task runs that ended, by result',
  },
  {
    name: Series.TASK_RETRIES,
    type: 'counter',
    labels: [FLOW, TASK],
    help: 'Task attempts after the first',
  },
  {
    name: Series.FLOW_LATENESS,
    type: 'histogram',
    labels: [FLOW],
    help: 'How late scheduled flow runs started: first Running minus scheduled time',
  },
  {
    name: Series.RUNS_SCHEDULED,
    type: 'counter',
    labels: [FLOW, Label.OUTCOME],
    help: 'Schedule slots by outcome (launched, skipped by the overlap policy, missed while serve was down)',
  },
  {
    name: Series.ALERT_NOTIFICATIONS,
    type: 'counter',
    labels: [Label.CHANNEL, Label.RULE, Label.OUTCOME],
    help: 'Alert notifications by channel, rule and outcome (sent, failed after retries, dropped)',
  },
  {
    name: Series.ALERTS_FIRING,
    type: 'gauge',
    labels: [Label.RULE, Label.SEVERITY],
    help: 'Alerts firing now, by rule and severity',
  },
  { name: Series.OUTBOX_DEPTH, type: 'gauge', labels: [], help: 'Notifications waiting in the outbox' },
  {
    name: Series.OUTBOX_OLDEST_AGE,
    type: 'gauge',
    labels: [],
    help: 'Age of the oldest notification waiting in the outbox (0 when it is empty)',
  },
  {
    name: Series.EVALUATION_LAG,
    type: 'gauge',
    labels: [],
    help: 'From receiving a transition to the rules engine having evaluated it (latest)',
  },
  {
    name: Series.RECEIVED,
    type: 'counter',
    labels: [Label.SIGNAL, Label.ITEM],
    help: 'OTLP items received, by signal (traces, logs, metrics) and item (spans, log_records, data_points)',
  },
  {
    name: Series.REJECTED,
    type: 'counter',
    labels: [Label.SIGNAL, Label.REASON],
    help: 'OTLP items or requests rejected, by signal and reason',
  },
  { name: Series.RUNS_IN_FLIGHT, type: 'gauge', labels: [], help: 'Flow runs serve knows to be in progress' },
  { name: Series.UP, type: 'gauge', labels: [], help: '1 while serve is up' },
  {
    name: Series.SERIES_DROPPED,
    type: 'counter',
    labels: [],
    help: 'Updates dropped because they would have made a label set past the series limit',
  },
];
