import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';
import { until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { E2E, type E2eServe, message, runOf, startE2eServe, texts } from './fixtures/e2e/support.ts';

const RULES = join(E2E, 'rules/crash');

let slack: SlackServer;
let e2e: E2eServe;

beforeAll(async () => {
  slack = await startSlackServer();
  const flows = ['kills-itself.ts', 'dies-loading.ts'].flatMap((file) => [
    '--flows',
    join(E2E, 'crash', file),
  ]);
  e2e = await startE2eServe([...flows, '--rules', RULES], {
    slack,
    env: { FLOWTEL_SHUTDOWN_GRACE: '1s' },
  });
});

afterAll(async () => {
  await e2e?.close();
  await slack?.close();
});

describe('flowtel serve marks runs Crashed', () => {
  it('when the child process of a scheduled run kills itself, and flow-failed fires', async () => {
    const run = await runOf(
      e2e.serve,
      'kills-itself',
      'crashed',
      (candidate) => candidate.state.type === 'CRASHED',
    );
    expect(run.source).toBe('schedule');
    expect(run.state.message).toContain('killed by SIGKILL');
    await message(
      slack,
      'says kills-itself crashed',
      (text) => text.includes('kills-itself') && /Crashed/.test(text),
    );
  });

  it('when the child process dies before the run begins: Crashed, not a refusal of its parameters', async () => {
    const run = await runOf(e2e.serve, 'dies-loading', 'ended', (candidate) => candidate.endedAt !== null);
    expect(run.state).toMatchObject({
      type: 'CRASHED',
      message: expect.stringContaining('killed by SIGKILL'),
    });
    expect(run.error?.type).not.toBe('ParameterValidationError');
  });

  it('when an outside flowtel run reporting to serve is killed: its heartbeats stop for three intervals', async () => {
    const outside = startCli(['run', join(E2E, 'crash/held.ts')], {
      env: {
        E2E_GATES: e2e.gates,
        OTEL_EXPORTER_OTLP_ENDPOINT: e2e.serve.otlpUrl,
        FLOWTEL_ALERTING: 'off',
        FLOWTEL_HEARTBEAT_INTERVAL: '300ms',
      },
    });
    const runId = await until('the outside run at its gate', () => e2e.waiting('held')[0]);
    await runOf(
      e2e.serve,
      'held',
      'serve hears running',
      (run) => run.id === runId && run.state.type === 'RUNNING',
    );
    outside.child.kill('SIGKILL');
    expect((await outside.done).signal).toBe('SIGKILL');
    const crashed = await runOf(
      e2e.serve,
      'held',
      'crashed',
      (run) => run.id === runId && run.state.type === 'CRASHED',
    );
    expect(crashed.source).toBe('otlp');
    expect(crashed.state.message).toContain('3 heartbeat intervals');
    await message(slack, 'says held crashed', (text) => text.includes('held') && /Crashed/.test(text));
  });

  it('when serve itself is killed while its scheduled run is in flight: on restart, alerting once', async () => {
    const args = ['--flows', join(E2E, 'crash/held-scheduled.ts'), '--rules', RULES];
    const env = { FLOWTEL_SHUTDOWN_GRACE: '1s' };
    const first = await startE2eServe(args, { slack, env });
    const runId = await until('a scheduled run at its gate', () => first.waiting('held-scheduled')[0]);
    await runOf(
      first.serve,
      'held-scheduled',
      'is running',
      (run) => run.id === runId && run.state.type === 'RUNNING',
    );
    expect((await first.serve.stop('SIGKILL')).code).toBeNull();

    const again = await startE2eServe(args, { slack, env, cwd: first.serve.cwd, gates: first.gates });
    try {
      const crashed = await runOf(again.serve, 'held-scheduled', 'crashed', (run) => run.id === runId);
      expect(crashed.state).toMatchObject({
        type: 'CRASHED',
        message: expect.stringContaining('serve stopped'),
      });
      await message(
        slack,
        'says held-scheduled crashed',
        (text) => text.includes('held-scheduled') && /Crashed/.test(text),
      );
      // Let the runs of the restarted serve complete: flow-failed resolves, and was sent once.
      again.openGate('held-scheduled');
      await message(slack, 'says held-scheduled resolved', (text) =>
        text.startsWith('RESOLVED: held-scheduled'),
      );
      expect(
        texts(slack).filter((text) => text.includes('held-scheduled') && !text.startsWith('RESOLVED')),
      ).toHaveLength(1);
    } finally {
      await again.close();
    }
  });
});
