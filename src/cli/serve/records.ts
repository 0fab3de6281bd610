import { type StateName, StateNames } from '../../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../../runtime/transition.ts';

/**
 * The transitions serve writes itself, for what no run's own process can say: that serve scheduled a
 * run (seq 0, before its process starts and numbers its own from 1), that a scheduled run's
 * parameters were refused, and that it did not start because the flow's lock was held. (That a run crashed is the history's verdict: `RunHistory.crashed`.) They go the same way as every record
 * received over OTLP: history, rules, metrics.
 */
export interface ServeRecordRun {
  readonly flow: string;
  readonly runId: string;
  readonly traceId?: string | null;
  readonly tags?: readonly string[];
  readonly scheduledAt?: number | undefined;
}

/** Recorded when serve decides to start a run: the run exists, with its scheduled time, from then on. */
export function scheduledRecord(run: ServeRecordRun, atMs: number): TransitionRecord {
  return serveRecord(run, 0, atMs, 'Scheduled');
}

/** A scheduled run whose parameters the flow refused: it fails like any failure and alerts. */
export function refusedRecord(run: ServeRecordRun, seq: number, atMs: number, why: string): TransitionRecord {
  return serveRecord(run, seq, atMs, 'Failed', why, { type: 'ParameterValidationError', message: why });
}

/** A scheduled run not started because another run of the flow held its lock: it ends Cancelled. */
export function lockedRecord(run: ServeRecordRun, seq: number, atMs: number, why: string): TransitionRecord {
  return serveRecord(run, seq, atMs, 'Cancelled', why);
}

function serveRecord(
  run: ServeRecordRun,
  seq: number,
  atMs: number,
  name: StateName,
  message?: string,
  error?: ErrorInfo,
): TransitionRecord {
  return {
    v: 1,
    seq,
    at: new Date(atMs).toISOString(),
    flow: run.flow,
    flowRunId: run.runId,
    attempt: 1,
    state: { type: StateNames[name], name },
    ...(message === undefined ? {} : { message }),
    ...(error === undefined ? {} : { error }),
    ...(run.traceId ? { traceId: run.traceId } : {}),
    tags: run.tags ?? [],
    scheduledAt: run.scheduledAt === undefined ? null : new Date(run.scheduledAt).toISOString(),
  };
}
