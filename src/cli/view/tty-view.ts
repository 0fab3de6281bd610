import { humanDuration } from '../../duration.ts';
import type { ObservedTransition } from '../../runtime/transition.ts';
import { type FlowLine, RunModel, type TaskLine } from './model.ts';
import type { RunView } from './pipe-view.ts';

const SYMBOL: Record<string, string> = {
  Pending: '…',
  Running: '▶',
  Retrying: '↻',
  AwaitingRetry: '↻',
  Completed: '✔',
  Failed: '✖',
  TimedOut: '⏱',
  Cancelled: '⊘',
  Crashed: '✖',
};
const MAX_ACTIVE_SHOWN = 3;

/**
 * The live view in a terminal: one block per flow run, one line per task name with its counts, and the
 * runs in progress with their attempt and how long they have been in their state. Redrawn in place at
 * most every `frameMs`; wide flows stay one line per task name.
 */
export class TtyView implements RunView {
  private readonly model = new RunModel();
  private readonly timer: NodeJS.Timeout;
  private drawnLines = 0;
  private dirty = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    frameMs = 100,
    private readonly writeErr: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.timer = setInterval(() => this.draw(), frameMs);
    this.timer.unref();
  }

  onTransition(record: ObservedTransition): void {
    this.model.apply(record);
    this.dirty = true;
  }

  /**
   * Anything written between frames would be erased by the next one (the frame moves the cursor up
   * over the lines it drew): take the frame away, print, and draw it again below.
   */
  print(text: string): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
    this.writeErr(text);
    this.dirty = true;
    this.draw();
  }

  close(): void {
    clearInterval(this.timer);
    this.dirty = true;
    this.draw();
  }

  private draw(): void {
    const running = [...this.model.flows.values()].some((f) => f.endedAt === undefined);
    if (!this.dirty && !running) return;
    this.dirty = false;
    const width = this.out.columns || 100;
    const lines = [...this.model.flows.values()]
      .flatMap((flow) => this.flowLines(flow))
      .map((l) => l.slice(0, width - 1));
    if (lines.length === 0) return;
    const erase = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
    this.out.write(`${erase}${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private flowLines(flow: FlowLine): string[] {
    const indent = '  '.repeat(flow.depth);
    const elapsed = humanDuration((flow.endedAt ?? Date.now()) - flow.startedAt);
    const lines = [`${indent}${SYMBOL[flow.state] ?? '·'} flow ${flow.flow}  ${flow.state}  ${elapsed}`];
    for (const task of flow.tasks.values()) lines.push(...this.taskLines(task, `${indent}  `));
    return lines;
  }

  private taskLines(task: TaskLine, indent: string): string[] {
    const counts = [
      task.completed ? `${task.completed} done` : '',
      task.active.size ? `${task.active.size} active` : '',
      task.retries ? `${task.retries} retries` : '',
      task.failed ? `${task.failed} failed` : '',
      task.cancelled ? `${task.cancelled} cancelled` : '',
    ].filter(Boolean);
    const symbol = task.failed ? SYMBOL.Failed : task.active.size ? SYMBOL.Running : SYMBOL.Completed;
    const lines = [`${indent}${symbol} ${task.task}  ${counts.join(', ')}`];
    const now = Date.now();
    for (const run of [...task.active.values()].slice(0, MAX_ACTIVE_SHOWN)) {
      lines.push(
        `${indent}    ${SYMBOL[run.state] ?? '·'} ${run.state} attempt ${run.attempt}  ${humanDuration(now - run.since)}`,
      );
    }
    return lines;
  }
}
