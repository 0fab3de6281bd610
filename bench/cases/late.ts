import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/store/index.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { type Arrival, startHookServer } from '../receiver/hook-server.ts';
import { LATE_GRACE_MS, lateRulesFolder } from '../rules.ts';
import { homeIn, startServe } from '../serve.ts';
import { quantile } from '../stats.ts';
import { type BenchContext, fmt } from './context.ts';

const URL_VARIABLE = 'BENCH_LATE_URL';
/** The deadlines are spread over this long after the first. */
const SPREAD_MS = 5_000;
/**
 * From writing the rules to the first deadline: serve must have started, its rules loaded, by then
 * (about 33 s for 10,000 rules, 8.5 s for a smoke run's 200).
 */
const startMarginMs = (rules: number) => 8_000 + 2.5 * rules;
/** How long after the last deadline the harness waits for the last alert to arrive. */
const PATIENCE_MS = 120_000;

interface FlowAlerts {
  readonly alerts: readonly { readonly labels: Readonly<Record<string, string>> }[];
}

/** `atMs` − deadline of every alert of the `late-*` flows in the notifications. */
function lateness(
  notified: readonly { atMs: number; notifications: readonly FlowAlerts[] }[],
  deadlines: ReadonlyMap<string, number>,
): number[] {
  const late: number[] = [];
  for (const { atMs, notifications } of notified) {
    for (const notification of notifications) {
      for (const alert of notification.alerts) {
        const deadline = deadlines.get(alert.labels.flow ?? '');
        if (deadline !== undefined) late.push(atMs - deadline);
      }
    }
  }
  return late;
}

/** What arrived at the receiver: flowtel's webhook payload (version 1) carries the notifications. */
const arrived = (arrivals: readonly Arrival[]) =>
  arrivals.map(({ atMs, body }) => ({
    atMs,
    notifications: (body as { notifications: FlowAlerts[] }).notifications,
  }));

/** What serve emitted: the outbox rows, each stored with the time the engine handed its notification over. */
async function emitted(home: string): Promise<{ atMs: number; notifications: FlowAlerts[] }[]> {
  const db = await openDatabase({ home });
  try {
    const rows = db.prepare('SELECT created_at, payload FROM outbox').all() as {
      created_at: number;
      payload: string;
    }[];
    return rows.map((row) => ({
      atMs: row.created_at,
      notifications: [JSON.parse(row.payload) as FlowAlerts],
    }));
  } finally {
    db.close();
  }
}

function within(
  late: readonly number[],
  count: number,
  what: string,
  label: string,
  target: boolean,
): Figure {
  const inTime = late.filter((ms) => ms <= 1_000).length;
  const complete = late.length === count;
  return {
    label,
    value: complete ? quantile(late, 1) : undefined,
    unit: 'ms',
    ...(target ? { target: { op: '<=' as const, value: 1_000 } } : {}),
    against: `${late.length} of ${count} alerts ${what}; p50 ${fmt(quantile(late, 0.5))} ms, p99 ${fmt(quantile(late, 0.99))} ms; ${inTime} within 1 s`,
    ...(complete
      ? {}
      : {
          note: `${count - late.length} alerts not ${what} within ${PATIENCE_MS / 1000} s of the last deadline`,
        }),
  };
}

export async function lateCase(ctx: BenchContext): Promise<CaseResult> {
  const count = ctx.sizes.lateSchedules;
  const hook = await startHookServer();
  const cwd = mkdtempSync(join(tmpdir(), 'flowtel-bench-late-'));
  const margin = startMarginMs(count);
  const written = Date.now();
  const { dir, deadlines } = lateRulesFolder(count, written + margin, SPREAD_MS, URL_VARIABLE);
  const lastDeadline = written + margin + SPREAD_MS;
  let startupMs = 0;
  let notified: ReturnType<typeof arrived>;
  let stored: Awaited<ReturnType<typeof emitted>>;
  try {
    const serve = await startServe({ args: ['--rules', dir], env: { [URL_VARIABLE]: hook.url }, cwd });
    startupMs = Date.now() - written;
    try {
      if (startupMs >= margin) {
        throw new Error(
          `serve took ${startupMs} ms to start with ${count} rules, past the first deadline (${margin} ms)`,
        );
      }
      const delivered = () => lateness(arrived(hook.arrivals), deadlines).length;
      while (delivered() < count && Date.now() < lastDeadline + PATIENCE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await serve.stop();
    }
    notified = arrived(hook.arrivals);
    stored = await emitted(homeIn(cwd));
  } finally {
    await hook.close();
    rmSync(cwd, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  const emitLate = lateness(stored, deadlines);
  const arriveLate = lateness(notified, deadlines);
  const figures: Figure[] = [
    within(emitLate, count, 'emitted', 'flow-late: deadline to alert emitted, max', true),
    { label: 'flow-late: deadline to alert emitted, p99', value: quantile(emitLate, 0.99), unit: 'ms' },
    within(arriveLate, count, 'delivered', 'flow-late: deadline to webhook arrival, max', false),
    {
      label: 'flow-late: deadline to webhook arrival, p99',
      value: quantile(arriveLate, 0.99),
      unit: 'ms',
      note: `serve started in ${fmt(startupMs / 1000)} s with ${count.toLocaleString('en-US')} rules`,
    },
  ];
  return {
    title: '9. serve: flow-late schedules',
    method: `\`flowtel serve --rules <generated>\` as its own process, on the system clock and FLOWTEL_HOME's SQLite store: ${count.toLocaleString('en-US')} \`flow-late\` rules, one flow each (\`late-<i>\`, which never runs), each with its own \`interval: 1h\` and an \`anchor\` that puts its first deadline (slot + \`grace\` of ${LATE_GRACE_MS} ms) ${fmt(margin / 1000)} s after the rules were written, the deadlines spread evenly over ${SPREAD_MS / 1000} s. Every rule notifies one webhook channel on a loopback receiver in the harness, \`groupWait: 0s\`, \`groupInterval: 0s\`. **Emitted** (the target): the time serve stored each notification in its outbox, the moment the engine handed it over (the outbox row's \`created_at\`, read from FLOWTEL_HOME's SQLite file after serve stopped) − the deadline. **Arrival**: when the receiver had the webhook request − the deadline, which adds delivery: one channel sends sequentially, one request per notification, so a burst of ${count.toLocaleString('en-US')} alerts queues behind the receiver's round trips.`,
    figures,
  };
}
