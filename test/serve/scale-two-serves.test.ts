import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { FLOWS, notifications, ORDERS, RULES, runReportingTo } from './fixtures/api/support.ts';

/**
 * Serve for many machines: two serve instances on loopback, the same rules folder, each fed only its
 * own flows (as a Collector routing by `cicd.pipeline.name` would), each alerting on its own from its own
 * FLOWTEL_HOME. And the example Collector configuration for it, checked against the Collector's components.
 */

const ROOT = resolve(import.meta.dirname, '../..');
let hooks: [SlackServer, SlackServer];
let serves: [ServeProcess, ServeProcess];
beforeAll(async () => {
  hooks = await Promise.all([startSlackServer(), startSlackServer()]);
  const start = (hook: SlackServer) => startServe(['--rules', RULES], { env: { HOOK_URL: hook.url } });
  serves = await Promise.all([start(hooks[0]), start(hooks[1])]);
}, 60_000);
afterAll(async () => {
  await Promise.all((serves ?? []).map((serve) => serve.stop()));
  await Promise.all((hooks ?? []).map((hook) => hook.close()));
});

describe('two serve instances, each owning its flows', () => {
  it('each records and alerts on only the flows it is fed, with its own alert state', async () => {
    const [a, b] = serves;
    const [hookA, hookB] = hooks;
    expect(a.cwd).not.toBe(b.cwd); // separate FLOWTEL_HOMEs
    const [orders, breaks] = await Promise.all([
      runReportingTo(a, 'http/protobuf', ORDERS, ['--param', 'fail=true']),
      runReportingTo(b, 'http/json', join(FLOWS, 'breaks.ts')),
    ]);
    expect([orders.code, breaks.code]).toEqual([1, 1]);

    // Each alert fires, then repeats (every second): by then a stray alert would have been sent too.
    const repeated = (hook: SlackServer, flow: string) =>
      until(`a repeat of ${flow}'s alert`, () =>
        notifications(hook).some((n) => n.kind === 'repeat' && n.flows.includes(flow)) ? true : undefined,
      );
    await Promise.all([repeated(hookA, 'api-orders'), repeated(hookB, 'api-breaks')]);
    expect(new Set(notifications(hookA).flatMap((n) => n.flows))).toEqual(new Set(['api-orders']));
    expect(new Set(notifications(hookB).flatMap((n) => n.flows))).toEqual(new Set(['api-breaks']));

    const flowsOf = async (serve: ServeProcess, path: string, key: string) =>
      ((await serve.api(path)).body[key] as Array<{ flow?: string; labels?: { flow: string } }>).map(
        (item) => item.flow ?? item.labels?.flow,
      );
    expect(await flowsOf(a, '/api/v1/runs', 'runs')).toEqual(['api-orders']);
    expect(await flowsOf(b, '/api/v1/runs', 'runs')).toEqual(['api-breaks']);
    expect(await flowsOf(a, '/api/v1/alerts', 'alerts')).toEqual(['api-orders']);
    expect(await flowsOf(b, '/api/v1/alerts', 'alerts')).toEqual(['api-breaks']);
  }, 90_000);
});

describe('the example Collector configuration for several serve instances', () => {
  const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
  const known = new Set(
    read('deploy/otelcol-components.txt')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#')),
  );
  const configs = ['deploy/otelcol-loadbalancing.yaml', 'deploy/otelcol-serve-relay.yaml'].map((path) => ({
    path,
    config: parse(read(path)),
  }));

  it('names only components of otelcol-contrib 0.159.0, and wires every pipeline to ones it defines', () => {
    for (const { path, config } of configs) {
      const named: string[] = [];
      for (const kind of ['receiver', 'processor', 'exporter', 'extension', 'connector']) {
        for (const id of Object.keys(config[`${kind}s`] ?? {})) named.push(`${kind} ${id.split('/')[0]}`);
      }
      expect(
        named.filter((component) => !known.has(component)),
        path,
      ).toEqual([]);
      for (const [name, pipeline] of Object.entries(
        config.service.pipelines as Record<string, Record<string, string[]>>,
      )) {
        for (const kind of ['receivers', 'processors', 'exporters']) {
          for (const id of pipeline[kind] ?? [])
            expect(config[kind], `${path} › ${name} › ${id}`).toHaveProperty([id]);
        }
      }
    }
  });

  it("routes traces and logs by cicd.pipeline.name to the serve relays, which hand them to serve's OTLP/HTTP port", () => {
    const [gateway, relay] = configs.map(({ config }) => config);
    const balancer = gateway.exporters['loadbalancing/flowtel'];
    expect(balancer).toMatchObject({ routing_key: 'attributes', routing_attributes: ['cicd.pipeline.name'] });
    expect(balancer.resolver.static.hostnames.length).toBeGreaterThanOrEqual(2);
    for (const signal of ['traces', 'logs']) {
      expect(gateway.service.pipelines[signal].exporters).toEqual(['loadbalancing/flowtel']);
      expect(relay.service.pipelines[signal]).toEqual({
        receivers: ['otlp'],
        exporters: ['otlp_http/flowtel'],
      });
    }
    expect(Object.keys(relay.receivers.otlp.protocols)).toEqual(['grpc']); // what the balancer speaks
    expect(relay.exporters['otlp_http/flowtel'].endpoint).toMatch(/^http:\/\/127\.0\.0\.1:4318$/);
  });
});
