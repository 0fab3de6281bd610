import type { CaseResult, Figure } from '../figures.ts';
import { type Arrival, startHookServer } from '../receiver/hook-server.ts';
import { LATE_GRACE_MS, lateRulesFolder } from '../rules.ts';
import { startServe } from '../serve.ts';
import { quantile } from '../stats.ts';
import { type BenchContext, fmt } from './context.ts';

const URL_VARIABLE = 'BENCH_LATE_URL';
/** The deadlines are spread over this long after the first. */
const SPREAD_MS = 5_000;
/** From writing the rules to the first deadline: serve must have started (10,000 rules loaded) by then. */
const START_MARGIN_MS = 30_000;
/** How long after the last deadline the harness waits for the last alert. */
const PATIENCE_MS = 60_000;

/** Arrival − deadline of every alert of the `late-*` flows (flowtel's webhook payload, version 1). */
function lateness(arrivals: readonly Arrival[], deadlines: ReadonlyMap<string, number>): number[] {
  const late: number[] = [];
  for (const { atMs, body } of arrivals) {
    const payload = body as { notifications: { alerts: { labels: Record<string, string> }[] }[] };
    for (const notification of payload.notifications) {
      for (const alert of notification.alerts) {
        const deadline = deadlines.get(alert.labels.flow ?? '');
        if (deadline !== undefined) late.push(atMs - deadline);
      }
    }
  }
  return late;
}

const alertsIn = (arrivals: readonly Arrival[], deadlines: ReadonlyMap<string, number>) =>
  lateness(arrivals, deadlines).length;

export async function lateCase(ctx: BenchContext): Promise<CaseResult> {
  const count = ctx.sizes.lateSchedules;
  const hook = await startHookServer();
  const written = Date.now();
  const { dir, deadlines } = lateRulesFolder(count, written + START_MARGIN_MS, SPREAD_MS, URL_VARIABLE);
  const lastDeadline = written + START_MARGIN_MS + SPREAD_MS;
  let startupMs = 0;
  try {
    const serve = await startServe({ args: ['--rules', dir], env: { [URL_VARIABLE]: hook.url } });
    startupMs = Date.now() - written;
    try {
      if (startupMs >= START_MARGIN_MS) {
        throw new Error(
          `serve took ${startupMs} ms to start with ${count} rules, past the first deadline (${START_MARGIN_MS} ms)`,
        );
      }
      while (alertsIn(hook.arrivals, deadlines) < count && Date.now() < lastDeadline + PATIENCE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await serve.stop();
    }
  } finally {
    await hook.close();
  }
  const late = lateness(hook.arrivals, deadlines);
  const within = late.filter((ms) => ms <= 1_000).length;
  const against = `${late.length} of ${count} alerts arrived, in ${hook.arrivals.length} requests; p50 ${fmt(quantile(late, 0.5))} ms, p99 ${fmt(quantile(late, 0.99))} ms; ${within} within 1 s; serve started in ${fmt(startupMs / 1000)} s`;
  const figures: Figure[] = [
    {
      label: 'flow-late: deadline to arrival, max',
      value: late.length === count ? quantile(late, 1) : undefined,
      unit: 'ms',
      target: { op: '<=', value: 1_000 },
      against,
      ...(late.length === count
        ? {}
        : { note: `${count - late.length} alerts did not arrive within ${PATIENCE_MS / 1000} s` }),
    },
    { label: 'flow-late: deadline to arrival, p99', value: quantile(late, 0.99), unit: 'ms' },
  ];
  return {
    title: '9. serve: flow-late schedules',
    method: `\`flowtel serve --rules <generated>\` as its own process, on the system clock and FLOWTEL_HOME's SQLite store: ${count.toLocaleString('en-US')} \`flow-late\` rules, one flow each (\`late-<i>\`, which never runs), each with its own \`interval: 1h\` and an \`anchor\` that puts its first deadline (slot + \`grace\` of ${LATE_GRACE_MS} ms) ${START_MARGIN_MS / 1000} s after the rules were written, the deadlines spread evenly over ${SPREAD_MS / 1000} s. Every rule notifies one webhook channel on a loopback receiver in the harness, \`groupWait: 0s\`, \`groupInterval: 0s\`; the receiver notes each request's arrival. Figure = arrival − deadline: the engine's timer, the alert stored, the notification put in the outbox and **delivered** (the webhook channel sends one request per notification), so it measures more than the emission the target names.`,
    figures,
  };
}
