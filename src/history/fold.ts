import { isFinal, type StateType } from '../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../runtime/transition.ts';
import type {
  InFlightRun,
  RecordOutcome,
  RunDetail,
  RunSource,
  RunStateView,
  RunSummary,
  TaskRunView,
} from './types.ts';

/**
 * How a transition record changes a run and the task runs it keeps: one pure fold that the in-memory
 * and the SQLite history both apply, so they cannot disagree. A run is held as a `RunFold` (its summary
 * plus what deduplication needs); each call says what to store (the changed task run, the transition).
 *
 * - Flow-run transitions are deduplicated by `seq`. One with a seq below the highest applied is kept in
 *   the run's transitions but `'late'`: the run's state never goes back, and a final state is never
 *   left, with one exception: serve's own Crashed verdict (`crashVerdict`, a run gone quiet or its
 *   process dead) is overturned by a later genuine final transition of the run, since the run itself
 *   knows better how it ended. Non-final transitions after a verdict are `'late'`.
 * - Task transitions are deduplicated by (task run, state name, attempt): the copy derived from a span
 *   may lack the seq of the one from a log record. A task run is kept (with its transitions) from its
 *   first sign of trouble: an attempt after the first, or a state other than Pending, Running or
 *   Completed. A first-attempt success of a task run not kept is `'new'` and stored nowhere, so a flow
 *   with a million tasks does not keep a million rows.
 */

export interface TaskFold {
  readonly id: string;
  readonly task: string;
  state: RunStateView;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  error: ErrorInfo | undefined;
}

export interface RunFold {
  readonly id: string;
  readonly flow: string;
  readonly source: RunSource;
  state: RunStateView;
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  traceId: string | null;
  tags: readonly string[];
  error: ErrorInfo | undefined;
  params: Readonly<Record<string, unknown>>;
  parentRunId: string | null;
  /** Epoch ms of the first record's `at`: the sort time of a run neither started nor scheduled. */
  readonly firstHeardAt: number;
  /** Epoch ms (this process's clock) of the last record or heartbeat. */
  lastHeardAt: number;
  heartbeatIntervalMs: number | undefined;
  /** Highest `seq` of a flow-run transition the run has applied; -1 before the first. */
  highestSeq: number;
  /** The state is serve's Crashed verdict, which a genuine final transition may overturn. */
  verdict: boolean;
  /** Transitions stored so far: the next one's ordinal. */
  transitions: number;
  readonly seqs: Set<number>;
  readonly taskKeys: Set<string>;
  readonly taskRuns: Map<string, TaskFold>;
}

/** A transition as stored with its run: `ordinal` is the order it was heard in. */
export interface StoredTransition {
  readonly runId: string;
  readonly ordinal: number;
  readonly seq: number;
  /** serve's Crashed verdict rather than the run's own transition. */
  readonly verdict: boolean;
  readonly record: TransitionRecord;
}

export interface FoldResult {
  readonly outcome: RecordOutcome;
  /** The run after the record: undefined when the record belongs to no flow run. */
  readonly run: RunFold | undefined;
  /** Whether the run changed (and must be stored again). */
  readonly runChanged: boolean;
  readonly task: TaskFold | undefined;
  readonly transition: StoredTransition | undefined;
}

const NOTHING = { run: undefined, runChanged: false, task: undefined, transition: undefined } as const;

/**
 * Applies `record` to `run` (undefined: a run not seen before, created from the record). `heardAt` is
 * this process's clock reading. A record without `flowRunId` (a task called outside any flow) belongs to
 * no run: `'new'`, stored nowhere.
 */
export function foldRecord(
  run: RunFold | undefined,
  record: TransitionRecord,
  source: RunSource,
  heardAt: number,
): FoldResult {
  const runId = record.flowRunId;
  if (runId === undefined) return { outcome: 'new', ...NOTHING };
  const isTask = record.task !== undefined;
  const target = run ?? newRun(runId, record, source, heardAt, isTask);
  if (isTask) return foldTask(target, record, heardAt, run === undefined);
  if (target.seqs.has(record.seq)) return { outcome: 'duplicate', ...NOTHING, run: target };
  target.seqs.add(record.seq);
  fillIn(target, record, heardAt);
  const outcome = applyFlowRecord(target, record);
  return {
    outcome,
    run: target,
    runChanged: true,
    task: undefined,
    transition: stored(target, record, false),
  };
}

