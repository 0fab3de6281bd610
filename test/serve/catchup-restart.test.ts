import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import {
  type ApiRun,
  E2E,
  type E2eServe,
  message,
  runOf,
  runsOf,
  startE2eServe,
  texts,
} from './fixtures/e2e/support.ts';

// One serve runs `catchup-skip` and `catchup-once` (each every second), is stopped, stays down for
// several slots, and starts again on the same FLOWTEL_HOME: what each flow's `catchUp` does with the
// slots missed in between.
const ARGS = ['--flows', join(E2E, 'catchup/flows.ts'), '--rules', join(E2E, 'rules/catchup')];
const SLOT_MS = 1000;
/** Slots that pass while serve is down: more than the flow-late grace (5 s) of `catchup-skip`. */
const DOWN_SLOTS = 7;

let slack: SlackServer;
let restarted: E2eServe;
/** When the first serve had exited: every run it launched was scheduled before. */
let exitedAt: number;
/** When the second serve said where it listens: its scheduler had begun by then. */
let readyAt: number;
/** What the first serve logged (the slots it skipped, which moved each schedule's mark too). */
let firstLog: string;
/** Slack messages accepted before the restart. */
let messagesBefore: number;

beforeAll(async () => {
  slack = await startSlackServer();
  const first = await startE2eServe(ARGS, { slack });
  for (const flow of ['catchup-skip', 'catchup-once'])
    await runOf(first.serve, flow, 'completed', (run) => run.state.type === 'COMPLETED');
  const stopped = await first.serve.stop();
  firstLog = stopped.stderr;
  expect(stopped.code).toBe(0);
  exitedAt = Date.now();
  // Serve is down while the clock passes several slots (the wait is the point: nothing runs in it).
  await until(
    `${DOWN_SLOTS} slots to pass`,
    () => (Date.now() >= exitedAt + DOWN_SLOTS * SLOT_MS ? true : undefined),
    {
      timeoutMs: (DOWN_SLOTS + 5) * SLOT_MS,
    },
  );
  messagesBefore = slack.accepted().length;
  restarted = await startE2eServe(ARGS, { slack, cwd: first.serve.cwd });
  readyAt = Date.now();
}, 60_000);

afterAll(async () => {
  await restarted?.close();
  await slack?.close();
});

const ms = (iso: string | null) => (iso === null ? Number.NaN : Date.parse(iso));

/**
 * The last slot of `flow` the first serve dealt with (ran, or skipped while a run was in flight), and
 * the runs of `flow` the second serve launched, oldest first.
 */
async function acrossRestart(flow: string): Promise<{ lastBefore: number; after: ApiRun[] }> {
  const runs = await runsOf(restarted.serve, flow);
  const ran = runs.filter((run) => ms(run.scheduledAt) < exitedAt).map((run) => ms(run.scheduledAt));
  expect(ran.length).toBeGreaterThan(0);
  const skipped = [
    ...firstLog.matchAll(new RegExp(`flow '${flow}': the slot of (\\S+) is skipped`, 'g')),
  ].map((found) => Date.parse(found[1] ?? ''));
  const lastBefore = Math.max(...ran, ...skipped);
  const after = runs
    .filter((run) => ms(run.scheduledAt) > exitedAt)
    .sort((a, b) => ms(a.scheduledAt) - ms(b.scheduledAt));
  return { lastBefore, after };
}

/** The count serve's log gives for the slots of `flow` it missed while down. */
async function missedSaid(flow: string): Promise<number> {
  const said = new RegExp(
    `flow '${flow}' missed (\\d+) slot\\(s\\) of schedule 'every 1s' while serve was not running`,
  );
  await restarted.serve.run.waitForOutput(`flow '${flow}' missed `);
  const found = said.exec(restarted.serve.run.output().stderr)?.[1];
  expect(found, restarted.serve.run.output().stderr).toBeDefined();
  return Number(found);
}

describe('flowtel serve catches up on the slots missed while it was down', () => {
  it("catchUp 'skip': the missed slots are logged with their count, none runs, and flow-late fires at once saying how many", async () => {
    const count = await missedSaid('catchup-skip');
    expect(count).toBeGreaterThanOrEqual(DOWN_SLOTS - 1);

    // The next run is a regular slot after the missed ones.
    await runOf(
      restarted.serve,
      'catchup-skip',
      'was scheduled after the restart',
      (run) => ms(run.scheduledAt) > exitedAt,
    );
    const { lastBefore, after } = await acrossRestart('catchup-skip');
    const lastMissed = lastBefore + count * SLOT_MS;
    for (const run of after) expect(ms(run.scheduledAt)).toBeGreaterThan(lastMissed);
    expect(after.every((run) => run.source === 'schedule')).toBe(true);

    const fired = await message(
      slack,
      'says catchup-skip is late after the restart',
      (text) => text.startsWith('FIRING: catchup-skip') && texts(slack).indexOf(text) >= messagesBefore,
    );
    const missed = Number(/\((\d+) scheduled runs missed\)/.exec(fired)?.[1]);
    expect(missed).toBeGreaterThanOrEqual(DOWN_SLOTS - 5); // the slots past the 5 s grace, at least
    expect(missed).toBeLessThanOrEqual(count + 1);
  });

  it("catchUp 'run-once': right after the restart exactly one run, of the last missed slot", async () => {
    const earlier = await missedSaid('catchup-once');
    await runOf(
      restarted.serve,
      'catchup-once',
      'was scheduled after the restart',
      (run) => ms(run.scheduledAt) > exitedAt,
    );
    const { lastBefore, after } = await acrossRestart('catchup-once');
    // The oldest run after the restart is the last slot missed: the ones before it are logged as missed
    // (none ran), and its time had passed when serve began.
    expect(earlier).toBeGreaterThanOrEqual(DOWN_SLOTS - 2);
    const caughtUp = after[0];
    expect(ms(caughtUp.scheduledAt)).toBe(lastBefore + (earlier + 1) * SLOT_MS);
    expect(ms(caughtUp.scheduledAt)).toBeLessThan(readyAt);
    expect(caughtUp.source).toBe('schedule');
  });
});
