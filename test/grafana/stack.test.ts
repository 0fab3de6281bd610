import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARD_UID, DATASOURCE } from '../../scripts/dashboards/datasources.ts';
import { panelsOf, readDashboards } from '../support/dashboards.ts';

/** Static proofs of the compose stack: what can be known about it without a Docker engine. */
const ROOT = new URL('../../', import.meta.url);
const read = (path: string | URL) => readFileSync(new URL(path, ROOT), 'utf8');
const yaml = (path: string) => parse(read(path));

const COMPOSE_FILES = ['docker-compose.yml', 'deploy/otel-lgtm.compose.yml'];

/** The images and tags the issue pins (as researched), and the quick look's. */
const PINNED: Record<string, string> = {
  'otel/opentelemetry-collector-contrib': '0.159.0',
  'grafana/tempo': '3.0.3',
  'grafana/loki': '3.7.6',
  'prom/prometheus': 'v3.14.0',
  'grafana/grafana': '13.1.3',
  'jaegertracing/jaeger': '2.20.0',
  'axllent/mailpit': 'v1.30.5',
  'grafana/otel-lgtm': '0.34.0',
};

interface Service {
  image?: string;
  build?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  command?: string[];
}
const services = (file: string): Record<string, Service> => yaml(file).services;
const stack = services('docker-compose.yml');

