import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerRun, type WorkerExit, type WorkerRunOptions } from '../../src/cli/serve/worker.ts';
import { processSecrets } from '../../src/secrets.ts';
import { Attr } from '../../src/telemetry/keys.ts';
import { tempDir } from '../support/cli.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { runsFlow, sourceFlowtel } from './worker-support.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

const WAIT_MS = 20_000;

function start(options: Partial<WorkerRunOptions> & Pick<WorkerRunOptions, 'flow'>) {
  const home = tempDir('flowtel-worker-');
  const exits: WorkerExit[] = [];
  const runId = options.runId ?? randomUUID();
  const run = startWorkerRun({
    runId,
    params: {},
    otlpEndpoint: receiver.url,
    env: { PATH: process.env.PATH ?? '', HOME: home, FLOWTEL_HOME: join(home, '.flowtel') },
    command: sourceFlowtel,
    onExit: (exit) => exits.push(exit),
    ...options,
  });
  return { run, runId, exits, home };
}

function flowSpan(runId: string) {
  return receiver.spans.find(
    (span) => span.name.startsWith('flow ') && span.attributes[Attr.PIPELINE_RUN_ID] === runId,
  );
}

describe('a flow run in its own child process', () => {
  it('runs under the id serve chose, for its slot, and reports to serve over OTLP with its lateness', async () => {
    const scheduledAt = new Date(Date.now() - 90_000);
    const { run, runId, exits } = start({
      flow: runsFlow('daily', 'daily'),
      params: { day: '2026-11-25' },
      scheduledAt,
    });

    expect(await run.started).toEqual({ ok: true });
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    expect(exits).toEqual([exit]);
    await receiver.waitFor(() => flowSpan(runId) !== undefined, WAIT_MS);
    const span = flowSpan(runId)!;
    expect(span.attributes[Attr.PIPELINE_RESULT]).toBe('success');
    expect(span.attributes[Attr.FLOW_SCHEDULED_TIME]).toBe(scheduledAt.toISOString());
    expect(span.attributes[Attr.FLOW_LATENESS_MS]).toBeGreaterThanOrEqual(90_000);
    expect(span.attributes[`${Attr.PARAMETER_PREFIX}day`]).toBe('2026-11-25');
  });

  it('refuses invalid parameters with the validation message, and starts no run', async () => {
    const { run, runId, exits } = start({ flow: runsFlow('daily', 'daily'), params: { day: 'tuesday' } });

    const started = await run.started;
    expect(started).toMatchObject({ ok: false, reason: 'refused' });
    expect(started.ok === false && started.message).toMatch(/^invalid parameters for flow 'daily': day: /);
    expect(started.ok === false && started.reason === 'refused' && started.issues).toEqual([
      { path: 'day', message: expect.any(String) },
    ]);
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(exits).toHaveLength(1);
    // The child is gone and never set up telemetry: nothing of this run can still arrive.
    expect(flowSpan(runId)).toBeUndefined();
  });

  it('cancels the run on request: it ends Cancelled and flushes its telemetry within the grace', async () => {
    const { run, runId } = start({ flow: runsFlow('waits', 'waits') });
    expect(await run.started).toEqual({ ok: true });

    const exit = await run.cancel(30_000);
    expect(exit).toMatchObject({ code: 143, signal: null });
    await receiver.waitFor(() => flowSpan(runId) !== undefined, WAIT_MS);
    expect(flowSpan(runId)?.attributes[Attr.PIPELINE_RESULT]).toBe('cancellation');
  });

  it('tells how a child that ends its process mid-run exited, with its last words redacted', async () => {
    processSecrets().add('https://admin:s3cr3t-pass@warehouse.internal/db');
    const { run, exits } = start({
      flow: runsFlow('exits', 'exits'),
      env: {
        PATH: process.env.PATH ?? '',
        WAREHOUSE_URL: 'https://admin:s3cr3t-pass@warehouse.internal/db',
      },
    });
    expect(await run.started).toEqual({ ok: true });
    const exit = await run.exited;

    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.stderrTail).toContain('lost the connection to [REDACTED]');
    expect(exit.stderrTail).not.toContain('s3cr3t-pass');
    expect(exits).toEqual([exit]);
  });

  it('kills a child whose event loop is blocked once the grace has passed', async () => {
    const marker = join(tempDir('flowtel-worker-'), 'blocking');
    const { run, exits } = start({
      flow: runsFlow('blocks', 'blocks'),
      env: { PATH: process.env.PATH ?? '', BLOCKING_MARKER: marker },
    });
    expect(await run.started).toEqual({ ok: true });
    await until(() => existsSync(marker));

    const exit = await run.cancel(500);
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(exits).toEqual([exit]);
  });

  it('says why the run never started when the child cannot load its flow', async () => {
    const { run, exits } = start({ flow: { ...runsFlow('daily', 'daily'), exportName: 'gone' } });
    const started = await run.started;
    expect(started).toMatchObject({ ok: false, reason: 'exited' });
    expect(started.ok === false && started.message).toContain(
      "the run's process exited with code 2 before the run started: flowtel:",
    );
    expect(started.ok === false && started.message).toContain("has no flow named 'gone'");
    expect(exits).toHaveLength(1);
  });
});

/** Resolves once `condition()` holds, checking every 50 ms; fails after WAIT_MS. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
