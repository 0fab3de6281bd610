import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { type StateName, StateNames } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { createServeMetrics, type ServeMetrics } from '../../src/server/metrics/index.ts';
import { parseExposition, samples, total } from '../support/prometheus-text.ts';

const T0 = Date.parse('2026-11-25T02:00:00.000Z');

/** A record of flow run `run` of flow `nightly` (or of its task run `taskRun`), `ms` after T0. */
function record(
  run: string,
  name: StateName,
  ms: number,
  extra: Partial<TransitionRecord> = {},
): TransitionRecord {
  return {
    v: 1,
    seq: 1,
    at: new Date(T0 + ms).toISOString(),
    flow: 'nightly',
    flowRunId: run,
    attempt: 1,
    state: { type: StateNames[name], name },
    tags: [],
    scheduledAt: null,
    ...extra,
  };
}

const task = (run: string, taskRun: string, name: StateName, ms: number, attempt = 1) =>
  record(run, name, ms, { task: 'fetch', taskRunId: taskRun, attempt });

async function scrape(metrics: ServeMetrics) {
  return parseExposition((await metrics.render()).body);
}

const quiet = { processMetrics: false } as const;

function active(families: Awaited<ReturnType<typeof scrape>>, state: 'pending' | 'executing'): number {
  return total(families, 'cicd_pipeline_run_active', { cicd_pipeline_run_state: state });
}

describe('serve metrics whichever way records arrive', () => {
  it('moves a run through pending and executing to ended, one at a time', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.observe(record('a', 'Pending', 0));
    let families = await scrape(metrics);
    expect([active(families, 'pending'), active(families, 'executing')]).toEqual([1, 0]);
    metrics.observe(record('a', 'Running', 10));
    families = await scrape(metrics);
    expect([active(families, 'pending'), active(families, 'executing')]).toEqual([0, 1]);
    metrics.observe(record('a', 'Completed', 2_010, { startedAt: new Date(T0 + 10).toISOString() }));
    families = await scrape(metrics);
    expect([active(families, 'pending'), active(families, 'executing')]).toEqual([0, 0]);
    expect(
      total(families, 'cicd_pipeline_run_duration_seconds_sum', { cicd_pipeline_result: 'success' }),
    ).toBe(2);
  });

  it('never drives the active gauge negative for runs that started before serve did', async () => {
    const metrics = await createServeMetrics(quiet);
    // Serve saw only the end of one run, and the Running and end of another.
    metrics.observe(record('before', 'Completed', 5_000, { startedAt: new Date(T0).toISOString() }));
    metrics.observe(record('midway', 'Running', 1_000));
    metrics.observe(record('midway', 'Failed', 4_000, { error: { type: 'TypeError', message: 'x' } }));
    const families = await scrape(metrics);
    expect(samples(families, 'cicd_pipeline_run_active').every((s) => s.value === 0)).toBe(true);
    expect(total(families, 'cicd_pipeline_run_duration_seconds_count')).toBe(2);
    // Without `startedAt`, the first record seen is the start.
    expect(
      total(families, 'cicd_pipeline_run_duration_seconds_sum', { cicd_pipeline_result: 'failure' }),
    ).toBe(3);
  });

  it('ignores records of a run that arrive after its end', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.observe(record('a', 'Running', 0));
    metrics.observe(record('a', 'Completed', 1_000));
    metrics.observe(record('a', 'Pending', -10));
    metrics.observe(record('a', 'Completed', 1_000));
    const families = await scrape(metrics);
    expect(active(families, 'pending') + active(families, 'executing')).toBe(0);
    expect(total(families, 'cicd_pipeline_run_duration_seconds_count')).toBe(1);
  });

  it('counts a crashed run with result error, and its error as _OTHER when the crash names none', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.observe(record('a', 'Running', 0));
    metrics.observe(record('a', 'Crashed', 90_000, { message: 'heartbeats stopped' }));
    metrics.observe(record('b', 'Running', 0));
    metrics.observe(record('b', 'Crashed', 1_000, { error: { type: 'OutOfMemory', message: 'heap' } }));
    metrics.observe(record('c', 'Running', 0));
    metrics.observe(record('c', 'Cancelled', 1_000, { error: { type: 'CancelledError', message: 'stop' } }));
    const families = await scrape(metrics);
    expect(
      total(families, 'cicd_pipeline_run_duration_seconds_count', { cicd_pipeline_result: 'error' }),
    ).toBe(2);
    expect(
      total(families, 'cicd_pipeline_run_duration_seconds_count', { cicd_pipeline_result: 'cancellation' }),
    ).toBe(1);
    const errors = samples(families, 'cicd_pipeline_run_errors_total').map((s) => [
      s.labels.error_type,
      s.value,
    ]);
    expect(errors).toEqual([
      ['_OTHER', 1],
      ['OutOfMemory', 1],
    ]);
    expect(active(families, 'executing')).toBe(0);
  });

  it('times a task whose failure arrived before its start (log record first, span later)', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.observe(record('a', 'Running', 0));
    metrics.observe(task('a', 't1', 'Failed', 4_500));
    let families = await scrape(metrics);
    expect(total(families, 'flowtel_task_run_duration_seconds_count')).toBe(0);
    // The span's records: Pending and Running (the Failed duplicate is dropped upstream).
    metrics.observe(task('a', 't1', 'Pending', 1_000));
    metrics.observe(task('a', 't1', 'Running', 1_500));
    families = await scrape(metrics);
    const where = { cicd_pipeline_task_name: 'fetch', cicd_pipeline_task_run_result: 'failure' };
    expect(total(families, 'flowtel_task_run_duration_seconds_count', where)).toBe(1);
    expect(total(families, 'flowtel_task_run_duration_seconds_sum', where)).toBe(3.5);
  });

  it('counts a task end whose start never comes after the wait, from its flow run start', async () => {
    const clock = new ManualClock(T0);
    const metrics = await createServeMetrics({ ...quiet, clock, taskSettleMs: 60_000 });
    metrics.observe(record('a', 'Running', 0));
    metrics.observe(task('a', 't1', 'Failed', 7_000));
    clock.advanceBy(59_999);
    expect(total(await scrape(metrics), 'flowtel_task_run_duration_seconds_count')).toBe(0);
    clock.advanceBy(1);
    const families = await scrape(metrics);
    expect(total(families, 'flowtel_task_run_duration_seconds_count')).toBe(1);
    expect(total(families, 'flowtel_task_run_duration_seconds_sum')).toBe(7);
    // Its span arriving even later changes nothing.
    metrics.observe(task('a', 't1', 'Pending', 6_000));
    expect(total(await scrape(metrics), 'flowtel_task_run_duration_seconds_count')).toBe(1);
  });

  it('counts a retry on each AwaitingRetry, as a run reports over OTLP (without its Retrying records)', async () => {
    const metrics = await createServeMetrics(quiet);
    const startedAt = new Date(T0).toISOString();
    metrics.observe(task('a', 't1', 'AwaitingRetry', 100));
    metrics.observe(task('a', 't1', 'AwaitingRetry', 300, 2));
    metrics.observe({ ...task('a', 't1', 'Failed', 500, 3), startedAt });
    const families = await scrape(metrics);
    expect(total(families, 'flowtel_task_run_retries_total', { cicd_pipeline_task_name: 'fetch' })).toBe(2);
    // Its end carries its start, so it counts at once, with its whole duration.
    expect(total(families, 'flowtel_task_run_duration_seconds_sum')).toBe(0.5);
  });

  it('counts a retry on each AwaitingRetry when every record is heard', async () => {
    const metrics = await createServeMetrics(quiet);
    metrics.observe(task('a', 't1', 'Pending', 0));
    metrics.observe(task('a', 't1', 'Running', 0));
    metrics.observe(task('a', 't1', 'AwaitingRetry', 100));
    metrics.observe(task('a', 't1', 'Retrying', 200, 2));
    metrics.observe(task('a', 't1', 'AwaitingRetry', 300, 2));
    metrics.observe(task('a', 't1', 'Retrying', 400, 3));
    metrics.observe(task('a', 't1', 'Completed', 500, 3));
    const families = await scrape(metrics);
    expect(total(families, 'flowtel_task_run_retries_total', { cicd_pipeline_task_name: 'fetch' })).toBe(2);
    expect(total(families, 'flowtel_task_run_duration_seconds_sum')).toBe(0.5);
  });

  it('takes lateness from the first Running of a scheduled run, never below zero', async () => {
    const metrics = await createServeMetrics(quiet);
    const scheduledAt = new Date(T0).toISOString();
    metrics.observe(record('late', 'Pending', 1_000, { scheduledAt }));
    metrics.observe(record('late', 'Running', 2_500, { scheduledAt }));
    metrics.observe(record('late', 'Running', 9_000, { scheduledAt }));
    metrics.observe(record('early', 'Running', -500, { scheduledAt }));
    metrics.observe(record('unscheduled', 'Running', 0));
    const families = await scrape(metrics);
    expect(total(families, 'flowtel_flow_run_lateness_seconds_count')).toBe(2);
    expect(total(families, 'flowtel_flow_run_lateness_seconds_sum')).toBe(2.5);
  });
});

