import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES, type SeriesName } from '../../dashboards/series.ts';
import { SECONDS_BUCKETS } from '../../src/telemetry/keys.ts';
import { fillVariables, queriesOf } from '../support/dashboards.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';

/**
 * The test helper's real Prometheus scraping a tiny /metrics server that serves every series of the
 * table (one label set per value of each closed label), its counters growing by one each scrape: the
 * scrape configuration, the token and every dashboard expression are proven against Prometheus itself.
 * The proof against a real serve uses the same helper once serve exposes /metrics.
 */
const TOKEN = 'grafana-test-token';
const FLOW = 'etl';
const OUTBOX_DEPTH = 3;

/** A value for each label: the closed set where the table has one, else one plausible value. */
function labelSets(name: SeriesName): Record<string, string>[] {
  const spec = SERIES[name];
  const closed: Readonly<Record<string, readonly string[]>> = 'values' in spec ? spec.values : {};
  let sets: Record<string, string>[] = [{}];
  for (const label of spec.labels) {
    const values = closed[label] ?? [label === 'cicd_pipeline_name' ? FLOW : `some-${label}`];
    sets = sets.flatMap((set) => values.map((value) => ({ ...set, [label]: value })));
  }
  return sets;
}

const render = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .join(',')}}`;

/** The exposition text of scrape number `n`: counters at n, one 0.3 s observation per scrape. */
function metricsText(n: number): string {
  const lines: string[] = [];
  for (const name of Object.keys(SERIES) as SeriesName[]) {
    const { type } = SERIES[name];
    lines.push(`# TYPE ${name} ${type}`);
    for (const labels of labelSets(name)) {
      if (type === 'histogram') {
        for (const bound of SECONDS_BUCKETS) {
          lines.push(`${name}_bucket${render({ ...labels, le: String(bound) })} ${bound >= 0.3 ? n : 0}`);
        }
        lines.push(`${name}_bucket${render({ ...labels, le: '+Inf' })} ${n}`);
        lines.push(`${name}_sum${render(labels)} ${0.3 * n}`, `${name}_count${render(labels)} ${n}`);
      } else {
        const value = type === 'counter' ? n : name === 'flowtel_outbox_depth' ? OUTBOX_DEPTH : 1;
        lines.push(`${name}${render(labels)} ${value}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

let server: Server;
let prometheus: RunningPrometheus;
let scrapes = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/metrics') return void response.writeHead(404).end();
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return void response.writeHead(401).end();
    scrapes += 1;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText(scrapes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  prometheus = await startPrometheus({ target: `127.0.0.1:${port}`, bearerToken: TOKEN });
  await prometheus.waitForScrapes(5);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('a real Prometheus with the scrape configuration of deploy/prometheus.yml', () => {
  it('scrapes /metrics as the flowtel-serve job, presenting the API token', async () => {
    const [sample] = await prometheus.query('flowtel_outbox_depth');
    expect(sample?.metric.job).toBe('flowtel-serve');
    expect(Number(sample?.value)).toBe(OUTBOX_DEPTH);
  });

  it('rejects an invalid query with Prometheus’s own message', async () => {
    await expect(prometheus.query('sum by (')).rejects.toThrow(/Prometheus refused sum by \(: .*parse error/);
  });

  it('returns data for every PromQL expression of every dashboard, variables filled in', async () => {
    const empty: string[] = [];
    for (const { where, text } of queriesOf().filter((query) => query.language === 'promql')) {
      const expr = fillVariables(text, { flow: FLOW, rateInterval: '5m', range: '1h' });
      const samples = await prometheus.query(expr);
      if (samples.length === 0) empty.push(`${where}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });
});
