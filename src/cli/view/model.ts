import type { ObservedTransition } from '../../runtime/transition.ts';
import { ActiveRuns } from './active-runs.ts';

/** What the live view knows of one task name within one flow run: counts, plus the runs in progress. */
export interface TaskLine {
  readonly task: string;
  completed: number;
  failed: number;
  cancelled: number;
  retries: number;
  /**
   * Task runs not yet final, by `taskRunNumber` (or `taskRunId` for records the runtime did not make):
   * their current state name, attempt and when they entered it.
   */
  readonly active: ActiveRuns;
}

export interface FlowLine {
  readonly flow: string;
  readonly flowRunId: string;
  readonly depth: number;
  state: string;
  startedAt: number;
  endedAt: number | undefined;
  readonly tasks: Map<string, TaskLine>;
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

/**
 * The state of a run as the terminal shows it, folded from transition records. Memory grows with the
 * number of distinct task names and runs in progress, never with the number of finished task runs.
 * It reads only the fields a record has at hand (`atMs`, `taskRunNumber`, names, state, attempt), never
 * those made on first read (`at`, `taskRunId`), so the view costs a task run no date and no id.
 */
export class RunModel {
  readonly flows = new Map<string, FlowLine>();
  /** The line of the last task transition: the next one is most often of the same task in the same run. */
  private last: { readonly flowRunId: string; readonly task: string; readonly line: TaskLine } | undefined;

  apply(record: ObservedTransition): void {
    const { flowRunId, task } = record;
    const last = this.last;
    if (last && task === last.task && flowRunId === last.flowRunId) {
      this.applyTask(last.line, record);
      return;
    }
    if (!flowRunId || !record.flow) return;
    let flow = this.flows.get(flowRunId);
    if (!flow) {
      const parent = record.parentFlowRunId ? this.flows.get(record.parentFlowRunId) : undefined;
      flow = {
        flow: record.flow,
        flowRunId,
        depth: parent ? parent.depth + 1 : 0,
        state: record.state.name,
        startedAt: record.atMs,
        endedAt: undefined,
        tasks: new Map(),
      };
      this.flows.set(flowRunId, flow);
    }
    if (task === undefined) {
      flow.state = record.state.name;
      if (FINAL.has(record.state.type)) flow.endedAt = record.atMs;
      return;
    }
    let line = flow.tasks.get(task);
    if (!line) {
      line = { task, completed: 0, failed: 0, cancelled: 0, retries: 0, active: new ActiveRuns() };
      flow.tasks.set(task, line);
    }
    this.last = { flowRunId, task, line };
    this.applyTask(line, record);
  }

  private applyTask(line: TaskLine, record: ObservedTransition): void {
    const { state } = record;
    if (state.name === 'AwaitingRetry') line.retries++;
    const run = record.taskRunNumber ?? record.taskRunId;
    if (run === undefined) return;
    if (!FINAL.has(state.type)) {
      // One entry per run in progress, updated in place as it moves on (Pending, Running, ...).
      const entry = line.active.get(run);
      if (entry) {
        entry.state = state.name;
        entry.attempt = record.attempt;
        entry.since = record.atMs;
      } else line.active.add(run, { state: state.name, attempt: record.attempt, since: record.atMs });
      return;
    }
    line.active.delete(run);
    if (state.type === 'COMPLETED') line.completed++;
    else if (state.type === 'CANCELLED') line.cancelled++;
    else line.failed++;
  }

  /** Totals over every task of every flow run: for summaries. */
  totals(): {
    completed: number;
    failed: number;
    cancelled: number;
    running: number;
    pending: number;
    retries: number;
  } {
    const totals = { completed: 0, failed: 0, cancelled: 0, running: 0, pending: 0, retries: 0 };
    for (const flow of this.flows.values()) {
      for (const line of flow.tasks.values()) {
        totals.completed += line.completed;
        totals.failed += line.failed;
        totals.cancelled += line.cancelled;
        totals.retries += line.retries;
        for (const run of line.active.values()) {
          if (run.state === 'Pending') totals.pending++;
          else totals.running++;
        }
      }
    }
    return totals;
  }
}