describe('the compose files', () => {
  it('mount only files and folders that exist', () => {
    const missing: string[] = [];
    for (const file of COMPOSE_FILES) {
      const base = new URL(file, ROOT);
      for (const [name, service] of Object.entries(services(file))) {
        for (const volume of service.volumes ?? []) {
          const source = volume.split(':')[0] ?? '';
          if (source.startsWith('.') && !existsSync(new URL(source, base))) {
            missing.push(`${file} › ${name}: ${source}`);
          }
        }
        if (service.build && !existsSync(new URL(`${service.build}/Dockerfile`, base))) {
          missing.push(`${file} › ${name}: ${service.build}/Dockerfile`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('pin every image to the tag the issue names, and use each pinned image', () => {
    const used = new Set<string>();
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(services(file))) {
        if (!service.image) continue;
        const [image = '', tag] = service.image.split(':');
        used.add(image);
        expect(PINNED[image], `${file} › ${name}: ${service.image} is not a pinned image`).toBeDefined();
        expect(tag, `${file} › ${name}: ${service.image}`).toBe(PINNED[image]);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(PINNED).sort());
  });

  it('name only hosts that are services of the stack, in every configuration that points at one', () => {
    const hosts = [
      ...Object.values(
        yaml('deploy/otelcol.yaml').exporters as Record<string, { endpoint?: string } | null>,
      ).map((exporter) => exporter?.endpoint),
      ...yaml('deploy/prometheus.yml').scrape_configs.flatMap(
        (job: { static_configs: { targets: string[] }[] }) =>
          job.static_configs.flatMap((config) => config.targets),
      ),
      ...yaml('deploy/grafana/provisioning/datasources/flowtel.yaml').datasources.map(
        (source: { url: string }) => source.url,
      ),
      stack.flowtel?.environment?.FLOWTEL_WORKER_OTLP_ENDPOINT,
      stack.flowtel?.environment?.SMTP_URL,
    ]
      .filter((endpoint): endpoint is string => endpoint !== undefined)
      .map((endpoint) => new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`).hostname);
    expect(hosts.length).toBeGreaterThan(8);
    for (const host of hosts) expect(Object.keys(stack), host).toContain(host);
  });

  it('run serve from the Dockerfile with the example flows and rules on 0.0.0.0, a token required', () => {
    const cmd = /^CMD (.+)$/m.exec(read('Dockerfile'))?.[1] ?? '';
    expect(JSON.parse(cmd)).toEqual([
      'serve',
      '--flows',
      'examples',
      '--rules',
      'rules',
      '--host',
      '0.0.0.0',
    ]);
    expect(stack.flowtel?.build).toBe('.');
    expect(stack.flowtel?.environment?.FLOWTEL_API_TOKEN).toMatch(/^\$\{FLOWTEL_API_TOKEN:\?/);
  });
});

describe('the Grafana provisioning', () => {
  const datasources: { uid: string; type: string; jsonData?: unknown }[] = yaml(
    'deploy/grafana/provisioning/datasources/flowtel.yaml',
  ).datasources;
  const providers: { options: { path: string } }[] = yaml(
    'deploy/grafana/provisioning/dashboards/flowtel.yaml',
  ).providers;
  const uids = datasources.map((source) => source.uid);

  it('gives every data source a unique uid, the ones the dashboards use', () => {
    expect(new Set(uids).size).toBe(uids.length);
    for (const ref of Object.values(DATASOURCE)) {
      expect(datasources.find((source) => source.uid === ref.uid)?.type, ref.uid).toBe(ref.type);
    }
  });

  it('links data sources only to uids that exist (trace ↔ logs, metric → trace)', () => {
    const linked = JSON.stringify(datasources).match(/"datasourceUid":"[^"]+"/g) ?? [];
    expect(linked.length).toBeGreaterThan(5);
    for (const link of linked) expect(uids).toContain(link.split(':')[1]?.replaceAll('"', ''));
  });

  it('loads the dashboards from where both compose files mount dashboards/', () => {
    const [provider] = providers;
    expect(providers).toHaveLength(1);
    for (const file of COMPOSE_FILES) {
      const mounts = Object.values(services(file)).flatMap((service) => service.volumes ?? []);
      expect(
        mounts.some(
          (mount) => /^\.{1,2}\/dashboards:/.test(mount) && mount.includes(`:${provider?.options.path}:`),
        ),
        file,
      ).toBe(true);
    }
  });

  it('has dashboards whose data sources and links all exist', () => {
    const dashboards = [...readDashboards().values()];
    const dashboardUids = dashboards.map((dashboard) => dashboard.uid);
    expect(dashboardUids.sort()).toEqual(Object.values(DASHBOARD_UID).sort());
    for (const dashboard of dashboards) {
      const refs = [
        ...panelsOf(dashboard).flatMap((panel) => [
          panel.datasource,
          ...(panel.targets ?? []).map((t) => t.datasource),
        ]),
        ...(dashboard.templating?.list ?? []).map((variable) => variable.datasource),
      ];
      for (const ref of refs) if (ref?.uid) expect(uids, dashboard.title).toContain(ref.uid);
      for (const panel of panelsOf(dashboard)) {
        for (const link of panel.fieldConfig?.defaults?.links ?? []) {
          const target = /^\/d\/([\w-]+)/.exec(link.url ?? '')?.[1];
          expect(dashboardUids, `${dashboard.title} › ${panel.title}: ${link.url}`).toContain(target);
        }
      }
    }
  });
});

describe('the Collector and Tempo configuration', () => {
  const collector = yaml('deploy/otelcol.yaml');
  const known = new Set(
    read('deploy/otelcol-components.txt')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#')),
  );

  it('names only components of otelcol-contrib 0.159.0 (deploy/otelcol-components.txt)', () => {
    const named: string[] = [];
    for (const kind of ['receiver', 'processor', 'exporter', 'extension', 'connector']) {
      for (const id of Object.keys(collector[`${kind}s`] ?? {})) named.push(`${kind} ${id.split('/')[0]}`);
    }
    expect(named.filter((component) => !known.has(component))).toEqual([]);
    expect(known.has('exporter otlp')).toBe(false);
  });

  it('wires every pipeline to components it defines, receiving on 0.0.0.0', () => {
    for (const [name, pipeline] of Object.entries(
      collector.service.pipelines as Record<string, Record<string, string[]>>,
    )) {
      for (const kind of ['receivers', 'processors', 'exporters']) {
        for (const id of pipeline[kind] ?? [])
          expect(collector[kind], `${name} › ${id}`).toHaveProperty([id]);
      }
    }
    for (const protocol of Object.values(
      collector.receivers.otlp.protocols as Record<string, { endpoint: string }>,
    )) {
      expect(protocol.endpoint).toMatch(/^0\.0\.0\.0:/);
    }
    expect(collector.service.pipelines.traces.exporters).toEqual(
      expect.arrayContaining(['otlp_grpc/tempo', 'otlp_grpc/jaeger', 'otlp_http/flowtel']),
    );
    expect(collector.service.pipelines.logs.exporters).toEqual(['otlp_http/loki', 'otlp_http/flowtel']);
    expect(collector.exporters['otlp_http/loki'].endpoint).toBe('http://loki:3100/otlp');
  });

  it('raises Tempo’s per-trace limit above its 5 MB default, for the span budget', () => {
    const tempo = yaml('deploy/tempo.yaml');
    expect(tempo.overrides.defaults.global.max_bytes_per_trace).toBeGreaterThanOrEqual(50_000_000);
  });
});
