import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, startCli } from '../support/cli.ts';
import { until } from '../support/serve.ts';
import { type ApiRun, E2E, type E2eServe, runOf, runsOf, startE2eServe } from './fixtures/e2e/support.ts';

const FLOW_FILE = join(E2E, 'lock/locked.ts');

let e2e: E2eServe;

beforeAll(async () => {
  e2e = await startE2eServe(['--flows', FLOW_FILE], { env: { FLOWTEL_SHUTDOWN_GRACE: '1s' } });
});

afterAll(async () => {
  await e2e?.close();
});

/** A cron-started `flowtel run --lock` of the same flow, in serve's FLOWTEL_HOME, reporting to serve. */
function runBeside(gateName: string) {
  return startCli(['run', FLOW_FILE, '--lock'], {
    cwd: e2e.serve.cwd,
    env: {
      FLOWTEL_HOME: join(e2e.serve.cwd, '.flowtel'),
      E2E_GATES: e2e.gates,
      E2E_GATE_NAME: gateName,
      OTEL_EXPORTER_OTLP_ENDPOINT: e2e.serve.otlpUrl,
      FLOWTEL_ALERTING: 'off',
    },
  });
}

const ms = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso));

describe('flowtel run --lock beside flowtel serve', () => {
  it("refuses to start while serve's scheduled run of the flow is in flight", async () => {
    const held = await until('a held scheduled run', () => e2e.waiting('locked')[0]);
    const beside: CliResult = await runBeside('beside-refused').done;
    expect(beside.code).toBe(3);
    expect(beside.stderr).toContain("flow 'locked' is already running");
    expect(e2e.waiting('beside-refused')).toEqual([]);
    e2e.openGate('locked');
    await runOf(e2e.serve, 'locked', 'completed', (run) => run.id === held && run.state.type === 'COMPLETED');
  });

  it("makes serve skip its slots while it holds the flow's lock, and the runs never overlap", async () => {
    // Serve's runs now end at once and hold the lock only that long: the run beside gets it soon.
    const beside = await until('a run beside serve holding the lock', async () => {
      const run = runBeside('beside');
      let ended: CliResult | undefined;
      void run.done.then((result) => {
        ended = result;
      });
      const got = await until('the run beside at its gate, or its end', () =>
        e2e.waiting('beside').length > 0 ? 'held' : ended,
      );
      if (got === 'held') return run;
      if (got.code !== 3) throw new Error(`the run beside ended ${got.code}: ${got.stderr}`);
      return undefined; // serve's run had the lock that moment: try again
    });
    await e2e.serve.run.waitForOutput("flow 'locked' is already running");
    const skipped = await runOf(e2e.serve, 'locked', 'was skipped for the lock', (run) =>
      /already running/.test(run.state.message ?? ''),
    );
    expect(skipped).toMatchObject({ source: 'schedule', state: { type: 'CANCELLED' }, startedAt: null });

    e2e.openGate('beside');
    expect((await beside.done).code).toBe(0);
    const runs: ApiRun[] = await runsOf(e2e.serve, 'locked');
    expect(runs.filter((run) => run.state.type === 'CRASHED' || run.state.type === 'FAILED')).toEqual([]);
    const ran = runs.filter((run) => run.startedAt !== null && run.endedAt !== null);
    expect(ran.some((run) => run.source === 'otlp')).toBe(true); // the run beside, as serve heard it
    for (const a of ran)
      for (const b of ran)
        if (a !== b) expect(ms(a.startedAt) < ms(b.endedAt) && ms(b.startedAt) < ms(a.endedAt)).toBe(false);
  });
});
