import { setMaxListeners } from 'node:events';
import type { Context, Span } from '@opentelemetry/api';
import type { Instruments } from '../telemetry/instruments.ts';
import { logsTaskState, RunTelemetry } from '../telemetry/run-telemetry.ts';
import { AbortFanout } from './abort-fanout.ts';
import { emitTransition, hasListeners } from './hub.ts';
import { type InflightLinks, InflightList } from './inflight-list.ts';
import type { TaskRunRecord } from './run-record.ts';
import { isFinal, type State, type StateName, StateNames, stateOf } from './state.ts';
import type { ErrorInfo } from './transition.ts';
import { type RecordedFlowRun, type RecordedTaskRun, Transition } from './transition-record.ts';

export interface FlowRunInit {
  /** Undefined for the holder of task runs called outside any flow: it has no span and no states. */
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly parent: FlowRun | undefined;
  readonly tags: readonly string[];
  readonly instruments: Instruments;
  readonly scheduledAt: number | undefined;
  readonly keepAllTaskRuns: boolean;
  /** Task spans after which first-attempt successes are only counted (0: no limit). */
  readonly maxTaskSpans: number;
  /** How long a failing run waits for its aborted task runs to stop. */
  readonly abortGraceMs: number;
}

/** A task run as its flow run sees it while it is in flight. */
export interface InflightTask extends RecordedTaskRun, InflightLinks<InflightTask> {
  readonly span: Span | undefined;
  readonly spanContext: Context | undefined;
  /** When it entered Pending (epoch ms): the start its final record carries. */
  readonly pendingAt: number;
  /** Ends it in a final state (if it has not ended yet). */
  finish(name: StateName, error: unknown, message: string | undefined): unknown;
}

/**
 * The state of one flow run while it executes: its abort signal, its task runs and subflows in flight,
 * its states and the sequence of its transitions, the counts and records its run record reports. Task
 * runs report to it through its methods; each transition becomes a record for listeners (made only when
 * someone needs it) and goes to the run's telemetry (`RunTelemetry`).
 */
export class FlowRun implements RecordedFlowRun {
  readonly name: string | undefined;
  readonly id: string | undefined;
  readonly parent: FlowRun | undefined;
  readonly tags: readonly string[];
  readonly scheduledAt: string | undefined;
  readonly keepAllTaskRuns: boolean;
  readonly abortGraceMs: number;
  readonly telemetry: RunTelemetry;
  /** How task runs (slots, retry delays, timeouts) hear that this run aborted: see `AbortFanout`. */
  readonly aborts: AbortFanout;
  readonly states: State[] = [];
  readonly taskRecords: TaskRunRecord[] = [];
  private readonly controller = new AbortController();
  private readonly inflight = new InflightList<InflightTask>();
  private redactedParams: Readonly<Record<string, unknown>> | undefined;
  private firstRunningAt: string | undefined;
  private endedTasks = 0;
  private completedTasks = 0;
  private readonly otherTaskCounts = new Map<StateName, number>();
  private taskRunsStarted = 0;
  /** Subflows started by this run that have not ended; they end on their own once it aborts. */
  private childFlows = 0;
  private idle: (() => void) | undefined;
  private seq = 0;

