import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { FAILED_RESULTS } from '../../dashboards/series.ts';
import { DASHBOARD_UID } from './datasources.ts';
import { dashboardLinks, TIME } from './layout.ts';
import { stat, timeseries, traces } from './panels.ts';
import { gauge, increase, quantile, RUN_FAILED, rate, share } from './promql.ts';

/** "How are my flows doing?": runs by result, failure rate, durations, active runs, lateness. */
export function flowRunsDashboard() {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana placeholder, which Grafana fills in
  const openFlowDetail = new DashboardLinkBuilder('Flow detail of ${__field.labels.cicd_pipeline_name}')
    .type(DashboardLinkType.Link)
    .url(
      `/d/${DASHBOARD_UID.flowDetail}?var-flow=\${__field.labels.cicd_pipeline_name}&\${__url_time_range}`,
    );
  const byFlow = ['cicd_pipeline_name'];

  return new DashboardBuilder('Flow runs')
    .uid(DASHBOARD_UID.flowRuns)
    .description(
      'Every flow that serve schedules or receives runs from: how many runs end how, and how fast.',
    )
    .tags(['flowtel'])
    .time(TIME)
    .refresh('30s')
    .links(dashboardLinks())
    .withRow(new RowBuilder('Runs'))
    .withPanel(
      timeseries(
        'Runs by final state',
        [
          {
            expr: increase('cicd_pipeline_run_duration_seconds', ['cicd_pipeline_result']),
            legend: '{{cicd_pipeline_result}}',
          },
        ],
        { description: 'Flow runs that ended in each interval, by result.', unit: 'short', stacked: true },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Failure rate by flow',
        [
          {
            expr: share(
              rate('cicd_pipeline_run_duration_seconds', byFlow, [RUN_FAILED]),
              rate('cicd_pipeline_run_duration_seconds', byFlow),
            ),
            legend: '{{cicd_pipeline_name}}',
          },
        ],
        {
          description: 'Share of ended runs that failed, crashed or timed out.',
          unit: 'percentunit',
          links: [openFlowDetail],
        },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Run duration by flow',
        [
          {
            expr: quantile(0.5, 'cicd_pipeline_run_duration_seconds', byFlow),
            legend: '{{cicd_pipeline_name}} p50',
          },
          {
            expr: quantile(0.95, 'cicd_pipeline_run_duration_seconds', byFlow),
            legend: '{{cicd_pipeline_name}} p95',
          },
        ],
        { description: 'Median and 95th percentile of run durations.', unit: 's', links: [openFlowDetail] },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Active runs',
        [
          {
            expr: gauge('cicd_pipeline_run_active', ['cicd_pipeline_name', 'cicd_pipeline_run_state']),
            legend: '{{cicd_pipeline_name}} {{cicd_pipeline_run_state}}',
          },
        ],
        { description: 'Runs waiting (pending) or executing now.', unit: 'short', stacked: true },
      )
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('Schedules'))
    .withPanel(
      timeseries(
        'Lateness by flow (p95)',
        [
          {
            expr: quantile(0.95, 'flowtel_flow_run_lateness_seconds', byFlow),
            legend: '{{cicd_pipeline_name}}',
          },
        ],
        {
          description: 'How long after its scheduled time a run started.',
          unit: 's',
          links: [openFlowDetail],
        },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Scheduled slots by outcome',
        [
          {
            expr: increase('flowtel_flow_runs_scheduled_total', ['flowtel_outcome']),
            legend: '{{flowtel_outcome}}',
          },
        ],
        {
          description:
            'Schedule slots serve launched, skipped (overlap policy) or missed (while it was down).',
          unit: 'short',
          stacked: true,
        },
      )
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('Failures'))
    .withPanel(
      stat(
        'Runs in flight',
        { expr: gauge('flowtel_serve_runs_in_flight') },
        { description: 'Runs serve is watching now (scheduled here or reported over OTLP).', unit: 'short' },
      )
        .height(8)
        .span(6),
    )
    .withPanel(
      timeseries(
        'Errors by type',
        [
          {
            expr: increase('cicd_pipeline_run_errors_total', ['cicd_pipeline_name', 'error_type']),
            legend: '{{cicd_pipeline_name}} {{error_type}}',
          },
        ],
        { description: 'Failed runs by the error type that ended them.', unit: 'short', stacked: true },
      )
        .height(8)
        .span(18),
    )
    .withPanel(
      traces(
        'Recent failed runs',
        `{ span.cicd.pipeline.result =~ "${FAILED_RESULTS.join('|')}" }`,
        'Flow runs that failed, crashed or timed out; a trace id opens the run in Tempo.',
      )
        .height(10)
        .span(24),
    );
}
