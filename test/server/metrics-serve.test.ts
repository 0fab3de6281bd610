import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliveryMetrics } from '../../src/notify/metrics.ts';
import {
  countDeliveriesIn,
  createServeMetrics,
  SERIES,
  type ServeMetrics,
} from '../../src/server/metrics/index.ts';
import { parseExposition, samples, total } from '../support/prometheus-text.ts';

const quiet = { processMetrics: false } as const;

async function scrape(metrics: ServeMetrics) {
  return parseExposition((await metrics.render()).body);
}

const health = { outboxDepth: 0, outboxOldestAgeMs: null, evaluationLagMs: 0, runsInFlight: 0 } as const;

describe("serve's own metrics", () => {
  it('reports health in seconds, and a firing alert drops to 0 when it resolves', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.setHealth({
      outboxDepth: 3,
      outboxOldestAgeMs: 12_500,
      evaluationLagMs: 40,
      runsInFlight: 2,
      firing: [
        { rule: 'flow-late', severity: 'warning', count: 2 },
        { rule: 'flow-failed', severity: 'critical', count: 1 },
      ],
    });
    let families = await scrape(metrics);
    expect(total(families, 'flowtel_outbox_depth')).toBe(3);
    expect(total(families, 'flowtel_outbox_oldest_age_seconds')).toBe(12.5);
    expect(total(families, 'flowtel_serve_evaluation_lag_seconds')).toBe(0.04);
    expect(total(families, 'flowtel_serve_runs_in_flight')).toBe(2);
    expect(total(families, 'flowtel_alerts_firing', { flowtel_rule: 'flow-late' })).toBe(2);

    metrics.setHealth({ ...health, firing: [{ rule: 'flow-late', severity: 'warning', count: 1 }] });
    families = await scrape(metrics);
    const firing = samples(families, 'flowtel_alerts_firing').map((s) => [s.labels.flowtel_rule, s.value]);
    expect(firing).toEqual([
      ['flow-late', 1],
      ['flow-failed', 0],
    ]);
    expect(total(families, 'flowtel_outbox_oldest_age_seconds')).toBe(0);
  });

  it('counts schedule outcomes and OTLP items received and rejected, as counters that only grow', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.scheduled('nightly', 'launched');
    metrics.scheduled('nightly', 'skipped');
    metrics.scheduled('nightly', 'missed');
    metrics.scheduled('nightly', 'missed');
    metrics.received('logs', 'log_records', 7);
    metrics.received('logs', 'log_records', 3);
    metrics.rejected('traces', 'body_too_large', 1);
    const families = await scrape(metrics);
    expect(total(families, 'flowtel_flow_runs_scheduled_total', { flowtel_outcome: 'missed' })).toBe(2);
    expect(total(families, 'flowtel_flow_runs_scheduled_total')).toBe(4);
    expect(total(families, 'flowtel_serve_received_total', { signal: 'logs', item: 'log_records' })).toBe(10);
    expect(
      total(families, 'flowtel_serve_rejected_total', { signal: 'traces', reason: 'body_too_large' }),
    ).toBe(1);
    expect(() => metrics.received('traces', 'spans', -1)).toThrow('n must be a non-negative count, got -1');
  });

  it("passes delivery's outcomes on to its OTel counter and to /metrics alike", async () => {
    const metrics = await createServeMetrics(quiet);
    const otel: Array<Parameters<DeliveryMetrics['count']>> = [];
    const delivery = countDeliveriesIn(metrics, { count: (...args) => otel.push(args) });
    delivery.count('sent', 'team-slack', 'flow-failed');
    delivery.count('failed', 'oncall-email', 'flow-failed');
    delivery.count('sent', 'team-slack', 'flow-failed');
    expect(otel).toHaveLength(3);
    const families = await scrape(metrics);
    const counted = samples(families, 'flowtel_alert_notifications_total').map((s) => [
      s.labels.flowtel_channel,
      s.labels.flowtel_outcome,
      s.value,
    ]);
    expect(counted).toEqual([
      ['team-slack', 'sent', 2],
      ['oncall-email', 'failed', 1],
    ]);
  });

  it("keeps its series on its own registry: two serves in one process count apart, prom-client's global registry stays empty", async () => {
    const [first, second] = await Promise.all([createServeMetrics(), createServeMetrics()]);
    first.scheduled('nightly', 'launched');
    expect(total(await scrape(first), 'flowtel_flow_runs_scheduled_total')).toBe(1);
    const families = await scrape(second);
    expect(total(families, 'flowtel_flow_runs_scheduled_total')).toBe(0);
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    const { register } = await import('prom-client');
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });

  it('loads prom-client only when serve creates its metrics', () => {
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/prom-client/'));
      const { createServeMetrics } = await import(${JSON.stringify(resolve(import.meta.dirname, '../../src/server/metrics/index.ts'))});
      const before = loaded();
      await createServeMetrics({ processMetrics: false });
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const child = spawnSync(
      process.execPath,
      [
        '--conditions=flowtel-source',
        '--import',
        import.meta.resolve('tsx'),
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ before: false, after: true });
  });

  it("the README's Metrics table lists exactly the series, types and labels /metrics has", () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const section = readme.split('\n### Metrics\n')[1]?.split('\n#')[0] ?? '';
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const [name = '', type = '', labels = ''] = line
          .split('|')
          .slice(1)
          .map((cell) => cell.trim());
        // Label cells list values in parentheses after some labels: keep the backticked names outside them.
        const names = [...labels.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        return { name: name.replaceAll('`', ''), type, labels: names };
      });
    expect(rows).toEqual(SERIES.map((s) => ({ name: s.name, type: s.type, labels: [...s.labels] })));
  });
});
