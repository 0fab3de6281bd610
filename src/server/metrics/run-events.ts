import type { resultOf } from '../../runtime/state.ts';

export type RunResult = ReturnType<typeof resultOf>;
/** The states `cicd_pipeline_run_active` counts, as OpenTelemetry's CI/CD conventions name them. */
export type RunPhase = 'pending' | 'executing';

/**
 * What the trackers read from transition records, as metric updates: the seam between the logic of
 * "which record means what" (pure, tested without prom-client) and the registry.
 */
export interface RunEvents {
  active(flow: string, phase: RunPhase, delta: 1 | -1): void;
  runEnded(flow: string, result: RunResult, seconds: number): void;
  runError(flow: string, errorType: string): void;
  late(flow: string, seconds: number): void;
  taskEnded(flow: string, task: string, result: RunResult, seconds: number): void;
  taskRetried(flow: string, task: string): void;
}

/** Seconds from `startMs` to `endMs`, never negative; 0 when either is not a time (NaN). */
export function secondsBetween(startMs: number, endMs: number): number {
  const ms = endMs - startMs;
  return ms > 0 ? ms / 1000 : 0;
}
