import type { Clock } from '../../clock.ts';
import { isFinal, resultOf } from '../../runtime/state.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { BoundedMap } from './bounded-map.ts';
import { type RunEvents, type RunResult, secondsBetween } from './run-events.ts';

interface TaskEnd {
  readonly flow: string;
  readonly task: string;
  readonly flowRunId: string | undefined;
  readonly result: RunResult;
  readonly endMs: number;
  /** When serve parked it, on serve's clock (record times are the pipeline's), to settle it. */
  readonly parkedAtMs: number;
}

export interface TaskRunLimits {
  /** Task runs remembered at once (open, ended, and ended waiting for their start), each. */
  readonly maxTaskRuns: number;
  /** How long an end waits for its task run's start before it is counted without it. */
  readonly settleMs: number;
}

/**
 * Task durations, results and retries from task-run records. flowtel's final task records carry their
 * start (`startedAt`) and count at once; an end without one (an older sender) runs from the first record
 * of the task run seen, and one whose start has not been seen waits (parked) for it; if the start has
 * not come after `settleMs`,
 * the end counts from its flow run's start, the earliest the task can have started (0 s when that is
 * unknown too).
 */
export class TaskRunTracker {
  readonly #events: RunEvents;
  readonly #clock: Clock;
  readonly #settleMs: number;
  readonly #startOfRun: (flowRunId: string) => number | undefined;
  /** Task runs in progress: the earliest time seen. */
  readonly #started: BoundedMap<string, number>;
  readonly #parked: BoundedMap<string, TaskEnd>;
  readonly #ended: BoundedMap<string, true>;

  constructor(
    events: RunEvents,
    clock: Clock,
    startOfRun: (flowRunId: string) => number | undefined,
    limits: TaskRunLimits,
  ) {
    this.#events = events;
    this.#clock = clock;
    this.#settleMs = limits.settleMs;
    this.#startOfRun = startOfRun;
    this.#started = new BoundedMap(limits.maxTaskRuns);
    this.#parked = new BoundedMap(limits.maxTaskRuns, (id, end) => {
      this.#ended.set(id, true);
      this.#countWithoutStart(end);
    });
    this.#ended = new BoundedMap(limits.maxTaskRuns);
  }

  /** A task-run record (one with `task`). */
  observe(record: TransitionRecord): void {
    const flow = record.flow ?? '';
    const task = record.task ?? '';
    const { type } = record.state;
    // AwaitingRetry, not the Retrying that follows: over OTLP only the former arrives (a log record
    // and a span event), so it is the one sign of a retry every source gives.
    if (record.state.name === 'AwaitingRetry') this.#events.taskRetried(flow, task);
    const id = record.taskRunId;
    if (id !== undefined && this.#ended.has(id)) return;
    const atMs = Date.parse(record.at);
    if (!isFinal(type)) {
      if (id !== undefined) this.#progress(id, atMs);
      return;
    }
    const end = this.#endOf(record, flow, task, atMs);
    const startMs = this.#startOf(record, id);
    if (id === undefined) {
      if (startMs === undefined) this.#countWithoutStart(end);
      else this.#events.taskEnded(flow, task, end.result, secondsBetween(startMs, atMs));
    } else if (startMs === undefined) {
      this.#parked.set(id, end);
    } else {
      this.#count(id, end, startMs);
    }
  }

  /** The start a final record declares, else the earliest record of its task run seen. */
  #startOf(record: TransitionRecord, id: string | undefined): number | undefined {
    if (record.startedAt !== undefined) return Date.parse(record.startedAt);
    return id === undefined ? undefined : this.#started.get(id);
  }

  #progress(id: string, atMs: number): void {
    const parked = this.#parked.get(id);
    if (parked) {
      this.#count(id, parked, atMs);
      return;
    }
    const startMs = this.#started.get(id);
    if (startMs === undefined || atMs < startMs) this.#started.set(id, atMs);
  }

  /** Counts the parked ends that have waited `settleMs` for their start. */
  settle(): void {
    const now = this.#clock.now();
    for (let oldest = this.#parked.oldest(); oldest; oldest = this.#parked.oldest()) {
      const [id, end] = oldest;
      if (now - end.parkedAtMs < this.#settleMs) return;
      this.#parked.delete(id);
      this.#ended.set(id, true);
      this.#countWithoutStart(end);
    }
  }

  #endOf(record: TransitionRecord, flow: string, task: string, endMs: number): TaskEnd {
    return {
      flow,
      task,
      flowRunId: record.flowRunId,
      result: resultOf(record.state.name),
      endMs,
      parkedAtMs: this.#clock.now(),
    };
  }

  #count(id: string, end: TaskEnd, startMs: number): void {
    this.#started.delete(id);
    this.#parked.delete(id);
    this.#ended.set(id, true);
    this.#events.taskEnded(end.flow, end.task, end.result, secondsBetween(startMs, end.endMs));
  }

  #countWithoutStart(end: TaskEnd): void {
    const runStart = end.flowRunId === undefined ? undefined : this.#startOfRun(end.flowRunId);
    this.#events.taskEnded(end.flow, end.task, end.result, secondsBetween(runStart ?? end.endMs, end.endMs));
  }
}
