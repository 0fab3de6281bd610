import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/serve.ts';
import {
  type ApiRun,
  E2E,
  type E2eServe,
  message,
  runOf,
  runsOf,
  startE2eServe,
} from './fixtures/e2e/support.ts';

// One serve for the file: `ticks` completes every second; `gated-*` (one per overlap policy) each run
// every second and hold every run until the test opens the flow's gate.
let e2e: E2eServe;

beforeAll(async () => {
  e2e = await startE2eServe(['--flows', join(E2E, 'schedule'), '--rules', join(E2E, 'rules/schedule')]);
});

afterAll(async () => {
  await e2e?.close();
});

const ms = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso));

/** Whether two runs' [start, end] overlap (a run still going ends at +∞). */
function overlapping(a: ApiRun, b: ApiRun): boolean {
  const end = (run: ApiRun) => (run.endedAt === null ? Number.POSITIVE_INFINITY : ms(run.endedAt));
  return ms(a.startedAt) < end(b) && ms(b.startedAt) < end(a);
}

/** The time a message names after `pattern`'s first group, in epoch ms (NaN when it names none). */
function timeIn(text: string, pattern: RegExp): number {
  const found = pattern.exec(text)?.[1];
  return found === undefined ? Number.NaN : Date.parse(found);
}

const started = (runs: ApiRun[]) => runs.filter((run) => run.startedAt !== null);

describe('flowtel serve schedules', () => {
  it('runs a flow on a one-second schedule, lists it as scheduled and records its lateness', async () => {
    const { serve } = e2e;
    const run = await runOf(serve, 'ticks', 'completed', (candidate) => candidate.state.type === 'COMPLETED');
    expect(run.source).toBe('schedule');
    expect(run.scheduledAt).not.toBeNull();
    // Lateness: a scheduled run starts at or after its slot (its process has to start first).
    expect(ms(run.startedAt) - ms(run.scheduledAt)).toBeGreaterThanOrEqual(0);
    expect(ms(run.scheduledAt) % 1000).toBe(0); // a slot of the 1 s interval

    const detail = (await serve.api(`/api/v1/runs/${run.id}`)).body;
    const flowTransitions = detail.transitions.filter((t: ApiRun) => t.task === undefined);
    expect(flowTransitions[0]).toMatchObject({
      seq: 0,
      state: { name: 'Scheduled' },
      scheduledAt: run.scheduledAt,
    });
    expect(flowTransitions.map((t: ApiRun) => t.state.name)).toEqual([
      'Scheduled',
      'Pending',
      'Running',
      'Completed',
    ]);
    const seqs = detail.transitions.map((t: ApiRun) => t.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(detail.taskRuns).toEqual([]); // a task that completes first time is counted, not kept

    const flows = (await serve.api('/api/v1/flows')).body.flows as ApiRun[];
    const ticks = flows.find((flow) => flow.name === 'ticks');
    expect(ticks.schedules[0]).toMatchObject({ id: 'every 1s' });
    expect(ms(ticks.schedules[0].nextAt)).toBeGreaterThan(ms(run.scheduledAt));
  });

  it("overlap 'skip': a slot due while a run is held is skipped, flow-late fires with the count and resolves when a run starts", async () => {
    const { serve, slack } = e2e;
    const heldId = await until('a held run of gated-skip', () => e2e.waiting('gated-skip')[0] ?? undefined);
    const held = await runOf(serve, 'gated-skip', 'is held', (run) => run.id === heldId);
    // Slots come and go while it is held: serve says it skips them, and starts nothing beside it.
    await serve.run.waitForOutput("flow 'gated-skip': the slot of");
    // (On a slow machine the held run's own slot may have been late too, before it started: not that one.)
    const fired = await message(
      slack,
      'says gated-skip is late for a slot after the held run',
      (text) => text.startsWith('FIRING: gated-skip') && timeIn(text, /due at (\S+),/) > ms(held.scheduledAt),
    );
    expect(fired).toContain('2s grace');
    const firing = slack.accepted().find((request) => (request.body as ApiRun).text === fired)!;
    expect(JSON.stringify(firing.body)).toMatch(/\*Missed slots\*\\n\d+/);
    expect(started(await runsOf(serve, 'gated-skip')).filter((run) => run.endedAt === null)).toHaveLength(1);

    e2e.openGate('gated-skip');
    const done = await runOf(
      serve,
      'gated-skip',
      'completed',
      (run) => run.id === heldId && run.endedAt !== null,
    );
    expect(done.state.type).toBe('COMPLETED');
    const resolved = await message(
      slack,
      'says gated-skip started again',
      (text) =>
        text.startsWith('RESOLVED: gated-skip') && timeIn(text, /started at (\S+);/) >= ms(done.endedAt),
    );
    expect(resolved).toMatch(/; [1-9]\d* scheduled runs? (was|were) missed/);
    const runs = started(await runsOf(serve, 'gated-skip'));
    for (const a of runs) for (const b of runs) if (a !== b) expect(overlapping(a, b)).toBe(false);
  });

  it("overlap 'queue': the slot due while a run is held waits for it, then runs, never beside it", async () => {
    const { serve } = e2e;
    const held = await until('a held run of gated-queue', () => e2e.waiting('gated-queue')[0] ?? undefined);
    // One slot waits for it; the one after is skipped, saying so.
    await serve.run.waitForOutput('already waits for one of the 1 run of gated-queue in flight to end');
    e2e.openGate('gated-queue');
    const first = await runOf(
      serve,
      'gated-queue',
      'completed',
      (run) => run.id === held && run.endedAt !== null,
    );
    // The queued slot runs once the held run ends: its slot is older than the end of the run it waited for.
    const next = await runOf(
      serve,
      'gated-queue',
      'was queued behind the held run',
      (run) => run.id !== held && run.startedAt !== null && ms(run.scheduledAt) < ms(first.endedAt),
    );
    expect(ms(next.startedAt)).toBeGreaterThanOrEqual(ms(first.endedAt));
    const runs = started(await runsOf(serve, 'gated-queue'));
    for (const a of runs) for (const b of runs) if (a !== b) expect(overlapping(a, b)).toBe(false);
  });

  it("overlap 'allow' with concurrency 2: two runs go side by side, a third slot waits", async () => {
    const { serve } = e2e;
    await until('two held runs of gated-allow', () =>
      e2e.waiting('gated-allow').length >= 2 ? true : undefined,
    );
    const inFlight = (await runsOf(serve, 'gated-allow')).filter(
      (run) => run.startedAt !== null && run.endedAt === null,
    );
    expect(inFlight).toHaveLength(2);
    expect(overlapping(inFlight[0], inFlight[1])).toBe(true);
    await serve.run.waitForOutput("flow 'gated-allow': the slot of");
    expect(e2e.waiting('gated-allow')).toHaveLength(2);
    e2e.openGate('gated-allow');
    await until('both held runs of gated-allow completed', async () => {
      const runs = await runsOf(serve, 'gated-allow');
      const done = inFlight.every((held: ApiRun) =>
        runs.some((run) => run.id === held.id && run.state.type === 'COMPLETED'),
      );
      return done ? true : undefined;
    });
  });
});
