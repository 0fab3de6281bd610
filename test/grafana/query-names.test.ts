import { describe, expect, it } from 'vitest';
import { promqlNames, traceqlNames } from './query-names.ts';

describe('reading the names a query uses', () => {
  it('finds the metrics of a PromQL expression, not its functions, keywords, labels or strings', () => {
    const names = promqlNames(
      'histogram_quantile(0.95, sum by (le, cicd_pipeline_name) (rate(cicd_pipeline_run_duration_seconds_bucket{cicd_pipeline_name="by_rate"}[$__rate_interval]))) / on (cicd_pipeline_name) flowtel_outbox_depth or vector(0)',
    );
    expect(names.metrics).toEqual(['cicd_pipeline_run_duration_seconds_bucket', 'flowtel_outbox_depth']);
    expect(names.groupingLabels).toEqual(['le', 'cicd_pipeline_name', 'cicd_pipeline_name']);
    expect(names.matcherLabels.get('cicd_pipeline_run_duration_seconds_bucket')).toEqual([
      'cicd_pipeline_name',
    ]);
  });

  it('finds the scoped and unscoped attributes of a TraceQL query, not its strings', () => {
    const names = traceqlNames(
      '{ span.cicd.pipeline.name = "span.x" && .flowtel.attempt > 1 && status = error }',
    );
    expect(names.attributes).toEqual([
      { scope: 'span', name: 'cicd.pipeline.name' },
      { scope: '', name: 'flowtel.attempt' },
    ]);
    expect(names.words).toEqual(['status', 'error']);
  });
});
