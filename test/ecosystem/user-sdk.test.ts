import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../src/receiver/otlp/index.ts';
import { runCli } from '../support/cli.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/user-sdk');
/** `SpanKind.CLIENT` in OTLP's numbering. */
const CLIENT = 3;

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function startTarget(): Promise<string> {
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

function named(spans: readonly DecodedSpan[], name: string): DecodedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0]!;
}

async function runWithSetUp(setUp: string, otlp: OtlpReceiver, target: string) {
  return runCli(['run', join(FIXTURE, 'flow.ts')], {
    env: {
      NODE_OPTIONS: `--import ${join(FIXTURE, setUp)}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      TARGET_URL: target,
      FLOWTEL_ALERTING: 'off',
    },
  });
}

/** The one HTTP client span, which must be the task's child: one more would be a traced OTLP post. */
function expectHttpCallUnderTask(spans: readonly DecodedSpan[], target: string): void {
  const taskSpan = named(spans, 'task call-api');
  const httpCalls = spans.filter((span) => span.kind === CLIENT);
  expect(httpCalls.map((span) => span.attributes['url.full'] ?? span.attributes['http.url'])).toEqual([
    target,
  ]);
  expect(httpCalls[0]!.parentSpanId).toBe(taskSpan.spanId);
}

describe('flowtel run in a process with its own OpenTelemetry SDK (--import ./otel.mjs)', () => {
  it("uses the user's tracer provider: the instrumented HTTP call is a child of its task span, and flushed before exit", async () => {
    const target = await startTarget();
    const otlp = await receiver();
    const result = await runWithSetUp('otel.mjs', otlp, target);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/duplicate registration|dropped/i);

    const spans = otlp.spans;
    const taskSpan = named(spans, 'task call-api');
    const flowSpan = named(spans, 'flow user-sdk');
    const userSpan = named(spans, 'prepare request');
    // Through the user's provider, with the user's resource: not a second provider of flowtel's.
    expect(new Set(spans.map((span) => span.resource['service.name']))).toEqual(new Set(['users-own-sdk']));
    expect(taskSpan.parentSpanId).toBe(flowSpan.spanId);
    expect(userSpan.parentSpanId).toBe(taskSpan.spanId);
    expectHttpCallUnderTask(spans, target);
    // flowtel's own pipeline still sends the log records, and its posts are not traced.
    expect(otlp.requests.some((request) => request.path === '/v1/logs')).toBe(true);
  });
});

describe('flowtel run in a process that only registers instrumentations (--import ./instrument.mjs)', () => {
  it('records the instrumented HTTP call under its task with its own SDK, and reports no drop for its own exports', async () => {
    const target = await startTarget();
    const otlp = await receiver();
    const result = await runWithSetUp('instrument.mjs', otlp, target);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/dropped/i);
    expectHttpCallUnderTask(otlp.spans, target);
    expect(named(otlp.spans, 'prepare request').parentSpanId).toBe(named(otlp.spans, 'task call-api').spanId);
  });
});
