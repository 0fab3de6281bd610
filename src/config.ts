import { parseDuration } from './duration.ts';
import type { ParamRecording } from './telemetry/redact.ts';

/**
 * Settings read from the environment, in one place with their defaults. Read when a flow run starts
 * (not at import), so a process can set them before its first run.
 */
export const defaults = {
  /** `FLOWTEL_MAX_TASK_SPANS`: task spans per flow run before first-attempt successes are only counted. */
  maxTaskSpans: 10_000,
  /** `FLOWTEL_HEARTBEAT_INTERVAL`: how often a running flow run says it is alive. */
  heartbeatIntervalMs: 30_000,
  /** `FLOWTEL_RECORD_PARAMS`: `values`, `types` (only each parameter's type) or `none`. */
  recordParams: 'values' as ParamRecording,
  /** Longest recorded parameter value, in characters. */
  paramMaxLength: 1024,
  /** How long a failing flow run waits for its aborted task runs to stop. */
  abortGraceMs: 10_000,
} as const;

export interface RuntimeSettings {
  readonly maxTaskSpans: number;
  readonly heartbeatIntervalMs: number;
  readonly recordParams: ParamRecording;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  return {
    maxTaskSpans: nonNegativeInt(env.FLOWTEL_MAX_TASK_SPANS, 'FLOWTEL_MAX_TASK_SPANS', defaults.maxTaskSpans),
    heartbeatIntervalMs: env.FLOWTEL_HEARTBEAT_INTERVAL
      ? heartbeatInterval(env.FLOWTEL_HEARTBEAT_INTERVAL)
      : defaults.heartbeatIntervalMs,
    recordParams: recording(env.FLOWTEL_RECORD_PARAMS),
  };
}

// Zero would make the heartbeat timer fire without pause, flooding the logs and starving the run.
function heartbeatInterval(value: string): number {
  const ms = parseDuration(value, 'FLOWTEL_HEARTBEAT_INTERVAL');
  if (ms <= 0) throw new RangeError(`FLOWTEL_HEARTBEAT_INTERVAL must be longer than 0, got '${value}'`);
  return ms;
}

function nonNegativeInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got '${value}'`);
  }
  return parsed;
}

function recording(value: string | undefined): ParamRecording {
  if (value === undefined || value === '') return defaults.recordParams;
  if (value === 'values' || value === 'types' || value === 'none') return value;
  throw new RangeError(`FLOWTEL_RECORD_PARAMS must be 'values', 'types' or 'none', got '${value}'`);
}
