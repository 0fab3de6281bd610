import { PassThrough } from 'node:stream';
import type { TransitionRecord } from 'flowtel';
import { describe, expect, it } from 'vitest';
import { PipeView } from '../../src/cli/view/pipe-view.ts';
import { TtyView } from '../../src/cli/view/tty-view.ts';

let seq = 0;
function record(fields: Partial<TransitionRecord> & { name: string; type: string }): TransitionRecord {
  const { name, type, ...rest } = fields;
  return {
    v: 1,
    seq: ++seq,
    at: new Date().toISOString(),
    flow: 'etl',
    flowRunId: 'run-1',
    attempt: 1,
    tags: [],
    scheduledAt: null,
    state: { type: type as never, name: name as never },
    ...rest,
  } as TransitionRecord;
}

function wideRun(): TransitionRecord[] {
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
      message: 'reset',
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
    expect(lines[1]).toMatch(/task transform attempt 1 failed, will retry: reset/);
    expect(lines[2]).toMatch(/task load Failed after 1 attempt\(s\): E: boom/);
  });
});
