import { PassThrough } from 'node:stream';
import type { ObservedTransition, StateName, StateType, TransitionRecord } from 'flowtel';
import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/cli/view/model.ts';
import { PipeView } from '../../src/cli/view/pipe-view.ts';
import { TtyView } from '../../src/cli/view/tty-view.ts';

let seq = 0;
const runNumbers = new Map<string, number>();

/** A record as the runtime hands it to listeners: task runs told apart by their number. */
function record(fields: Partial<TransitionRecord> & { name: string; type: string }): ObservedTransition {
  const { name, type, ...rest } = fields;
  const atMs = Date.now();
  const plain = {
    v: 1 as const,
    seq: ++seq,
    at: new Date(atMs).toISOString(),
    flow: 'etl',
    flowRunId: 'run-1',
    attempt: 1,
    tags: [],
    scheduledAt: null,
    state: { type: type as StateType, name: name as StateName },
    ...rest,
  };
  const { taskRunId } = plain;
  if (taskRunId !== undefined && !runNumbers.has(taskRunId)) runNumbers.set(taskRunId, runNumbers.size + 1);
  const taskRunNumber = taskRunId === undefined ? undefined : runNumbers.get(taskRunId);
  return { ...plain, atMs, taskRunNumber, toJSON: () => plain };
}

function wideRun(): ObservedTransition[] {
  const records = [record({ name: 'Running', type: 'RUNNING' })];
  for (let i = 0; i < 500; i++) {
    records.push(record({ task: 'load', taskRunId: `l${i}`, name: 'Running', type: 'RUNNING' }));
    records.push(record({ task: 'load', taskRunId: `l${i}`, name: 'Completed', type: 'COMPLETED' }));
  }
  records.push(record({ task: 'transform', taskRunId: 't1', name: 'Running', type: 'RUNNING' }));
  records.push(
    record({
      task: 'transform',
      taskRunId: 't1',
      name: 'AwaitingRetry',
      type: 'SCHEDULED',
      message: 'attempt 1 failed (Error: reset); retrying in 150 ms',
    }),
  );
  records.push(record({ task: 'transform', taskRunId: 't1', attempt: 2, name: 'Retrying', type: 'RUNNING' }));
  return records;
}

describe('the live view in a terminal', () => {
  it('shows one line per task name with counts, and the runs in progress with their attempt', () => {
    const out = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 120,
    }) as unknown as NodeJS.WriteStream;
    let screen = '';
    (out as unknown as PassThrough).on('data', (chunk: Buffer) => {
      screen += chunk.toString();
    });
    const view = new TtyView(out, 60_000);
    for (const r of wideRun()) view.onTransition(r);
    view.close();

    const lines = screen.split('\n').filter(Boolean);
    expect(lines.length).toBeLessThan(10);
    expect(screen).toContain('flow etl  Running');
    expect(screen).toMatch(/load {2}500 done/);
    expect(screen).toMatch(/transform {2}1 active, 1 retries/);
    expect(screen).toMatch(/Retrying attempt 2/);
  });
});

/** A terminal that understands what the live view sends: text, newlines, `ESC[nF` and `ESC[J`. */
function terminal() {
  const rows: string[] = [''];
  let row = 0;
  const write = (text: string) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: this emulates a terminal's escape sequences
    for (const part of text.split(/(\x1b\[\d*[FJ]|\n)/)) {
      if (part === '\n') {
        row++;
        rows[row] ??= '';
      } else if (part.startsWith('\x1b[') && part.endsWith('F')) {
        row = Math.max(0, row - Number(part.slice(2, -1) || 1));
      } else if (part === '\x1b[J') {
        rows.length = row + 1;
        rows[row] = '';
      } else {
        rows[row] = (rows[row] ?? '') + part;
      }
    }
  };
  const out = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  out.on('data', (chunk: Buffer) => write(chunk.toString()));
  return { out: out as unknown as NodeJS.WriteStream, write, screen: () => rows.join('\n') };
}

describe('the live view and text printed while it runs', () => {
  it('keeps an alert printed between frames on screen, above a complete final frame', async () => {
    const term = terminal();
    const view = new TtyView(term.out, 60_000, term.write);
    const [running, ...rest] = wideRun();
    view.onTransition(running!);
    view.print('[flowtel] FIRING any-flow-failed (critical)\n  etl failed: Error: boom\n');
    for (const r of rest) view.onTransition(r);
    view.onTransition(record({ name: 'Failed', type: 'FAILED' }));
    view.print('[flowtel] FIRING task-retrying (info)\n');
    view.close();
    await new Promise((resolve) => setImmediate(resolve));

    const screen = term.screen();
    expect(screen).toContain('[flowtel] FIRING any-flow-failed (critical)\n  etl failed: Error: boom');
    expect(screen).toContain('[flowtel] FIRING task-retrying (info)');
    // One frame on screen, the final one, after the alerts.
    expect(screen.match(/flow etl/g)).toHaveLength(1);
    expect(screen.indexOf('flow etl  Failed')).toBeGreaterThan(screen.indexOf('task-retrying'));
    expect(screen).toMatch(/load {2}500 done/);
  });
});

describe('the output in a pipe', () => {
  it('prints flow transitions and retries, never a line per successful task run', () => {
    const lines: string[] = [];
    const view = new PipeView((line) => lines.push(line), 60_000);
    for (const r of wideRun()) view.onTransition(r);
    view.onTransition(
      record({ task: 'load', taskRunId: 'bad', name: 'Failed', type: 'FAILED', message: 'E: boom' }),
    );
    view.close();

    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/flow etl Running$/);
    // The runtime's message already says which attempt failed and when the next one comes.
    expect(lines[1]).toMatch(/task transform attempt 1 failed \(Error: reset\); retrying in 150 ms$/);
    expect(lines[2]).toMatch(/task load Failed after 1 attempt\(s\): E: boom/);
  });
});

describe('the view model', () => {
  it('folds task transitions without reading the fields a record makes on first read', () => {
    const model = new RunModel();
    const madeOnRead = (r: ObservedTransition): ObservedTransition => {
      const copy = { ...r };
      for (const field of ['at', 'taskRunId', 'spanId'] as const) {
        Object.defineProperty(copy, field, {
          get: () => {
            throw new Error(`the view read ${field}`);
          },
        });
      }
      return copy;
    };
    for (const r of wideRun()) model.apply(r.task === undefined ? r : madeOnRead(r));

    expect(model.totals()).toMatchObject({ completed: 500, running: 1, retries: 1 });
  });

  it('tells apart task runs of records made elsewhere by their taskRunId', () => {
    const model = new RunModel();
    for (const r of wideRun()) model.apply({ ...r, taskRunNumber: undefined });

    expect(model.totals()).toMatchObject({ completed: 500, running: 1 });
  });
});
