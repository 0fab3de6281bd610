/** The JSON the run UI reads from serve's API (README "Serve's HTTP API" and the run UI contract). */

export type StateType =
  | 'SCHEDULED'
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'CRASHED';
export type StateName =
  | 'Scheduled'
  | 'Late'
  | 'AwaitingRetry'
  | 'Pending'
  | 'Running'
  | 'Retrying'
  | 'Completed'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelled'
  | 'Crashed';

export interface StateRef {
  type: StateType;
  name: StateName;
}
export interface RunState extends StateRef {
  at: string;
  message?: string;
}
export interface ErrorInfo {
  type: string;
  message: string;
}

export interface RunSummary {
  id: string;
  flow: string;
  state: RunState;
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  traceId: string | null;
  traceUrl: string | null;
  source: 'schedule' | 'otlp' | 'api';
  tags: string[];
  error?: ErrorInfo;
}

export interface TaskRunView {
  id: string;
  task: string;
  state: RunState;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  error?: ErrorInfo;
}

export interface Transition {
  seq: number;
  at: string;
  task?: string;
  taskRunId?: string;
  attempt: number;
  state: StateRef;
  message?: string;
  error?: ErrorInfo;
}

export interface RunDetail extends RunSummary {
  params: Record<string, unknown>;
  parentRunId: string | null;
  taskRuns: TaskRunView[];
  transitions: Transition[];
}

export interface RunPage {
  runs: RunSummary[];
  nextCursor: string | null;
}

export interface FlowHealth {
  failingSince: string | null;
  streak: number;
  lastSuccessAt: string | null;
  late: string[];
  stuck: string[];
}

export interface FlowView {
  name: string;
  description: string | null;
  tags: string[];
  schedules: { id: string; description: string; nextAt: string | null }[];
  running: number;
  missedSlots: number;
  lastRun: RunSummary | null;
  runnable: boolean;
  /** Added by the run UI contract; absent from an older serve. */
  health?: FlowHealth;
}

export interface AlertView {
  id: string;
  fingerprint: string;
  rule: string;
  status: 'firing' | 'resolved';
  severity: string;
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  acknowledged: boolean;
  facts: { flow?: string; flowRunId?: string; task?: string };
}

export interface AlertEvent {
  id: number;
  at: string;
  fingerprint: string;
  rule: string;
  flow: string | null;
  runId: string | null;
  kind: 'firing' | 'repeat' | 'resolved' | 'acknowledged';
  severity: string | null;
  summary: string;
}

export interface Silence {
  id: string;
  matchers: { rule?: string; flow?: string; labels?: Record<string, string> };
  startsAt?: string;
  endsAt: string;
  createdBy?: string;
  comment?: string;
}

export interface StatsCell {
  count: number;
  avgMs: number | null;
  maxMs: number | null;
}
export interface RunStats {
  since: string;
  until: string;
  bucketMs: number;
  buckets: { start: string; states: Partial<Record<StateType, StatsCell>> }[];
}

export interface TimelineTaskRun {
  id: string;
  task: number;
  state: StateRef;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  error?: ErrorInfo;
}
export interface Timeline {
  runId: string;
  startedAt: string | null;
  endedAt: string | null;
  tasks: string[];
  taskRuns: TimelineTaskRun[];
  truncated: number;
}

export interface GridRun {
  id: string;
  state: RunState;
  startedAt: string | null;
  scheduledAt: string | null;
  durationMs: number | null;
  cells: string;
}
export interface Grid {
  flow: string;
  tasks: string[];
  runs: GridRun[];
  nextCursor: string | null;
}

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export interface LogRecord {
  seq: number;
  at: string;
  level: LogLevel;
  body: string;
  task: string | null;
  taskRunId: string | null;
  attempt: number | null;
  attributes: Record<string, string | number | boolean>;
}
export interface LogPage {
  logs: LogRecord[];
  nextCursor: string | null;
  dropped: number;
}

export type LiveEvent =
  | { type: 'run'; run: RunSummary }
  | {
      type: 'task';
      runId: string;
      flow: string;
      task: string;
      taskRunId: string;
      state: StateRef;
      attempts: number;
      startedAt: string | null;
      endedAt: string | null;
    }
  | { type: 'alert'; event: AlertEvent }
  | { type: 'flows' };
