import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attr } from '../../src/telemetry/keys.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { serveFixture } from './worker-support.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

describe('a child whose serve dies', () => {
  it('cancels its run, which ends Cancelled with its telemetry flushed, and exits', async () => {
    const runId = randomUUID();
    // A stand-in for serve: starts the run through the worker, prints its child's pid once it began.
    const parent = spawn(
      process.execPath,
      [
        '--conditions=flowtel-source',
        '--import',
        import.meta.resolve('tsx'),
        serveFixture('worker-parent.ts'),
        runId,
        receiver.url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '' } },
    );
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const { pid, start } = JSON.parse(line.toString()) as { pid: number; start: unknown };
    expect(start).toEqual({ ok: true });

    parent.kill('SIGKILL');
    await receiver.waitFor(
      () => receiver.spans.some((span) => span.attributes[Attr.PIPELINE_RUN_ID] === runId),
      30_000,
    );
    const span = receiver.spans.find((s) => s.attributes[Attr.PIPELINE_RUN_ID] === runId);
    expect(span?.name).toBe('flow waits');
    expect(span?.attributes[Attr.PIPELINE_RESULT]).toBe('cancellation');
    await gone(pid);
  });
});

/** Resolves once no process has `pid` (it was the worker's child, not ours: no exit event to wait for). */
async function gone(pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