/**
 * serve's verdict that a run in flight crashed (its heartbeats stopped, its process died, or the serve
 * that watched it died): the record to evaluate and store, or undefined for a run already final. Its
 * seq follows the run's highest, but it does not take that seq from the run: the run's own transition
 * of the same seq is still accepted, and a final one overturns the verdict.
 */
export function crashVerdict(
  run: RunFold,
  atMs: number,
  message: string,
): { record: TransitionRecord; transition: StoredTransition } | undefined {
  if (isFinal(run.state.type)) return undefined;
  const at = new Date(atMs).toISOString();
  const record: TransitionRecord = {
    v: 1,
    seq: run.highestSeq + 1,
    at,
    flow: run.flow,
    flowRunId: run.id,
    attempt: 1,
    state: { type: 'CRASHED', name: 'Crashed' },
    message,
    ...(run.traceId === null ? {} : { traceId: run.traceId }),
    tags: run.tags,
    scheduledAt: run.scheduledAt,
    ...(run.startedAt === null ? {} : { startedAt: run.startedAt }),
  };
  enter(run, record);
  run.verdict = true;
  return { record, transition: stored(run, record, true) };
}

function newRun(
  id: string,
  record: TransitionRecord,
  source: RunSource,
  heardAt: number,
  fromTask: boolean,
): RunFold {
  return {
    id,
    flow: record.flow ?? '',
    source,
    // A run first heard of through one of its task runs is running; its own transitions replace this.
    state: fromTask
      ? { type: 'RUNNING', name: 'Running', at: record.at }
      : view(record.state.type, record.state.name, record.at, record.message),
    scheduledAt: record.scheduledAt,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    traceId: record.traceId ?? null,
    tags: [...record.tags],
    error: undefined,
    params: record.params ?? {},
    parentRunId: record.parentFlowRunId ?? null,
    firstHeardAt: Date.parse(record.at),
    lastHeardAt: heardAt,
    heartbeatIntervalMs: undefined,
    highestSeq: -1,
    verdict: false,
    transitions: 0,
    seqs: new Set(),
    taskKeys: new Set(),
    taskRuns: new Map(),
  };
}

/** What any record of the run may tell that the run did not know yet. */
function fillIn(run: RunFold, record: TransitionRecord, heardAt: number): void {
  run.lastHeardAt = Math.max(run.lastHeardAt, heardAt);
  run.traceId ??= record.traceId ?? null;
  run.scheduledAt ??= record.scheduledAt;
  run.parentRunId ??= record.parentFlowRunId ?? null;
  if (run.tags.length === 0 && record.tags.length > 0) run.tags = [...record.tags];
  if (record.params !== undefined && Object.keys(run.params).length === 0) run.params = record.params;
}

function applyFlowRecord(run: RunFold, record: TransitionRecord): RecordOutcome {
  const final = isFinal(record.state.type);
  if (record.state.type === 'RUNNING') startedAt(run, record.at);
  if (record.seq < run.highestSeq) return 'late';
  // Before its first flow-run transition a run's state is only inferred (or this record's own).
  const settled = run.highestSeq >= 0;
  run.highestSeq = record.seq;
  if (settled && (run.verdict ? !final : isFinal(run.state.type))) return 'late';
  enter(run, record);
  run.verdict = false;
  return 'new';
}

/** The run enters the record's state; a final one ends it. */
function enter(run: RunFold, record: TransitionRecord): void {
  run.state = view(record.state.type, record.state.name, record.at, record.message);
  if (!isFinal(record.state.type)) return;
  if (run.startedAt === null && record.startedAt !== undefined) run.startedAt = record.startedAt;
  run.endedAt = record.at;
  run.error = record.error;
  run.durationMs = duration(run.startedAt, run.endedAt);
}

/** `startedAt` is the first Running: a late one that is earlier moves it back. */
function startedAt(run: RunFold, at: string): void {
  if (run.startedAt !== null && Date.parse(run.startedAt) <= Date.parse(at)) return;
  run.startedAt = at;
  run.durationMs = duration(run.startedAt, run.endedAt);
}

