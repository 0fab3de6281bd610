/**
 * Run states as data. A state is `{ type, name, at, message? }`: `type` is one of seven kinds that
 * decide behaviour, `name` the sub-state users see. "What comes next" lives in pure functions here, so
 * tests can ask them without a clock, a tracer or a network.
 */
export const StateType = {
  SCHEDULED: 'SCHEDULED',
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
  CRASHED: 'CRASHED',
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

/** Every sub-state name with the type it belongs to. */
export const StateNames = {
  Scheduled: StateType.SCHEDULED,
  Late: StateType.SCHEDULED,
  AwaitingRetry: StateType.SCHEDULED,
  Pending: StateType.PENDING,
  Running: StateType.RUNNING,
  Retrying: StateType.RUNNING,
  Completed: StateType.COMPLETED,
  Failed: StateType.FAILED,
  TimedOut: StateType.FAILED,
  Cancelled: StateType.CANCELLED,
  Crashed: StateType.CRASHED,
} as const;
export type StateName = keyof typeof StateNames;

export interface State {
  readonly type: StateType;
  readonly name: StateName;
  /** ISO-8601 time the run entered this state. */
  readonly at: string;
  readonly message?: string;
}

const FINAL: ReadonlySet<StateType> = new Set([
  StateType.COMPLETED,
  StateType.FAILED,
  StateType.CANCELLED,
  StateType.CRASHED,
]);

export function isFinal(type: StateType): boolean {
  return FINAL.has(type);
}

export function stateOf(name: StateName, at: number | string, message?: string): State {
  const iso = typeof at === 'number' ? new Date(at).toISOString() : at;
  return message === undefined
    ? { type: StateNames[name], name, at: iso }
    : { type: StateNames[name], name, at: iso, message };
}

/** The running sub-state for an attempt: the first attempt runs, later ones retry. */
export function runningName(attempt: number): 'Running' | 'Retrying' {
  return attempt > 1 ? 'Retrying' : 'Running';
}

/**
 * The OpenTelemetry CI/CD result (`cicd.pipeline.result`) for a final state name.
 * Completed → success, Failed → failure, TimedOut → timeout, Cancelled → cancellation, Crashed → error.
 */
export function resultOf(
  name: StateName,
): 'success' | 'failure' | 'timeout' | 'cancellation' | 'error' | 'skip' {
  switch (name) {
    case 'Completed':
      return 'success';
    case 'TimedOut':
      return 'timeout';
    case 'Cancelled':
      return 'cancellation';
    case 'Crashed':
      return 'error';
    case 'Failed':
      return 'failure';
    default:
      return 'skip';
  }
}
