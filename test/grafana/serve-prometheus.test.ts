import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES, type SeriesSpec, seriesOfSample } from '../../dashboards/series.ts';
import { runCli } from '../support/cli.ts';
import { fillVariables, queriesOf } from '../support/dashboards.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';
import { type Family, parseExposition, total } from '../support/prometheus-text.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';

/**
 * The proof of issue 13 against the real thing: `flowtel serve` runs flows on seconds-level schedules
 * (one that fails, one that retries and recovers, one blocked so its next slots are skipped and late),
 * delivers their alerts to a Slack receiver that takes them and to one that refuses them for good,
 * hears an outside `flowtel run` over OTLP and refuses a malformed export; Debian's Prometheus, with
 * the scrape configuration of deploy/prometheus.yml, scrapes its /metrics; every PromQL expression of
 * every dashboard, Grafana's variables filled in, is then evaluated through Prometheus's HTTP API.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures/serve');
/** The flow the Flow detail dashboard is looked at for: it has errors, retries and failed tasks. */
const DETAIL_FLOW = 'failing-export';
/** Grafana's windows for a 1 s scrape interval, zoomed in on the last minutes. */
const WINDOWS = { rateInterval: '20s', range: '5m' } as const;

let serve: ServeProcess;
let prometheus: RunningPrometheus;
let team: SlackServer;
let gone: SlackServer;
let outside: { code: number | null; stderr: string };

async function scrape(): Promise<Map<string, Family>> {
  const answer = await serve.api('/metrics');
  return parseExposition(String(answer.body));
}

/** A value Prometheus answers that a panel would draw: a number, not NaN (a quantile of no data). */
const drawable = (value: string) => Number.isFinite(Number(value));

beforeAll(async () => {
  team = await startSlackServer();
  gone = await startSlackServer();
  gone.reply(...Array.from({ length: 200 }, () => SlackReplies.noService));
  serve = await startServe(['--flows', join(FIXTURES, 'flows'), '--rules', join(FIXTURES, 'rules')], {
    env: { TEAM_WEBHOOK_URL: team.url, GONE_WEBHOOK_URL: gone.url, FLOWTEL_SHUTDOWN_GRACE: '1s' },
  });
  prometheus = await startPrometheus({ target: new URL(serve.apiUrl).host });

  outside = await runCli(['run', join(FIXTURES, 'outside/batch.ts')], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: serve.otlpUrl, OTEL_METRICS_EXPORTER: 'none' },
  });
  const malformed = await fetch(`${serve.otlpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"resourceSpans": "not a list"',
  });
  expect(malformed.status).toBe(400);

  // What the runs, rules and deliveries must have produced before the dashboards can show it.
  const outcomes: Array<[string, Record<string, string>]> = [
    ['flowtel_alert_notifications_total', { flowtel_channel: 'team', flowtel_outcome: 'sent' }],
    ['flowtel_alert_notifications_total', { flowtel_channel: 'gone', flowtel_outcome: 'failed' }],
    ['flowtel_flow_runs_scheduled_total', { flowtel_outcome: 'skipped' }],
    ['flowtel_alerts_firing', { flowtel_rule: 'report-late' }],
    ['cicd_pipeline_run_duration_seconds_count', { cicd_pipeline_name: 'outside-batch' }],
    ['cicd_pipeline_run_duration_seconds_count', { cicd_pipeline_result: 'success' }],
    ['flowtel_task_run_duration_seconds_count', { cicd_pipeline_task_run_result: 'failure' }],
    ['flowtel_task_run_retries_total', { cicd_pipeline_name: DETAIL_FLOW }],
    ['flowtel_serve_rejected_total', {}],
  ];
  let missing: string[] = [];
  await until(
    'every outcome the dashboards show to be counted by serve',
    async () => {
      const families = await scrape();
      missing = outcomes
        .filter(([name, where]) => !(total(families, name, where) > 0))
        .map(([name, where]) => `${name}${JSON.stringify(where)}`);
      return missing.length === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, everyMs: 500 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; not counted: ${missing.join(', ')}`);
  });
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  await serve?.stop();
  await Promise.all([team?.close(), gone?.close()]);
});

describe('a real Prometheus scraping a real flowtel serve', () => {
  it('hears the outside run over OTLP like the scheduled ones', () => {
    expect(outside.code, outside.stderr).toBe(0);
  });

  it('returns data for every PromQL expression of every dashboard, variables filled in', async () => {
    const promql = queriesOf().filter((query) => query.language === 'promql');
    const withoutData = async () => {
      const empty: string[] = [];
      for (const { where, text } of promql) {
        const expr = fillVariables(text, { flow: DETAIL_FLOW, ...WINDOWS });
        const samples = await prometheus.query(expr);
        if (!samples.some((sample) => drawable(sample.value))) empty.push(`${where}: ${expr}`);
      }
      return empty;
    };
    // Prometheus needs a few scrapes of what serve counted (rates need two samples in their window).
    const empty = await until(
      'every dashboard expression to return data',
      async () => {
        const missing = await withoutData();
        return missing.length === 0 ? missing : undefined;
      },
      { timeoutMs: 45_000, everyMs: 1_000 },
    ).catch(() => withoutData());
    expect(empty).toEqual([]);
    expect(promql.length).toBeGreaterThan(20);
  }, 60_000);

  it("offers every flow with a finished run, scheduled or outside, as the Flow detail's flow", async () => {
    const response = await fetch(
      `${prometheus.url}/api/v1/label/cicd_pipeline_name/values?match[]=cicd_pipeline_run_duration_seconds_count{job="flowtel-serve"}`,
    );
    const { data } = (await response.json()) as { data: string[] };
    expect(data).toEqual(expect.arrayContaining(['failing-export', 'recovering-sync', 'outside-batch']));
  });

  it('labels series only with bounded values: no run or trace id, closed labels within their sets', async () => {
    const runs = await serve.api('/api/v1/runs?limit=500');
    const ids = new Set<string>();
    for (const run of runs.body.runs as { id: string; traceId: string | null }[]) {
      ids.add(run.id);
      if (run.traceId) ids.add(run.traceId);
    }
    expect(ids.size).toBeGreaterThan(5);

    const unbounded: string[] = [];
    const outsideTheirSet: string[] = [];
    for (const family of (await scrape()).values()) {
      for (const sample of family.samples) {
        const series = seriesOfSample(sample.name);
        const spec: SeriesSpec | undefined = series === undefined ? undefined : SERIES[series];
        const closed = spec?.values ?? {};
        for (const [label, value] of Object.entries(sample.labels)) {
          if (ids.has(value) || /[0-9a-f]{8}-[0-9a-f]{4}-|^[0-9a-f]{32}$/.test(value)) {
            unbounded.push(`${sample.name}{${label}="${value}"}`);
          }
          const allowed = closed[label];
          if (allowed && !allowed.includes(value))
            outsideTheirSet.push(`${sample.name}{${label}="${value}"}`);
        }
      }
    }
    expect(unbounded).toEqual([]);
    expect([...new Set(outsideTheirSet)]).toEqual([]);
  });
});
