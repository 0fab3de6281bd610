import { DurationError, parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { ParamRecording } from './telemetry/redact.ts';

/**
 * Settings read from the environment, in one place with their defaults. Read when they are used (a
 * flow run starting, a file loading), not at import, so a process can set them before; a value that
 * cannot be used throws `ConfigError`, which names the variable, the value and what is allowed.
 */
export const defaults = {
  /** `FLOWTEL_MAX_TASK_SPANS`: task spans per flow run before first-attempt successes are only counted. */
  maxTaskSpans: 10_000,
  /** `FLOWTEL_HEARTBEAT_INTERVAL`: how often a running flow run says it is alive. */
  heartbeatIntervalMs: 30_000,
  /** `FLOWTEL_SHUTDOWN_GRACE`: how long serve's running flows may take to finish when it stops. */
  shutdownGraceMs: 30_000,
  /** `FLOWTEL_RECORD_PARAMS`: `values`, `types` (only each parameter's type) or `none`. */
  recordParams: 'values' as ParamRecording,
  /** Longest recorded parameter value, in characters. */
  paramMaxLength: 1024,
  /** How long a failing flow run waits for its aborted task runs to stop. */
  abortGraceMs: 10_000,
  /** `FLOWTEL_LOAD_TIMEOUT`: how long a flow or rules file may take to import (its top-level await). */
  loadTimeoutMs: 30_000,
} as const;

export interface RuntimeSettings {
  readonly maxTaskSpans: number;
  readonly heartbeatIntervalMs: number;
  readonly recordParams: ParamRecording;
}

type Env = Readonly<Record<string, string | undefined>>;

export function readSettings(env: Env = process.env): RuntimeSettings {
  return {
    maxTaskSpans: nonNegativeInt(env, 'FLOWTEL_MAX_TASK_SPANS', defaults.maxTaskSpans),
    // Zero would make the heartbeat timer fire without pause, flooding the logs and starving the run.
    heartbeatIntervalMs: positiveDuration(env, 'FLOWTEL_HEARTBEAT_INTERVAL', defaults.heartbeatIntervalMs),
    recordParams: recording(env.FLOWTEL_RECORD_PARAMS),
  };
}

/** `FLOWTEL_LOAD_TIMEOUT`, ms: the deadline for importing a flow or rules file. */
export function readLoadTimeout(env: Env = process.env): number {
  return positiveDuration(env, 'FLOWTEL_LOAD_TIMEOUT', defaults.loadTimeoutMs);
}

/**
 * `FLOWTEL_SHUTDOWN_GRACE`, ms: how long `flowtel serve`, told to stop, lets running flows finish before
 * it cancels them.
 */
export function readShutdownGrace(env: Env = process.env): number {
  return positiveDuration(env, 'FLOWTEL_SHUTDOWN_GRACE', defaults.shutdownGraceMs);
}

function positiveDuration(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  let ms: number;
  try {
    ms = parseDuration(value, name);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    throw new ConfigError(name, value, "a duration such as '500ms', '30s' or '2m'", { cause: error });
  }
  if (ms <= 0) throw new ConfigError(name, value, 'longer than 0');
  return ms;
}

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new ConfigError(name, value, 'a non-negative integer');
  return parsed;
}

function recording(value: string | undefined): ParamRecording {
  if (value === undefined || value === '') return defaults.recordParams;
  if (value === 'values' || value === 'types' || value === 'none') return value;
  throw new ConfigError('FLOWTEL_RECORD_PARAMS', value, "'values', 'types' or 'none'");
}