  constructor(init: FlowRunInit) {
    // User code of every task run may pass this one signal to fetch or a driver: Node's warning about "a
    // possible leak" past 10 listeners is noise here.
    setMaxListeners(0, this.controller.signal);
    this.aborts = new AbortFanout(this.controller.signal);
    this.name = init.name;
    this.id = init.id;
    this.parent = init.parent;
    this.tags = init.tags;
    this.scheduledAt = init.scheduledAt === undefined ? undefined : new Date(init.scheduledAt).toISOString();
    this.keepAllTaskRuns = init.keepAllTaskRuns;
    this.abortGraceMs = init.abortGraceMs;
    this.telemetry = new RunTelemetry({
      name: init.name,
      id: init.id,
      instruments: init.instruments,
      maxTaskSpans: init.maxTaskSpans,
      parent: init.parent?.telemetry,
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get traceId(): string | undefined {
    return this.telemetry.traceId;
  }

  get parentId(): string | undefined {
    return this.parent?.id;
  }

  /** Redacted parameters, once they are validated. */
  get params(): Readonly<Record<string, unknown>> | undefined {
    return this.redactedParams;
  }

  /** When the run first entered Running (ISO-8601), if it has. */
  get startedAt(): string | undefined {
    return this.firstRunningAt;
  }

  setParams(redacted: Readonly<Record<string, unknown>> | undefined): void {
    this.redactedParams = redacted;
  }

  /** Stops the run: its signal aborts with `reason`, and its task runs and subflows hear it. */
  abort(reason: unknown): void {
    this.controller.abort(reason);
  }

  /** A state change of the flow run itself. */
  flowTransition(name: StateName, at: number, message?: string, error?: ErrorInfo): State {
    const state = stateOf(name, at, message);
    this.states.push(state);
    if (name === 'Running') this.firstRunningAt ??= state.at;
    const startedAt = isFinal(state.type) ? this.startedAt : undefined;
    const record = new Transition(
      this,
      undefined,
      this.telemetry.span,
      ++this.seq,
      at,
      name,
      1,
      message,
      error,
      startedAt,
    );
    this.telemetry.flowTransition(record, at);
    if (hasListeners()) emitTransition(record);
    return state;
  }

  /** A task run started: it is in flight until `taskEnded`. Returns its number within this run. */
  taskStarted(task: InflightTask): number {
    this.inflight.add(task);
    return ++this.taskRunsStarted;
  }

  /**
   * A state change of one of its task runs. The record is made only when someone needs it: a listener,
   * or the log record of a retry or failure.
   */
  taskTransition(
    task: InflightTask,
    name: StateName,
    attempt: number,
    at: number,
    message?: string,
    error?: ErrorInfo,
  ): void {
    const seq = ++this.seq;
    const listened = hasListeners();
    let record: Transition | undefined;
    if (listened || logsTaskState(name)) {
      // A final record says when the task run started (as its span does), for its duration; formatted
      // only when read, like `at`: records are made for every task run while anyone listens.
      const startedAt = isFinal(StateNames[name]) ? task.pendingAt : undefined;
      record = new Transition(this, task, task.span, seq, at, name, attempt, message, error, startedAt);
    }
    this.telemetry.taskTransition(task.span, task.spanContext, name, attempt, at, message, record);
    if (record && listened) emitTransition(record);
  }

  /** A task run ended in `finalName`; `record` when it is worth keeping (it retried, failed, or all are kept). */
  taskEnded(task: InflightTask, finalName: StateName, record: TaskRunRecord | undefined): void {
    this.inflight.delete(task);
    this.endedTasks++;
    // The common case gets a plain field; other final states are rarer and go in the map.
    if (finalName === 'Completed') this.completedTasks++;
    else this.otherTaskCounts.set(finalName, (this.otherTaskCounts.get(finalName) ?? 0) + 1);
    if (record) this.taskRecords.push(record);
    this.wakeIfIdle();
  }

  /** Task runs that have ended. */
  get taskTotal(): number {
    return this.endedTasks;
  }

  /** Task runs by final state name, e.g. `{ Completed: 998, Failed: 2 }`. */
  get taskCounts(): Partial<Record<StateName, number>> {
    const counts: Partial<Record<StateName, number>> = {};
    if (this.completedTasks > 0) counts.Completed = this.completedTasks;
    for (const [name, count] of this.otherTaskCounts) counts[name] = count;
    return counts;
  }

  /** The periodic sign of life, with the sequence number reached so far and how often it comes. */
  heartbeat(intervalMs: number): void {
    this.telemetry.heartbeat(this.seq, intervalMs);
  }

  /** A subflow of this run started: the run does not end before it has. */
  childStarted(): void {
    this.childFlows++;
  }

  /** A subflow of this run ended. */
  childEnded(): void {
    this.childFlows--;
    this.wakeIfIdle();
  }

  /** Resolves when no task run or subflow is in flight, or after `boundMs` (then returns false). */
  whenIdle(boundMs: number): Promise<boolean> {
    if (!this.busy()) return Promise.resolve(true);
    return new Promise((resolve) => {
      // Not unref'd: a bounded wait that must end, even when the task runs it waits for hold no handle.
      const timer = Number.isFinite(boundMs) ? setTimeout(() => resolve(false), boundMs) : undefined;
      const previous = this.idle;
      this.idle = () => {
        previous?.();
        if (timer) clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /**
   * Ends the task runs that did not stop within the grace period after the run was aborted, so the run
   * record is complete and nothing is reported as running behind a finished run.
   */
  abandonInflight(): void {
    for (const task of this.inflight.toArray()) {
      task.finish(
        'Cancelled',
        this.signal.reason,
        `did not stop within ${this.abortGraceMs} ms of the flow run ending`,
      );
    }
  }

  private busy(): boolean {
    return this.inflight.size > 0 || this.childFlows > 0;
  }

  private wakeIfIdle(): void {
    if (this.idle && !this.busy()) {
      const wake = this.idle;
      this.idle = undefined;
      wake();
    }
  }
}
