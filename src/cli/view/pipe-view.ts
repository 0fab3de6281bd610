import { humanDuration } from '../../duration.ts';
import type { ObservedTransition } from '../../runtime/transition.ts';
import { RunModel } from './model.ts';

const PRINTED_TASK_ENDS: ReadonlySet<string> = new Set(['Failed', 'TimedOut', 'Crashed']);

export interface RunView {
  onTransition(record: ObservedTransition): void;
  /** Text that must not be lost to the view (an alert it would send, a delivery problem), on stderr. */
  print(text: string): void;
  /** Stops timers and leaves the output in its final form. */
  close(): void;
}

/**
 * Output for a pipe or a log file: flow transitions, retries and failures as they happen, and a summary
 * every `summaryEveryMs` while the run lasts; never a line per successful task run.
 */
export class PipeView implements RunView {
  private readonly model = new RunModel();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (line: string) => void,
    summaryEveryMs = 10_000,
    private readonly writeErr: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.timer = setInterval(() => this.summary(), summaryEveryMs);
    this.timer.unref();
  }

  onTransition(record: ObservedTransition): void {
    this.model.apply(record);
    // Only the lines it prints read the record's time: a task run that simply completes costs no date.
    if (record.task === undefined) {
      this.write(`${timeOf(record)} flow ${record.flow} ${record.state.name}${suffix(record)}`);
    } else if (record.state.name === 'AwaitingRetry') {
      // The runtime's message says which attempt failed, why, and when the next one comes.
      this.write(
        `${timeOf(record)} task ${record.task} ${record.message || `attempt ${record.attempt} failed, will retry`}`,
      );
    } else if (PRINTED_TASK_ENDS.has(record.state.name)) {
      this.write(
        `${timeOf(record)} task ${record.task} ${record.state.name} after ${record.attempt} attempt(s)${suffix(record)}`,
      );
    }
  }

  print(text: string): void {
    this.writeErr(text);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private summary(): void {
    for (const flow of this.model.flows.values()) {
      if (flow.endedAt !== undefined || flow.depth > 0) continue;
      const t = this.model.totals();
      this.write(
        `flow ${flow.flow} ${flow.state} ${humanDuration(Date.now() - flow.startedAt)}: ${t.completed} completed, ${t.running} running, ${t.pending} pending, ${t.failed} failed, ${t.retries} retries`,
      );
    }
  }
}

/** `HH:MM:SS.mmm` (UTC) of the record's time. */
function timeOf(record: ObservedTransition): string {
  return record.at.slice(11, 23);
}

function suffix(record: ObservedTransition): string {
  return record.message ? `: ${record.message}` : '';
}
