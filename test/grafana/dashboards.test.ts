import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_LABEL,
  PROCESS_METRIC_PREFIXES,
  SERIES,
  type SeriesName,
  seriesOfSample,
} from '../../dashboards/series.ts';
import { renderDashboards } from '../../scripts/dashboards/generate.ts';
import { Attr, Metric } from '../../src/telemetry/keys.ts';
import { DASHBOARDS_DIR, queriesOf, readDashboards } from '../support/dashboards.ts';
import { promqlNames, TRACEQL_WORDS, traceqlNames } from './query-names.ts';

const queries = queriesOf();
const byLanguage = (language: string) => queries.filter((query) => query.language === language);

describe('the dashboards as code', () => {
  it('commits exactly the JSON the generator writes (run `npm run dashboards` after a change)', () => {
    for (const [file, json] of renderDashboards()) {
      expect(readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8'), file).toBe(json);
    }
    expect([...readDashboards().keys()].sort()).toEqual([...renderDashboards().keys()].sort());
  });

  it('gives Flow runs, Flow detail (with a flow variable) and Alerts, each with unique panel ids', () => {
    const dashboards = [...readDashboards().values()];
    expect(dashboards.map((dashboard) => dashboard.title).sort()).toEqual([
      'Alerts',
      'Flow detail',
      'Flow runs',
    ]);
    const detail = dashboards.find((dashboard) => dashboard.title === 'Flow detail');
    expect(detail?.templating?.list?.map((variable) => variable.name)).toEqual(['flow']);
    for (const dashboard of dashboards) {
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size, dashboard.title).toBe(ids.length);
    }
  });
});

describe('the names the dashboards query', () => {
  it('uses only series of the table serve exposes, with their labels', () => {
    const problems: string[] = [];
    for (const { where, text } of byLanguage('promql')) {
      const names = promqlNames(text);
      const used: SeriesName[] = [];
      for (const metric of names.metrics) {
        const series = seriesOfSample(metric);
        if (series) used.push(series);
        else if (!PROCESS_METRIC_PREFIXES.some((prefix) => metric.startsWith(prefix))) {
          problems.push(`${where}: ${metric} is not a series serve exposes`);
        }
      }
      for (const [metric, labels] of names.matcherLabels) {
        const series = seriesOfSample(metric);
        const known: readonly string[] = series ? SERIES[series].labels : [];
        for (const label of labels.filter((label) => !known.includes(label))) {
          problems.push(`${where}: ${metric} has no label ${label}`);
        }
      }
      const knownLabels = new Set<string>([BUCKET_LABEL, ...used.flatMap((series) => SERIES[series].labels)]);
      for (const label of names.groupingLabels.filter((label) => !knownLabels.has(label))) {
        problems.push(`${where}: groups by ${label}, a label none of its series has`);
      }
    }
    expect(problems).toEqual([]);
    expect(byLanguage('promql').length).toBeGreaterThan(20);
  });

  it('fills the flow variable from a series and label that exist', () => {
    const detail = [...readDashboards().values()].find((dashboard) => dashboard.title === 'Flow detail');
    const query = detail?.templating?.list?.[0]?.query ?? '';
    const [, metric, label] = /^label_values\((\w+),\s*(\w+)\)$/.exec(query) ?? [];
    const series = seriesOfSample(metric ?? '');
    expect(series, query).toBeDefined();
    expect(SERIES[series!].labels).toContain(label);
  });

  it('asks TraceQL only for attributes flowtel emits (src/telemetry/keys.ts)', () => {
    const emitted = new Set<string>(Object.values(Attr));
    const problems: string[] = [];
    for (const { where, text } of byLanguage('traceql')) {
      const names = traceqlNames(text);
      for (const { scope, name } of names.attributes) {
        if (scope !== 'span' && scope !== '')
          problems.push(`${where}: ${scope}.${name}: flowtel sets span attributes`);
        if (!emitted.has(name) && !name.startsWith(Attr.PARAMETER_PREFIX)) {
          problems.push(`${where}: ${name} is not an attribute in keys.ts`);
        }
      }
      for (const word of names.words.filter((word) => !TRACEQL_WORDS.has(word))) {
        problems.push(`${where}: ${word} is neither a TraceQL intrinsic nor a scoped attribute`);
      }
    }
    expect(problems).toEqual([]);
    expect(byLanguage('traceql').length).toBeGreaterThan(0);
  });

  it('names the series as OpenTelemetry translates the metrics of keys.ts into Prometheus', () => {
    const translated = (name: string, unit: string, suffix = '') =>
      `${name.replaceAll('.', '_')}${unit}${suffix}`;
    const expected = [
      translated(Metric.RUN_DURATION, '_seconds'),
      translated(Metric.RUN_ACTIVE, ''),
      translated(Metric.RUN_ERRORS, '', '_total'),
      translated(Metric.TASK_DURATION, '_seconds'),
      translated(Metric.TASK_RETRIES, '', '_total'),
      translated(Metric.FLOW_LATENESS, '_seconds'),
      translated(Metric.ALERT_NOTIFICATIONS, '', '_total'),
    ];
    expect(Object.keys(SERIES)).toEqual(expect.arrayContaining(expected));
    const attributeLabels = [
      Attr.PIPELINE_NAME,
      Attr.PIPELINE_RESULT,
      Attr.TASK_NAME,
      Attr.ERROR_TYPE,
      Attr.RULE,
    ];
    const allLabels = new Set(Object.values(SERIES).flatMap((series) => series.labels));
    for (const key of attributeLabels) expect(allLabels).toContain(key.replaceAll('.', '_'));
  });
});
