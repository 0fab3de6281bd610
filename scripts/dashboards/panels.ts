import {
  LegendDisplayMode,
  LegendPlacement,
  LogsSortOrder,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { DashboardLinkBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { SearchTableType, DataqueryBuilder as TempoQuery } from '@grafana/grafana-foundation-sdk/tempo';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE } from './datasources.ts';

/** One PromQL query of a panel and the legend of its series. */
export interface Query {
  readonly expr: string;
  readonly legend?: string;
}

/** Grafana's size units used here (seconds, counts, 0–1 ratios). */
export type Unit = 's' | 'short' | 'percentunit';

const REF_IDS = 'ABCDEFGHIJ';

function promTargets(queries: readonly Query[]): PromQuery[] {
  return queries.map((query, index) => {
    const target = new PromQuery()
      .refId(REF_IDS[index] ?? `Q${index}`)
      .expr(query.expr)
      .range();
    return query.legend === undefined ? target : target.legendFormat(query.legend);
  });
}

const tableLegend = () =>
  new VizLegendOptionsBuilder()
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Right)
    .showLegend(true)
    .calcs(['lastNotNull', 'max']);

export interface TimeseriesOptions {
  readonly description: string;
  readonly unit: Unit;
  /** Stack the series: parts of one whole, such as runs by result. */
  readonly stacked?: boolean;
  readonly links?: DashboardLinkBuilder[];
}

export function timeseries(title: string, queries: readonly Query[], options: TimeseriesOptions) {
  let panel = new TimeseriesPanel()
    .title(title)
    .description(options.description)
    .datasource(DATASOURCE.prometheus)
    .unit(options.unit)
    .min(0)
    .legend(tableLegend());
  for (const target of promTargets(queries)) panel = panel.withTarget(target);
  if (options.stacked) {
    panel = panel
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .fillOpacity(60)
      .lineWidth(1);
  }
  if (options.links) panel = panel.dataLinks(options.links);
  return panel;
}

/** One number: the last value of one query, for "how many now". */
export function stat(title: string, query: Query, options: { description: string; unit: Unit }) {
  let panel = new StatPanel()
    .title(title)
    .description(options.description)
    .datasource(DATASOURCE.prometheus)
    .unit(options.unit)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']));
  for (const target of promTargets([query])) panel = panel.withTarget(target);
  return panel;
}

/**
 * Traces found by a TraceQL query, newest first; Grafana links each trace id to the trace itself, so a
 * row opens the run's trace.
 */
export function traces(title: string, traceql: string, description: string) {
  return new TablePanel()
    .title(title)
    .description(description)
    .datasource(DATASOURCE.tempo)
    .withTarget(
      new TempoQuery()
        .refId('A')
        .queryType('traceql')
        .query(traceql)
        .limit(20)
        .tableType(SearchTableType.Traces),
    );
}

/** Log records found by a LogQL query; their `trace_id` links to Tempo through the Loki data source. */
export function logs(title: string, logql: string, description: string) {
  return new LogsPanel()
    .title(title)
    .description(description)
    .datasource(DATASOURCE.loki)
    .showTime(true)
    .enableLogDetails(true)
    .sortOrder(LogsSortOrder.Descending)
    .withTarget(new LokiQuery().refId('A').expr(logql));
}
