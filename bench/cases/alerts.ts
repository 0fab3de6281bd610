import { type FlowtelRunOptions, runFlowtel } from '../cli.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { profileRun } from '../profile.ts';
import { type Arrival, startHookServer } from '../receiver/hook-server.ts';
import { alertRulesFolder } from '../rules.ts';
import { quantile } from '../stats.ts';
import { type BenchContext, exportTo, fmt, profileMiss } from './context.ts';

const URL_VARIABLE = 'BENCH_ALERT_URL';

/** Webhook grouping: nothing held back, so what is timed is delivery (see `method`). */
const WEBHOOK_TIMING = { groupWait: '0s', groupInterval: '0s' };

interface FailureRun {
  readonly failedAtMs: Record<string, number>;
  readonly arrivals: Arrival[];
}

interface FailureOptions {
  readonly prefix: string;
  readonly count: number;
  readonly gapMs: number;
  readonly timing: Record<string, string>;
}

/** The run's options, with a fresh loopback receiver for its alerts; closed after `use`. */
async function withReceiver<T>(
  ctx: BenchContext,
  channel: 'webhook' | 'slack',
  options: FailureOptions,
  use: (run: FlowtelRunOptions, arrivals: Arrival[]) => Promise<T>,
): Promise<T> {
  const hook = await startHookServer();
  try {
    const urlVariable = URL_VARIABLE;
    return await use(
      {
        env: {
          ...exportTo(ctx.sink),
          [urlVariable]: hook.url,
          BENCH_FAILURES: String(options.count),
          BENCH_FAILURE_GAP_MS: String(options.gapMs),
          BENCH_FAILURE_PREFIX: options.prefix,
        },
        rules: alertRulesFolder({ type: channel, urlVariable }, `${options.prefix}-*`, options.timing),
      },
      hook.arrivals,
    );
  } finally {
    await hook.close();
  }
}

function failFlows(
  ctx: BenchContext,
  channel: 'webhook' | 'slack',
  options: FailureOptions,
): Promise<FailureRun> {
  return withReceiver(ctx, channel, options, async (run, arrivals) => {
    const { figures } = await runFlowtel('failures.ts', run);
    return { failedAtMs: figures.failedAtMs as Record<string, number>, arrivals: [...arrivals] };
  });
}

/** Arrival − failure time of every alert in every webhook request (flowtel's payload, version 1). */
function webhookLatencies({ failedAtMs, arrivals }: FailureRun): number[] {
  const latencies: number[] = [];
  for (const { atMs, body } of arrivals) {
    const payload = body as { notifications: { alerts: { labels: Record<string, string> }[] }[] };
    for (const notification of payload.notifications) {
      for (const alert of notification.alerts) {
        const failedAt = failedAtMs[alert.labels.flow ?? ''];
        if (failedAt !== undefined) latencies.push(atMs - failedAt);
      }
    }
  }
  return latencies;
}

/**
 * Alerts a Slack message carries: one context line (`alert <id> · rule …`) per alert shown, plus the
 * "…and N more" a grouped message ends with past Slack's block limit.
 */
function alertsInSlackMessage(body: unknown): number {
  const blocks = (
    body as { blocks?: { type: string; text?: { text: string }; elements?: { text: string }[] }[] }
  ).blocks;
  let count = 0;
  for (const block of blocks ?? []) {
    if (block.type === 'context' && block.elements?.some((e) => e.text.startsWith('alert '))) count++;
    const more = block.text?.text.match(/^…and (\d+) more$/);
    if (more) count += Number(more[1]);
  }
  return count;
}

export async function alertsCase(ctx: BenchContext): Promise<CaseResult> {
  const { failures, failureGapMs, burst } = ctx.sizes;
  const webhookOptions = {
    prefix: 'bench-fail',
    count: failures,
    gapMs: failureGapMs,
    timing: WEBHOOK_TIMING,
  };
  const webhook = await failFlows(ctx, 'webhook', webhookOptions);
  const latencies = webhookLatencies(webhook);
  const p99: Figure = {
    label: 'webhook: failure to arrival, p99',
    value: quantile(latencies, 0.99),
    unit: 'ms',
    target: { op: '<', value: 50 },
    against: `${latencies.length} of ${failures} alerts arrived, in ${webhook.arrivals.length} requests; p50 ${fmt(quantile(latencies, 0.5))} ms, max ${fmt(quantile(latencies, 1))} ms`,
  };
  await profileMiss(ctx, p99, () =>
    withReceiver(ctx, 'webhook', webhookOptions, (run) => profileRun('failures.ts', run)),
  );

  const slackOptions = { prefix: 'bench-burst', count: burst, gapMs: 0, timing: {} };
  const slack = await failFlows(ctx, 'slack', slackOptions);
  const firstFailure = Math.min(...Object.values(slack.failedAtMs));
  const perMessage = slack.arrivals.map(({ body }) => alertsInSlackMessage(body));
  const first: Figure = {
    label: 'Slack: burst to first message',
    value: slack.arrivals[0] ? slack.arrivals[0].atMs - firstFailure : undefined,
    unit: 'ms',
    target: { op: '<', value: 50 },
    against: `${burst} failures at once; ${slack.arrivals.length} messages carrying ${perMessage.join(' + ')} alerts, ${fmt(slack.arrivals.length > 1 ? slack.arrivals.at(-1)!.atMs - slack.arrivals[0]!.atMs : 0)} ms from first to last`,
    ...(slack.arrivals[0] ? {} : { note: 'no Slack message arrived' }),
  };
  await profileMiss(ctx, first, () =>
    withReceiver(ctx, 'slack', slackOptions, (run) => profileRun('failures.ts', run)),
  );
  const grouped: Figure = {
    label: 'Slack: messages for the burst',
    value: slack.arrivals.length,
    unit: 'messages',
    against: `alerts per message: ${perMessage.join(', ')}`,
  };
  return {
    title: '7. Alert latency',
    method: `\`flowtel run bench/flows/failures.ts --rules <generated>\`, exporting to the receiver process: a parent flow runs subflows of different names that fail at once; one \`flow-failed\` rule (\`sendResolved: false\`) notifies a loopback receiver in the harness, which notes each request's arrival; latency = arrival − the failed state's time. **Webhook**: ${failures.toLocaleString('en-US')} failures, ${failureGapMs} ms apart; \`groupWait: 0s\` and \`groupInterval: 0s\`, so no notification is held back on purpose (a webhook channel is unpaced, one notification per request, in src/notify/notifiers.ts): alerts that fire while a flush is under way still share its notification. **Slack**: a burst of ${burst} failures (yielding to the event loop between two, no more), the rule at DESIGN.md's defaults (\`groupWait\` 0, \`groupInterval\` 1m): the first alert goes at once, those that fire within the group interval after it wait and go together, here when \`flowtel run\` flushes before it exits; the channel is paced to one message a second, groups of at most 20 notifications.`,
    figures: [p99, first, grouped],
  };
}
