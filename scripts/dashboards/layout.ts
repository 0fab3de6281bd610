import { DashboardLinkBuilder, DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';

/** The time range a dashboard opens with: the last few hours of runs. */
export const TIME = { from: 'now-6h', to: 'now' };

/** The links in every dashboard's header: the other flowtel dashboards, keeping the time range. */
export function dashboardLinks() {
  return [
    new DashboardLinkBuilder('flowtel')
      .type(DashboardLinkType.Dashboards)
      .tags(['flowtel'])
      .asDropdown(false)
      .keepTime(true)
      .includeVars(true),
  ];
}