describe('serve metrics stay bounded', () => {
  it('drops and counts updates past the series limit, so a flow named per run cannot exhaust memory', async () => {
    const metrics = await createServeMetrics({ ...quiet, maxSeries: 10 });
    for (let i = 0; i < 50; i += 1) {
      const run = `run-${i}`;
      metrics.observe(record(run, 'Running', 0, { flow: `nightly-${run}` }));
      metrics.observe(record(run, 'Completed', 1_000, { flow: `nightly-${run}` }));
    }
    const families = await scrape(metrics);
    const labelled = [...families.values()]
      .flatMap((f) => f.samples)
      .filter((s) => Object.keys(s.labels).some((label) => label !== 'le'));
    const labelSets = new Set(
      labelled.map((s) => JSON.stringify({ ...s.labels, le: undefined, name: undefined })),
    );
    expect(labelSets.size).toBeLessThanOrEqual(10);
    expect(total(families, 'flowtel_metrics_series_dropped_total')).toBeGreaterThan(0);
  });

  it('forgets runs past the run limit, and they stop counting as active', async () => {
    const metrics = await createServeMetrics({ ...quiet, maxRuns: 4 });
    for (const run of ['a', 'b', 'c', 'd']) metrics.observe(record(run, 'Running', 0));
    expect(active(await scrape(metrics), 'executing')).toBe(4);
    // A fifth run: the older half (a, b) is let go at once; never more than the limit is kept.
    metrics.observe(record('e', 'Running', 0));
    expect(active(await scrape(metrics), 'executing')).toBe(3);
  });
});
