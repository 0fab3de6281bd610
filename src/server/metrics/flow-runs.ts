import { resultOf, StateType } from '../../runtime/state.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { BoundedMap } from './bounded-map.ts';
import { type RunEvents, type RunPhase, secondsBetween } from './run-events.ts';

interface OpenRun {
  readonly flow: string;
  /** Where the run counts in the active gauge; undefined until a Pending or Running record is seen. */
  phase: RunPhase | undefined;
  /** The first Pending or Running seen: the start when a final record carries no `startedAt`. */
  startMs: number | undefined;
}

/** OpenTelemetry's `error.type` for an error the instrumentation cannot name (a crash reported bare). */
const OTHER_ERROR = '_OTHER';

/**
 * Flow runs from their transition records: the active gauge, durations by result, errors and lateness.
 * Records may start mid-run (serve started after the run did) or come late (after the final one): a run
 * counts in the gauge only from a record that puts it there, and leaves it once; records of a run that
 * ended are ignored. Memory is bounded: the open and ended runs remembered are capped.
 */
export class FlowRunTracker {
  readonly #events: RunEvents;
  readonly #open: BoundedMap<string, OpenRun>;
  /** Runs that ended, with their start (NaN when unknown), for late records and for their tasks. */
  readonly #ended: BoundedMap<string, number>;

  constructor(events: RunEvents, maxRuns: number) {
    this.#events = events;
    // A run that is never heard of again (its process died unseen) stops counting as active.
    this.#open = new BoundedMap(maxRuns, (_, run) => {
      if (run.phase) events.active(run.flow, run.phase, -1);
    });
    this.#ended = new BoundedMap(maxRuns);
  }

  /** A flow-run record (one without `task`). */
  observe(record: TransitionRecord): void {
    const flow = record.flow ?? '';
    const id = record.flowRunId;
    if (id !== undefined && this.#ended.has(id)) return;
    const atMs = Date.parse(record.at);
    const { type } = record.state;
    if (type === StateType.PENDING || type === StateType.RUNNING) {
      if (id === undefined) return;
      this.#progress(id, flow, type === StateType.PENDING ? 'pending' : 'executing', atMs, record);
    } else if (type !== StateType.SCHEDULED) {
      this.#end(id, flow, atMs, record);
    }
  }

  /** When a run started (first Pending or Running), open or ended; undefined when never seen. */
  startOf(flowRunId: string): number | undefined {
    const start = this.#open.get(flowRunId)?.startMs ?? this.#ended.get(flowRunId);
    return start === undefined || Number.isNaN(start) ? undefined : start;
  }

  #progress(id: string, flow: string, phase: RunPhase, atMs: number, record: TransitionRecord): void {
    let run = this.#open.get(id);
    if (!run) {
      run = { flow, phase: undefined, startMs: atMs };
      this.#open.set(id, run);
    }
    if (run.startMs === undefined || atMs < run.startMs) run.startMs = atMs;
    if (run.phase === phase || run.phase === 'executing') return;
    if (run.phase) this.#events.active(flow, run.phase, -1);
    run.phase = phase;
    this.#events.active(flow, phase, 1);
    if (phase === 'executing' && record.scheduledAt !== null) {
      this.#events.late(flow, secondsBetween(Date.parse(record.scheduledAt), atMs));
    }
  }

  #end(id: string | undefined, flow: string, atMs: number, record: TransitionRecord): void {
    const run = id === undefined ? undefined : this.#open.get(id);
    if (id !== undefined) this.#open.delete(id);
    if (run?.phase) this.#events.active(flow, run.phase, -1);
    const startMs = record.startedAt === undefined ? (run?.startMs ?? atMs) : Date.parse(record.startedAt);
    if (id !== undefined) this.#ended.set(id, startMs);
    this.#events.runEnded(flow, resultOf(record.state.name), secondsBetween(startMs, atMs));
    if (record.state.type === StateType.CANCELLED) return;
    const errorType =
      record.error?.type ?? (record.state.type === StateType.CRASHED ? OTHER_ERROR : undefined);
    if (errorType !== undefined) this.#events.runError(flow, errorType);
  }
}
