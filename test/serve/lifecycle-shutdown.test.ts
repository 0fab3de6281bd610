import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServe, until } from '../support/serve.ts';
import { E2E, runOf, startE2eServe } from './fixtures/e2e/support.ts';

describe('flowtel serve shuts down cleanly', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s: a run in flight gets the grace, then ends Cancelled, and serve exits 0',
    async (signal) => {
      const e2e = await startE2eServe(['--flows', join(E2E, 'crash/held-scheduled.ts')], {
        env: { FLOWTEL_SHUTDOWN_GRACE: '1s' },
      });
      const runId = await until('a scheduled run at its gate', () => e2e.waiting('held-scheduled')[0]);
      await runOf(
        e2e.serve,
        'held-scheduled',
        'is running',
        (run) => run.id === runId && run.state.type === 'RUNNING',
      );
      const stopped = await e2e.serve.stop(signal);
      expect(stopped.code).toBe(0);
      expect(stopped.stdout + stopped.stderr).toContain(`${signal}: stopping (running flows get 1 s)`);

      // What the history kept, read by the next serve of the same FLOWTEL_HOME.
      const next = await startServe([], { cwd: e2e.serve.cwd });
      try {
        const run = (await next.api(`/api/v1/runs/${runId}`)).body;
        expect(run.state.type).toBe('CANCELLED');
      } finally {
        await next.stop();
        await e2e.close();
      }
    },
  );
});
