import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The data sources the dashboards query, by the fixed uids that deploy/grafana/provisioning gives them.
 * `prometheus`, `tempo` and `loki` are also the uids grafana/otel-lgtm provisions, so the same JSON loads
 * unchanged in the one-container quick look.
 */
export const DATASOURCE = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  tempo: { type: 'tempo', uid: 'tempo' },
  loki: { type: 'loki', uid: 'loki' },
  jaeger: { type: 'jaeger', uid: 'jaeger' },
} as const satisfies Record<string, DataSourceRef>;

/** Dashboard uids, fixed so links between the dashboards (and bookmarks) keep working. */
export const DASHBOARD_UID = {
  flowRuns: 'flowtel-flow-runs',
  flowDetail: 'flowtel-flow-detail',
  alerts: 'flowtel-alerts',
} as const;
