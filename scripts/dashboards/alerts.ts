import { DashboardBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UID } from './datasources.ts';
import { dashboardLinks, TIME } from './layout.ts';
import { stat, timeseries } from './panels.ts';
import { gauge, increase, orZero, RANGE_WINDOW } from './promql.ts';

/** "Are alerts reaching people?": notifications, the outbox, firing alerts and serve's own health. */
export function alertsDashboard() {
  return new DashboardBuilder('Alerts')
    .uid(DASHBOARD_UID.alerts)
    .description('What the rules fire, whether notifications are delivered, and whether serve keeps up.')
    .tags(['flowtel'])
    .time(TIME)
    .refresh('30s')
    .links(dashboardLinks())
    .withRow(new RowBuilder('Alerts'))
    .withPanel(
      stat(
        'Firing alerts',
        { expr: orZero(gauge('flowtel_alerts_firing')) },
        { description: 'Alerts firing now, over all rules.', unit: 'short' },
      )
        .height(6)
        .span(6),
    )
    .withPanel(
      stat(
        'Undelivered notifications',
        {
          expr: orZero(
            increase(
              'flowtel_alert_notifications_total',
              [],
              ['flowtel_outcome=~"failed|dropped"'],
              RANGE_WINDOW,
            ),
          ),
        },
        { description: 'Notifications that failed or were dropped in the time range.', unit: 'short' },
      )
        .height(6)
        .span(6),
    )
    .withPanel(
      stat(
        'Outbox depth',
        { expr: gauge('flowtel_outbox_depth') },
        { description: 'Notifications stored and not yet sent.', unit: 'short' },
      )
        .height(6)
        .span(6),
    )
    .withPanel(
      stat(
        'Oldest unsent notification',
        { expr: gauge('flowtel_outbox_oldest_age_seconds') },
        {
          description: 'Age of the oldest notification still in the outbox (0 when it is empty).',
          unit: 's',
        },
      )
        .height(6)
        .span(6),
    )
    .withPanel(
      timeseries(
        'Firing alerts by rule',
        [
          {
            expr: gauge('flowtel_alerts_firing', ['flowtel_rule', 'severity']),
            legend: '{{flowtel_rule}} ({{severity}})',
          },
        ],
        { description: 'Alerts firing, by rule and severity.', unit: 'short', stacked: true },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Outbox',
        [
          { expr: gauge('flowtel_outbox_depth'), legend: 'depth' },
          { expr: gauge('flowtel_outbox_oldest_age_seconds'), legend: 'oldest age (s)' },
        ],
        {
          description:
            'Unsent notifications and the age of the oldest: a growing age means a channel is down.',
          unit: 'short',
        },
      )
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('Notifications'))
    .withPanel(
      timeseries(
        'Notifications by channel and outcome',
        [
          {
            expr: increase('flowtel_alert_notifications_total', ['flowtel_channel', 'flowtel_outcome']),
            legend: '{{flowtel_channel}} {{flowtel_outcome}}',
          },
        ],
        {
          description: 'Notifications sent, failed (retries exhausted) or dropped, by channel.',
          unit: 'short',
          stacked: true,
        },
      )
        .height(8)
        .span(12),
    )
    .withPanel(
      timeseries(
        'Notifications by rule',
        [
          {
            expr: increase(
              'flowtel_alert_notifications_total',
              ['flowtel_rule', 'flowtel_outcome'],
              [],
              RANGE_WINDOW,
            ),
            legend: '{{flowtel_rule}} {{flowtel_outcome}}',
          },
        ],
        { description: 'Notifications in the time range, by the rule that fired them.', unit: 'short' },
      )
        .height(8)
        .span(12),
    )
    .withRow(new RowBuilder('flowtel serve'))
    .withPanel(
      timeseries(
        'Received',
        [
          {
            expr: increase('flowtel_serve_received_total', ['signal', 'item']),
            legend: '{{signal}} {{item}}',
          },
        ],
        { description: 'Spans, log records and data points received over OTLP.', unit: 'short' },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries(
        'Rejected',
        [
          {
            expr: orZero(increase('flowtel_serve_rejected_total', ['signal', 'reason'])),
            legend: '{{signal}} {{reason}}',
          },
        ],
        { description: 'OTLP requests refused (malformed, too large, …), by reason.', unit: 'short' },
      )
        .height(8)
        .span(8),
    )
    .withPanel(
      timeseries('Evaluation lag', [{ expr: gauge('flowtel_serve_evaluation_lag_seconds'), legend: 'lag' }], {
        description: 'How far the rules engine is behind the transitions it received.',
        unit: 's',
      })
        .height(8)
        .span(8),
    );
}
