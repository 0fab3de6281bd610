import { BUCKET_LABEL, FAILED_RESULTS, SERIES, type SeriesName } from '../../dashboards/series.ts';

/**
 * PromQL built from the series table, so a dashboard can only name a series serve exposes: the names
 * are typed by `SeriesName`, and the labels are checked against the table when the dashboards are built.
 */

type HistogramName = {
  [N in SeriesName]: (typeof SERIES)[N]['type'] extends 'histogram' ? N : never;
}[SeriesName];
type Suffix = '' | '_bucket' | '_count' | '_sum';

/** One label matcher, `label="value"`, `label=~"regex"` or `label!="value"`. */
export type Matcher = `${string}${'=' | '!=' | '=~' | '!~'}"${string}"`;

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. */
export const RATE_WINDOW = '$__rate_interval';
/** The dashboard's whole time range, for totals. */
export const RANGE_WINDOW = '$__range';

export const FLOW_IS_SELECTED: Matcher = 'cicd_pipeline_name="$flow"';
export const RUN_FAILED: Matcher = `cicd_pipeline_result=~"${FAILED_RESULTS.join('|')}"`;
export const TASK_RUN_FAILED: Matcher = `cicd_pipeline_task_run_result=~"${FAILED_RESULTS.join('|')}"`;

export function selector(name: SeriesName, suffix: Suffix, matchers: readonly Matcher[] = []): string {
  const known: readonly string[] = SERIES[name].labels;
  for (const matcher of matchers) {
    const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(matcher)?.[0] ?? '';
    if (!known.includes(label)) throw new Error(`${name} has no label "${label}" (matcher ${matcher})`);
  }
  const sample = `${name}${suffix}`;
  return matchers.length === 0 ? sample : `${sample}{${matchers.join(', ')}}`;
}

function grouped(by: readonly string[]): string {
  return by.length === 0 ? 'sum' : `sum by (${by.join(', ')})`;
}

/** How much a counter (or a histogram's `_count`) grew over `window`, summed by `by`. */
export function increase(
  name: SeriesName,
  by: readonly string[],
  matchers: readonly Matcher[] = [],
  window = RATE_WINDOW,
): string {
  const suffix = SERIES[name].type === 'histogram' ? '_count' : '';
  return `${grouped(by)} (increase(${selector(name, suffix, matchers)}[${window}]))`;
}

/** Per-second rate of a counter (or a histogram's `_count`), summed by `by`. */
export function rate(name: SeriesName, by: readonly string[], matchers: readonly Matcher[] = []): string {
  const suffix = SERIES[name].type === 'histogram' ? '_count' : '';
  return `${grouped(by)} (rate(${selector(name, suffix, matchers)}[${RATE_WINDOW}]))`;
}

/** The q-quantile of a histogram by `by`, from its buckets' rate. */
export function quantile(
  q: number,
  name: HistogramName,
  by: readonly string[],
  matchers: readonly Matcher[] = [],
): string {
  const buckets = `rate(${selector(name, '_bucket', matchers)}[${RATE_WINDOW}])`;
  return `histogram_quantile(${q}, ${grouped([BUCKET_LABEL, ...by])} (${buckets}))`;
}

/** A gauge summed by `by`. */
export function gauge(
  name: SeriesName,
  by: readonly string[] = [],
  matchers: readonly Matcher[] = [],
): string {
  return `${grouped(by)} (${selector(name, '', matchers)})`;
}

/**
 * The share of `part` in `whole`, 0 (not "no data") for a group that has runs but no part: a flow that
 * never failed has a failure rate of 0.
 */
export function share(part: string, whole: string): string {
  return `(${part} or ${whole} * 0) / ${whole}`;
}

/** Zero instead of "no data" for a total that has not happened yet (no notification failed so far). */
export function orZero(expr: string): string {
  return `${expr} or vector(0)`;
}
