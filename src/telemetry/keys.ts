/**
 * Every attribute, event, metric and instrumentation-scope name flowtel puts on the wire, in one place.
 * Where OpenTelemetry's semantic conventions define a key (`cicd.*`, `error.type`, `service.*`) we use
 * it and do not duplicate it under `flowtel.*`.
 */
export const SCOPE_NAME = 'flowtel';

export const Attr = {
  // OpenTelemetry semantic conventions (CI/CD, errors, services)
  PIPELINE_NAME: 'cicd.pipeline.name',
  PIPELINE_RUN_ID: 'cicd.pipeline.run.id',
  PIPELINE_RESULT: 'cicd.pipeline.result',
  PIPELINE_RUN_STATE: 'cicd.pipeline.run.state',
  TASK_NAME: 'cicd.pipeline.task.name',
  TASK_RUN_ID: 'cicd.pipeline.task.run.id',
  TASK_RUN_RESULT: 'cicd.pipeline.task.run.result',
  ERROR_TYPE: 'error.type',
  // flowtel's own, for what the conventions lack
  FLOW_TAGS: 'flowtel.flow.tags',
  FLOW_SCHEDULED_TIME: 'flowtel.flow.scheduled_time',
  FLOW_LATENESS_MS: 'flowtel.flow.lateness_ms',
  FLOW_PARENT_RUN_ID: 'flowtel.flow.parent_run_id',
  PARAMETER_PREFIX: 'flowtel.parameter.',
  TASK_ATTEMPTS: 'flowtel.task.attempts',
  TASKS_UNTRACED: 'flowtel.tasks.untraced',
  ATTEMPT: 'flowtel.attempt',
  STATE_TYPE: 'flowtel.state.type',
  STATE_NAME: 'flowtel.state.name',
  STATE_MESSAGE: 'flowtel.state.message',
  SEQ: 'flowtel.seq',
  /** On heartbeat records: how often the run sends them, so a watcher knows when one is overdue. */
  HEARTBEAT_INTERVAL_MS: 'flowtel.heartbeat.interval_ms',
  CHANNEL: 'flowtel.channel',
  RULE: 'flowtel.rule',
  OUTCOME: 'flowtel.outcome',
  // transition-record fields carried on log records that the conventions have no key for
  ERROR_MESSAGE: 'flowtel.error.message',
  STARTED_AT: 'flowtel.started_at',
} as const;

export const EventName = {
  STATE: 'flowtel.state',
  HEARTBEAT: 'flowtel.heartbeat',
  LOG: 'flowtel.log',
} as const;

export const SpanName = {
  flow: (name: string) => `flow ${name}`,
  task: (name: string) => `task ${name}`,
  attempt: (name: string) => `attempt ${name}`,
} as const;

export const Metric = {
  RUN_DURATION: 'cicd.pipeline.run.duration',
  RUN_ACTIVE: 'cicd.pipeline.run.active',
  RUN_ERRORS: 'cicd.pipeline.run.errors',
  TASK_DURATION: 'flowtel.task.run.duration',
  TASK_RETRIES: 'flowtel.task.run.retries',
  FLOW_LATENESS: 'flowtel.flow.run.lateness',
  ALERT_NOTIFICATIONS: 'flowtel.alert.notifications',
  SPANS_DROPPED: 'flowtel.telemetry.spans.dropped',
} as const;

/** Histogram bucket boundaries in seconds: from 5 ms to 6 h, for tasks and flows alike. */
export const SECONDS_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600,
] as const;
