/**
 * The queries of the committed dashboards (dashboards/*.json, what Grafana loads), for the tests that
 * prove them: by language, each named by its dashboard and panel so a failure says which one.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const DASHBOARDS_DIR = new URL('../../dashboards/', import.meta.url);

interface Target {
  datasource?: { type?: string; uid?: string };
  expr?: string;
  query?: string;
  queryType?: string;
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { defaults?: { links?: { url?: string }[] } };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list?: { name: string; type: string; query?: string; datasource?: { uid?: string } }[] };
}

export interface NamedQuery {
  /** `dashboard title › panel title`, for messages. */
  readonly where: string;
  readonly language: 'promql' | 'traceql' | 'logql';
  readonly text: string;
}

export function readDashboards(): Map<string, Dashboard> {
  const files = readdirSync(DASHBOARDS_DIR).filter((file) => file.endsWith('.json'));
  return new Map(
    files.map((file) => [file, JSON.parse(readFileSync(new URL(file, DASHBOARDS_DIR), 'utf8')) as Dashboard]),
  );
}

export function panelsOf(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

const LANGUAGE: Record<string, NamedQuery['language']> = {
  prometheus: 'promql',
  tempo: 'traceql',
  loki: 'logql',
};

export function queriesOf(dashboards: Iterable<Dashboard> = readDashboards().values()): NamedQuery[] {
  const queries: NamedQuery[] = [];
  for (const dashboard of dashboards) {
    for (const panel of panelsOf(dashboard)) {
      for (const target of panel.targets ?? []) {
        const type = target.datasource?.type ?? panel.datasource?.type ?? '';
        const language = LANGUAGE[type];
        const text = language === 'traceql' ? target.query : target.expr;
        if (!language || text === undefined) {
          throw new Error(`${dashboard.title} › ${panel.title}: a target of unknown data source "${type}"`);
        }
        queries.push({ where: `${dashboard.title} › ${panel.title}`, language, text });
      }
    }
  }
  return queries;
}

/** The values the tests give Grafana's variables: a flow that exists, and windows that fit the scrapes. */
export interface VariableValues {
  readonly flow: string;
  /** `$__rate_interval`, at least four scrape intervals. */
  readonly rateInterval: string;
  /** `$__range`, the dashboard's time range. */
  readonly range: string;
}

/** A query as Grafana sends it: its variables (`$flow`, `${flow}`, `$__rate_interval`, …) filled in. */
export function fillVariables(text: string, values: VariableValues): string {
  const byName: Record<string, string> = {
    flow: values.flow,
    __rate_interval: values.rateInterval,
    __range: values.range,
    __interval: values.rateInterval,
  };
  return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = byName[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${whole} in ${text}`);
    return value;
  });
}
