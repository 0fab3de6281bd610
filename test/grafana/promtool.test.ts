import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { fillVariables, type NamedQuery, queriesOf, type VariableValues } from '../support/dashboards.ts';
import { PROMETHEUS_CONFIG, prometheusBinary, writeDerivedConfig } from '../support/prometheus.ts';

/**
 * Prometheus's own parser (promtool from Debian's 2.42, the oldest Prometheus the stack supports) checks
 * the scrape configuration and every PromQL expression of the dashboards, with Grafana's variables filled
 * in as Grafana would.
 */
const run = promisify(execFile);
const VALUES: VariableValues = { flow: 'etl', rateInterval: '1m', range: '6h' };
const DATASOURCES = new URL('../../deploy/grafana/provisioning/datasources/flowtel.yaml', import.meta.url);

let promtool: string;
let dir: string;
beforeAll(async () => {
  promtool = prometheusBinary('promtool');
  dir = await mkdtemp(join(tmpdir(), 'flowtel-promtool-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** promtool's verdict on `file`: exit code and what it printed. */
async function check(kind: 'config' | 'rules', ...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(promtool, ['check', kind, ...args]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const RECORD = 'flowtel:dashboard_check:';

/**
 * promtool's verdict on the expressions written as recording rules (one group), its messages naming the
 * panel of each rule they are about.
 */
async function checkExpressions(name: string, expressions: readonly NamedQuery[]) {
  const rules = expressions.map((query, index) => ({
    record: `${RECORD}${index}`,
    expr: fillVariables(query.text, VALUES),
  }));
  const file = join(dir, `${name}.rules.yml`);
  await writeFile(file, stringify({ groups: [{ name, rules }] }));
  const verdict = await check('rules', file);
  const output = verdict.output.replace(
    new RegExp(`${RECORD}(\\d+)`, 'g'),
    (record, index: string) => `${record} (${expressions[Number(index)]?.where})`,
  );
  return { ok: verdict.ok, output };
}

describe('the Prometheus configuration and queries, checked by promtool', () => {
  it('deploy/prometheus.yml is valid Prometheus configuration', async () => {
    // --syntax-only: the bearer token file exists only inside the compose stack (a secret).
    const committed = await check('config', '--syntax-only', fileURLToPath(PROMETHEUS_CONFIG));
    expect(committed.output).toContain('SUCCESS');
    // In full, with every file it names, as the tests' Prometheus runs it.
    const derived = await writeDerivedConfig(dir, { target: '127.0.0.1:4100', bearerToken: 'test-token' });
    const full = await check('config', derived);
    expect(full.output).toContain('SUCCESS');
    expect(full.ok).toBe(true);
  });

  it('scrapes serve as the job the dashboards and series table name', async () => {
    const config = parse(await readFile(PROMETHEUS_CONFIG, 'utf8'));
    expect(config.scrape_configs.map((job: { job_name: string }) => job.job_name)).toEqual(['flowtel-serve']);
    expect(config.scrape_configs[0].static_configs[0].targets).toEqual(['flowtel:4100']);
  });

  it('parses every PromQL expression of every dashboard, variables filled in', async () => {
    const expressions = queriesOf().filter((query) => query.language === 'promql');
    const verdict = await checkExpressions('dashboards', expressions);
    expect(verdict.output).toContain(`SUCCESS: ${expressions.length} rules found`);
    expect(verdict.ok, verdict.output).toBe(true);
  });

  it('parses the PromQL of the trace-to-metrics link in the Tempo data source', async () => {
    const datasources = parse(await readFile(DATASOURCES, 'utf8'));
    const tempo = datasources.datasources.find((source: { uid: string }) => source.uid === 'tempo');
    const expressions = tempo.jsonData.tracesToMetrics.queries.map(
      (query: { name: string; query: string }) => ({
        where: `Tempo › ${query.name}`,
        language: 'promql' as const,
        // `$$` is how a provisioning file writes `$`; Grafana writes a span's tags in place of $__tags.
        text: query.query.replaceAll('$$', '$').replace('$__tags', 'cicd_pipeline_name="$flow"'),
      }),
    );
    const verdict = await checkExpressions('tempo', expressions);
    expect(verdict.ok, verdict.output).toBe(true);
  });

  it('fails, naming the broken expression, when one does not parse', async () => {
    const broken = [
      { where: 'Flow runs › broken', language: 'promql' as const, text: 'sum by (le (rate(x[$__range]))' },
    ];
    const verdict = await checkExpressions('broken', broken);
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toContain('could not parse expression');
    expect(verdict.output).toContain('(Flow runs › broken)');
  });
});
