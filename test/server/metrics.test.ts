import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFinal, resultOf } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { createServeMetrics, SERIES } from '../../src/server/metrics/index.ts';
import { runCli, tempDir } from '../support/cli.ts';
import {
  type Family,
  parseExposition,
  promtoolCheckMetrics,
  samples,
  total,
} from '../support/prometheus-text.ts';

const ETL = resolve(import.meta.dirname, '../../examples/etl.ts');
const NO_EXPORT = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };
const FLOW = 'cicd_pipeline_name';
const TASK = 'cicd_pipeline_task_name';

/** The transition records of one `flowtel run examples/etl.ts --record` process. */
async function recordEtl(params: string[]): Promise<TransitionRecord[]> {
  const dir = tempDir();
  const file = join(dir, 'run.jsonl');
  const result = await runCli(['run', ETL, ...params, '--record', file], { env: NO_EXPORT, cwd: dir });
  expect(result.code, result.stderr).toBe(params.length === 0 ? 0 : 1);
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TransitionRecord);
}

/** As serve's scheduler stamps a run it launched: scheduled 90 s before the run started. */
function scheduledEarlier(records: TransitionRecord[]): TransitionRecord[] {
  const first = records[0];
  if (!first) throw new Error('no records');
  const scheduledAt = new Date(Date.parse(first.at) - 90_000).toISOString();
  return records.map((record) => (record.flow === 'etl' ? { ...record, scheduledAt } : record));
}

