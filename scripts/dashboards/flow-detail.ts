import {
  DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { FAILED_RESULTS } from '../../dashboards/series.ts';
import { DASHBOARD_UID, DATASOURCE } from './datasources.ts';
import { dashboardLinks, TIME } from './layout.ts';
import { logs, timeseries, traces } from './panels.ts';
import { FLOW_IS_SELECTED, increase, quantile, RANGE_WINDOW, TASK_RUN_FAILED } from './promql.ts';

/** "What is wrong with this flow?": one flow (the `flow` variable), its tasks, its recent runs. */
export function flowDetailDashboard() {
  const flow = new QueryVariableBuilder('flow')
    .label('Flow')
    .description('The flow to show: any flow with a finished run in the time range.')
    .datasource(DATASOURCE.prometheus)
    .query('label_values(cicd_pipeline_run_duration_seconds_count, cicd_pipeline_name)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
  const ofFlow = [FLOW_IS_SELECTED];
  const byTask = ['cicd_pipeline_task_name'];

  return new DashboardBuilder('Flow detail')
    .uid(DASHBOARD_UID.flowDetail)
    .description('One flow: how its runs end, which tasks are slow, retry or fail, and its latest traces.')
    .tags(['flowtel'])
    .time(TIME)
    .refresh('30s')
    .links(dashboardLinks())
    .withVariable(flow)
    .withRow(new RowBuilder('Runs of $flow'))
    .withPanel(
      timeseries(
        'Runs by final state',
        [
          {
            expr: increase('cicd_pipeline_run_duration_seconds', ['cicd_pipeline_result'], ofFlow),
            legend: '{{cicd_pipeline_result}}',
          },
        ],
        {
          description: 'Runs of this flow that ended in each interval, by result.',
          unit: 'short',
          stacked: true,
        },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries(
        'Run duration',
        [
          { expr: quantile(0.5, 'cicd_pipeline_run_duration_seconds', [], ofFlow), legend: 'p50' },
          { expr: quantile(0.95, 'cicd_pipeline_run_duration_seconds', [], ofFlow), legend: 'p95' },
        ],
        { description: 'Median and 95th percentile of this flow’s run durations.', unit: 's' },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries(
        'Errors by type',
        [
          {
            expr: increase('cicd_pipeline_run_errors_total', ['error_type'], ofFlow, RANGE_WINDOW),
            legend: '{{error_type}}',
          },
        ],
        {
          description: 'Failed runs in the whole time range, by the error type that ended them.',
          unit: 'short',
        },
      )
        .height(8)
        .span(8),
    )
    .withRow(new RowBuilder('Tasks of $flow'))
    .withPanel(
      timeseries(
        'Task duration (p95)',
        [
          {
            expr: quantile(0.95, 'flowtel_task_run_duration_seconds', byTask, ofFlow),
            legend: '{{cicd_pipeline_task_name}}',
          },
        ],
        {
          description: '95th percentile of each task’s run duration (all attempts of one task run).',
          unit: 's',
        },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries(
        'Retries by task',
        [
          {
            expr: increase('flowtel_task_run_retries_total', byTask, ofFlow),
            legend: '{{cicd_pipeline_task_name}}',
          },
        ],
        { description: 'Attempts after the first, by task.', unit: 'short', stacked: true },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries(
        'Failures by task',
        [
          {
            expr: increase(
              'flowtel_task_run_duration_seconds',
              [...byTask, 'cicd_pipeline_task_run_result'],
              [...ofFlow, TASK_RUN_FAILED],
            ),
            legend: '{{cicd_pipeline_task_name}} {{cicd_pipeline_task_run_result}}',
          },
        ],
        {
          description: 'Task runs that failed or timed out after their last attempt.',
          unit: 'short',
          stacked: true,
        },
      )
        .height(8)
        .span(8),
    )
    .withRow(new RowBuilder('Traces and logs of $flow'))
    .withPanel(
      traces(
        'Recent failed runs',
        `{ span.cicd.pipeline.name = "$flow" && span.cicd.pipeline.result =~ "${FAILED_RESULTS.join('|')}" }`,
        'Runs of this flow that failed, crashed or timed out; a trace id opens the run in Tempo.',
      )
        .height(9)
        .span(12),
    )
    .withPanel(
      traces(
        'Recent task failures',
        `{ span.cicd.pipeline.name = "$flow" && span.cicd.pipeline.task.name != nil && status = error }`,
        'Task spans of this flow that ended in error (retried errors never mark the task span).',
      )
        .height(9)
        .span(12),
    )
    .withPanel(
      logs(
        'State changes and run logs',
        '{service_name=~".+"} | cicd_pipeline_name = `$flow`',
        'flowtel.state records and log.info lines of this flow; a trace_id opens the trace.',
      )
        .height(10)
        .span(24),
    );
}
