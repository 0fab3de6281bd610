import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../src/receiver/otlp/index.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import {
  INSTALL_TIMEOUT_MS,
  node24,
  nodeAsync,
  npm,
  npmInstall,
  packFlowtel,
  type Result,
  type Runtime,
  userProject,
} from './project.ts';

/** The current OpenTelemetry JS line (API 1.10, SDK 3.x, auto-instrumentations), Node >= 22.15. */
const CURRENT_OTEL = [
  '@opentelemetry/api@^1.10.0',
  '@opentelemetry/auto-instrumentations-node@^0.82.0',
  '@opentelemetry/sdk-trace@^3.1.0',
  '@opentelemetry/sdk-metrics@^3.1.0',
  '@opentelemetry/sdk-logs@^3.1.0',
  '@opentelemetry/resources@^3.1.0',
  '@opentelemetry/core@^3.1.0',
  '@opentelemetry/context-async-hooks@^3.1.0',
  '@opentelemetry/exporter-trace-otlp-proto@^0.301.0',
  '@opentelemetry/exporter-logs-otlp-proto@^0.301.0',
  '@opentelemetry/exporter-metrics-otlp-proto@^0.301.0',
];
const CLIENT = 3;

let work: string;
let dir: string;
let node: Runtime;
let install: Result;
const closing: Array<() => Promise<void>> = [];

beforeAll(() => {
  node = node24();
  work = mkdtempSync(join(tmpdir(), 'flowtel-pack-'));
  const tarball = packFlowtel(work);
  dir = userProject('flowtel-current-otel-');
  copyFileSync(join(import.meta.dirname, 'fixtures/current-otel/flow.mjs'), join(dir, 'flow.mjs'));
  install = npmInstall(dir, [tarball, ...CURRENT_OTEL], [], node);
}, INSTALL_TIMEOUT_MS);

afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

afterAll(() => {
  for (const path of [work, dir]) rmSync(path, { recursive: true, force: true });
});

async function target(): Promise<string> {
  const server: Server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closing.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
}

async function receiver(): Promise<OtlpReceiver> {
  const started = await startOtlpReceiver();
  closing.push(() => started.close());
  return started;
}

function flowtelRun(otlp: OtlpReceiver, url: string, extra: Record<string, string> = {}): Promise<Result> {
  const bin = join(dir, 'node_modules/flowtel/dist/cli/bin.js');
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, TARGET_URL: url, FLOWTEL_ALERTING: 'off' };
  return nodeAsync(dir, [bin, 'run', 'flow.mjs'], { ...env, ...extra }, node);
}

function only(spans: readonly DecodedSpan[], name: string): DecodedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0]!;
}

describe('flowtel in a project on the current OpenTelemetry line, on Node 24', () => {
  it('installs with no peer conflict or warning, and a valid tree', () => {
    expect(install.code, install.output).toBe(0);
    expect(install.output).not.toMatch(/ERESOLVE|peer dep|overriding peer|EBADENGINE/i);
    const ls = npm(dir, ['ls', '--all'], node);
    expect(ls.code, ls.output).toBe(0);
  });

  it("sets up its own SDK from the 3.x packages: the user's module-level tracer records under the task", async () => {
    const otlp = await receiver();
    const result = await flowtelRun(otlp, await target());
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/dropped|duplicate registration|TimeoutNegativeWarning/i);
    const taskSpan = only(otlp.spans, 'task call-api');
    expect(only(otlp.spans, 'prepare request').parentSpanId).toBe(taskSpan.spanId);
    expect(otlp.requests.some((request) => request.path === '/v1/logs')).toBe(true);
  });

  it('uses the auto-instrumentations register entry as the SDK: the HTTP call is a child of its task span', async () => {
    const otlp = await receiver();
    const url = await target();
    const result = await flowtelRun(otlp, url, {
      // The loader hook instruments ES modules (the flow file imports node:http), as the OpenTelemetry docs say.
      NODE_OPTIONS:
        '--experimental-loader=@opentelemetry/instrumentation/hook.mjs --import @opentelemetry/auto-instrumentations-node/register',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
      // Only the environment: the cloud detectors would ask metadata servers over the network.
      OTEL_NODE_RESOURCE_DETECTORS: 'env',
      OTEL_SERVICE_NAME: 'auto-instrumented',
      OTEL_METRICS_EXPORTER: 'none',
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toMatch(/dropped|duplicate registration/i);
    const taskSpan = only(otlp.spans, 'task call-api');
    const calls = otlp.spans.filter((span) => span.kind === CLIENT);
    expect(calls.map((span) => span.attributes['url.full'])).toEqual([url]);
    expect(calls[0]!.parentSpanId).toBe(taskSpan.spanId);
    expect(taskSpan.resource['service.name']).toBe('auto-instrumented');
  });
});