function foldTask(run: RunFold, record: TransitionRecord, heardAt: number, created: boolean): FoldResult {
  const id = taskRunId(record);
  const key = taskKey(record);
  if (run.taskKeys.has(key)) return { outcome: 'duplicate', ...NOTHING, run };
  fillIn(run, record, heardAt);
  let task = run.taskRuns.get(id);
  if (task === undefined && !troubled(record)) {
    return { outcome: 'new', run, runChanged: created, task: undefined, transition: undefined };
  }
  run.taskKeys.add(key);
  let outcome: RecordOutcome = 'new';
  if (task === undefined) {
    task = {
      id,
      task: record.task ?? '',
      state: view(record.state.type, record.state.name, record.at, record.message),
      attempts: record.attempt,
      startedAt: null,
      endedAt: null,
      error: undefined,
    };
    run.taskRuns.set(id, task);
  } else if (record.attempt < task.attempts || (isFinal(task.state.type) && !isFinal(record.state.type))) {
    outcome = 'late';
  }
  if (record.state.type === 'RUNNING' && (task.startedAt === null || record.at < task.startedAt)) {
    task.startedAt = record.at;
  }
  if (outcome === 'new') {
    task.state = view(record.state.type, record.state.name, record.at, record.message);
    task.attempts = Math.max(task.attempts, record.attempt);
    if (isFinal(record.state.type)) {
      task.startedAt ??= record.startedAt ?? null;
      task.endedAt = record.at;
      task.error = record.error;
    }
  }
  return { outcome, run, runChanged: true, task, transition: stored(run, record, false) };
}

function taskRunId(record: TransitionRecord): string {
  return record.taskRunId ?? record.task ?? '';
}

/** What tells two task transitions apart: task run, state name and attempt (spans may lack a seq). */
export function taskKey(record: TransitionRecord): string {
  return `${taskRunId(record)}\u0000${record.state.name}\u0000${record.attempt}`;
}

/** A task transition that makes its task run worth keeping: a retry, or anything but plain progress. */
function troubled(record: TransitionRecord): boolean {
  const plain: readonly StateType[] = ['PENDING', 'RUNNING', 'COMPLETED'];
  return record.attempt > 1 || !plain.includes(record.state.type);
}

function stored(run: RunFold, record: TransitionRecord, verdict: boolean): StoredTransition {
  return { runId: run.id, ordinal: run.transitions++, seq: record.seq, verdict, record };
}

function view(type: StateType, name: RunStateView['name'], at: string, message?: string): RunStateView {
  return message === undefined ? { type, name, at } : { type, name, at, message };
}

function duration(started: string | null, ended: string | null): number | null {
  return started === null || ended === null ? null : Date.parse(ended) - Date.parse(started);
}

/** The run's sort time: started, else scheduled, else first heard (epoch ms). */
export function sortTime(run: Pick<RunFold, 'startedAt' | 'scheduledAt' | 'firstHeardAt'>): number {
  if (run.startedAt !== null) return Date.parse(run.startedAt);
  if (run.scheduledAt !== null) return Date.parse(run.scheduledAt);
  return run.firstHeardAt;
}

export function summaryOf(run: RunFold): RunSummary {
  const summary: RunSummary = {
    id: run.id,
    flow: run.flow,
    state: run.state,
    scheduledAt: run.scheduledAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: run.durationMs,
    traceId: run.traceId,
    source: run.source,
    tags: run.tags,
  };
  return run.error === undefined ? summary : { ...summary, error: run.error };
}

export function taskView(task: TaskFold): TaskRunView {
  const { error, ...rest } = task;
  return error === undefined ? { ...rest } : { ...rest, error };
}

/** The detail of a run, its stored transitions in `seq` order (the order heard among equal seqs). */
export function detailOf(run: RunFold, transitions: readonly StoredTransition[]): RunDetail {
  return {
    ...summaryOf(run),
    params: run.params,
    parentRunId: run.parentRunId,
    taskRuns: [...run.taskRuns.values()].map(taskView),
    transitions: [...transitions]
      .sort((a, b) => a.seq - b.seq || a.ordinal - b.ordinal)
      .map((stored) => stored.record),
  };
}

/** What the crash watch needs of a run in flight. */
export function inFlightView(run: RunFold): InFlightRun {
  return {
    id: run.id,
    flow: run.flow,
    source: run.source,
    lastSeq: run.highestSeq,
    lastHeardAt: run.lastHeardAt,
    heartbeatIntervalMs: run.heartbeatIntervalMs,
    traceId: run.traceId,
    tags: run.tags,
    stateType: run.state.type,
    scheduledAt: run.scheduledAt,
  };
}