describe('serve metrics from the records of real flowtel runs', () => {
  let succeeded: TransitionRecord[];
  let failed: TransitionRecord[];
  let families: Map<string, Family>;
  let exposition: string;

  beforeAll(async () => {
    [succeeded, failed] = await Promise.all([recordEtl([]), recordEtl(['--param', 'failAt=load'])]);
    const metrics = await createServeMetrics();
    for (const record of [...scheduledEarlier(succeeded), ...failed]) metrics.observe(record);
    metrics.scheduled('etl', 'launched');
    metrics.notification('team-slack', 'flow-failed', 'sent');
    metrics.setHealth({
      outboxDepth: 0,
      outboxOldestAgeMs: null,
      evaluationLagMs: 2,
      runsInFlight: 0,
      firing: [{ rule: 'flow-failed', severity: 'critical', count: 1 }],
    });
    metrics.received('traces', 'spans', 40);
    metrics.rejected('logs', 'too_many_attributes', 1);
    const rendered = await metrics.render();
    expect(rendered.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    exposition = rendered.body;
    families = parseExposition(exposition);
  }, 60_000);

  it('exposes exactly the documented series, each with its type and labels, and process metrics', () => {
    const flowtel = [...families.values()].filter((f) => !/^(process|nodejs)_/.test(f.name));
    expect(flowtel.map((f) => [f.name, f.type])).toEqual(SERIES.map((s) => [s.name, s.type]));
    for (const spec of SERIES) {
      const family = families.get(spec.name);
      const expected = spec.type === 'histogram' ? [...spec.labels, 'le'] : spec.labels;
      for (const sample of family?.samples ?? []) {
        const labels = Object.keys(sample.labels);
        const wanted = sample.name.endsWith('_bucket') ? expected : spec.labels;
        expect(labels.sort(), `${sample.name} ${JSON.stringify(sample.labels)}`).toEqual([...wanted].sort());
      }
      expect(family?.samples.length, `${spec.name} has samples`).toBeGreaterThan(0);
    }
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('is read by promtool check metrics, with no lint problem in the flowtel series', () => {
    const check = promtoolCheckMetrics(exposition);
    expect(check.parsed, check.output).toBe(true);
    // prom-client names three of its gauges `nodejs_active_*_total`, which the linter dislikes.
    const ours = check.problems.filter((line) => !/^(nodejs|process)_/.test(line));
    expect(ours).toEqual([]);
  });

  it('counts each flow run once by result, and the durations count the same runs', () => {
    const duration = 'cicd_pipeline_run_duration_seconds';
    expect(total(families, `${duration}_count`, { [FLOW]: 'etl', cicd_pipeline_result: 'success' })).toBe(1);
    expect(total(families, `${duration}_count`, { [FLOW]: 'etl', cicd_pipeline_result: 'failure' })).toBe(1);
    // The report subflow ran in the successful run only (the failing one stops at load).
    expect(total(families, `${duration}_count`, { [FLOW]: 'etl-report' })).toBe(1);
    expect(total(families, `${duration}_bucket`, { [FLOW]: 'etl', le: '+Inf' })).toBe(2);
    const recorded = [...succeeded, ...failed]
      .filter((r) => r.flow === 'etl' && r.task === undefined && r.startedAt !== undefined)
      .reduce((sum, r) => sum + (Date.parse(r.at) - Date.parse(r.startedAt ?? r.at)) / 1000, 0);
    expect(total(families, `${duration}_sum`, { [FLOW]: 'etl' })).toBeCloseTo(recorded, 6);
  });

  it('ends with no active runs, in either state', () => {
    const active = families.get('cicd_pipeline_run_active')?.samples ?? [];
    expect(active.map((s) => s.labels.cicd_pipeline_run_state).sort()).toEqual([
      'executing',
      'executing',
      'pending',
      'pending',
    ]);
    expect(active.every((s) => s.value === 0)).toBe(true);
  });

  it('counts the failed run by its error type', () => {
    expect(families.get('cicd_pipeline_run_errors_total')?.samples).toEqual([
      { name: 'cicd_pipeline_run_errors_total', labels: { [FLOW]: 'etl', error_type: 'Error' }, value: 1 },
    ]);
  });

  it('counts every task run that ended, by task and result, and each retry', () => {
    const finals = [...succeeded, ...failed].filter((r) => r.task !== undefined && isFinal(r.state.type));
    const expected = new Map<string, number>();
    for (const r of finals) {
      const key = `${r.flow}/${r.task}/${resultOf(r.state.name)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const counted = new Map(
      samples(families, 'flowtel_task_run_duration_seconds_count').map((s) => [
        `${s.labels[FLOW]}/${s.labels[TASK]}/${s.labels.cicd_pipeline_task_run_result}`,
        s.value,
      ]),
    );
    expect(counted).toEqual(expected);
    expect(expected.get('etl/load/failure')).toBe(1);
    // transform fails its first attempt in every run and succeeds on the second.
    expect(total(families, 'flowtel_task_run_retries_total', { [TASK]: 'transform' })).toBe(2);
  });

  it('records the lateness of the scheduled run from its first Running', () => {
    const running = succeeded.find(
      (r) => r.flow === 'etl' && r.task === undefined && r.state.type === 'RUNNING',
    );
    const first = succeeded[0];
    const lateness = (Date.parse(running?.at ?? '') - Date.parse(first?.at ?? '') + 90_000) / 1000;
    expect(total(families, 'flowtel_flow_run_lateness_seconds_count', { [FLOW]: 'etl' })).toBe(1);
    expect(total(families, 'flowtel_flow_run_lateness_seconds_sum', { [FLOW]: 'etl' })).toBeCloseTo(
      lateness,
      6,
    );
    expect(total(families, 'flowtel_flow_run_lateness_seconds_bucket', { le: '60' })).toBe(0);
    expect(total(families, 'flowtel_flow_run_lateness_seconds_bucket', { le: '120' })).toBe(1);
  });

  it('reports what serve was told: schedules, notifications, health and ingest', () => {
    expect(total(families, 'flowtel_flow_runs_scheduled_total', { flowtel_outcome: 'launched' })).toBe(1);
    expect(
      total(families, 'flowtel_alert_notifications_total', {
        flowtel_channel: 'team-slack',
        flowtel_rule: 'flow-failed',
        flowtel_outcome: 'sent',
      }),
    ).toBe(1);
    expect(
      total(families, 'flowtel_alerts_firing', { flowtel_rule: 'flow-failed', severity: 'critical' }),
    ).toBe(1);
    expect(total(families, 'flowtel_serve_evaluation_lag_seconds')).toBe(0.002);
    expect(total(families, 'flowtel_outbox_oldest_age_seconds')).toBe(0);
    expect(total(families, 'flowtel_serve_received_total', { signal: 'traces', item: 'spans' })).toBe(40);
    expect(total(families, 'flowtel_serve_rejected_total', { reason: 'too_many_attributes' })).toBe(1);
    expect(total(families, 'flowtel_serve_up')).toBe(1);
    expect(total(families, 'flowtel_metrics_series_dropped_total')).toBe(0);
  });
});
