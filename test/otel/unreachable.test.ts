import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flow, task } from 'flowtel';
import { afterEach, describe, expect, it } from 'vitest';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { refusedPort } from '../support/ports.ts';
import { setEnv } from './env.ts';

let restoreEnv: () => void = () => {};
let server: Server | undefined;
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const step = task('step', (n: number) => n + 1);
const small = flow({ name: 'small' }, async () => (await Promise.all([step(1), step(2)])).length);
const wide = flow({ name: 'wide' }, async () => {
  for (let start = 0; start < 40_000; start += 1_000) {
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => step(start + i)));
  }
});

/** A port on loopback that nothing listens on: connections are refused. */
async function closedPort(): Promise<string> {
  return `http://127.0.0.1:${await refusedPort()}`;
}

/** An OTLP endpoint that reads requests and never answers. Its own sockets do not hold the process. */
async function hangingEndpoint(): Promise<string> {
  server = createServer((request) => void request.resume());
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Resolves with the shutdown's report, or 'still waiting' if it has not resolved after 10 s. */
function shutdownOrTimeout(deadlineMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), 10_000);
  });
  return Promise.race([shutdownTelemetry(deadlineMs), late]).finally(() => clearTimeout(timer));
}

/** How many sockets and timers keep the event loop alive. */
function handlesKeepingProcessAlive() {
  const kinds = process.getActiveResourcesInfo();
  return {
    sockets: kinds.filter((kind) => kind === 'TCPSocketWrap').length,
    timers: kinds.filter((kind) => kind === 'Timeout').length,
  };
}

/** Collects what is written to stderr while `work` runs. */
async function stderrOf(work: () => Promise<unknown>): Promise<string> {
  const original = process.stderr.write;
  let written = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stderr.write = original;
  }
  return written;
}

describe.each([
  ['refuses connections', closedPort],
  ['never answers', hangingEndpoint],
])('an endpoint that %s', (_, endpoint) => {
  it('does not fail the run, and the shutdown gives up at its deadline, counting the spans it lost', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: await endpoint() });
    const before = handlesKeepingProcessAlive();
    await setupTelemetry();

    const run = await small.run();
    const report = await shutdownOrTimeout(1_000);

    expect(run.state.type).toBe('COMPLETED');
    expect(report).toEqual({ flushed: false, droppedSpans: 3 });
    const after = handlesKeepingProcessAlive();
    expect(after.sockets).toBeLessThanOrEqual(before.sockets);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
  });

  it('does not hold a wide run back for long: backpressure lets go once exports fail', async () => {
    restoreEnv = setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: await endpoint(),
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      FLOWTEL_MAX_TASK_SPANS: '0',
    });
    await setupTelemetry();

    const run = await wide.run();
    let report: Awaited<ReturnType<typeof shutdownOrTimeout>> | undefined;
    const stderr = await stderrOf(async () => {
      report = await shutdownOrTimeout(1_000);
    });

    expect(run.state.type).toBe('COMPLETED');
    expect(report).toEqual({ flushed: false, droppedSpans: 40_001 });
    const summary = stderr.split('\n').filter((line) => line.includes('spans were dropped'));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/^flowtel: 40001 spans were dropped \(/);
  });
});

describe('export errors on stderr', () => {
  it('are said once per kind, without the values of the OTLP headers', async () => {
    restoreEnv = setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: await closedPort(),
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20sk-very-secret-token',
      OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    });
    const stderr = await stderrOf(async () => {
      await setupTelemetry();
      for (let i = 0; i < 5; i++) await small.run();
      await shutdownTelemetry(1_000);
    });

    expect(stderr).not.toContain('sk-very-secret-token');
    const lines = stderr.split('\n').filter(Boolean);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.filter((line) => line.includes('spans were dropped'))).toHaveLength(1);
  });
});

describe('spans a backend refuses', () => {
  it('are counted in flowtel.telemetry.spans.dropped and said once on stderr', async () => {
    const receiver = await startOtlpReceiver();
    try {
      restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_LOGS_EXPORTER: 'none' });
      receiver.respondWith(400); // the first request is the spans' (metrics go last, at shutdown)
      let report: Awaited<ReturnType<typeof shutdownTelemetry>> | undefined;
      const stderr = await stderrOf(async () => {
        await setupTelemetry();
        await small.run();
        report = await shutdownTelemetry();
      });

      expect(report).toEqual({ flushed: false, droppedSpans: 3 });
      expect(receiver.requests.map((request) => `${request.path} ${request.status}`)).toEqual([
        '/v1/traces 400',
        '/v1/metrics 200',
      ]);
      const dropped = receiver.metrics.find((metric) => metric.name === 'flowtel.telemetry.spans.dropped');
      expect(dropped?.dataPoints.map((point) => ('value' in point ? point.value : undefined))).toEqual([3]);
      expect(stderr).toMatch(/^flowtel: 3 spans were dropped \(3 export failed: .*400/m);
    } finally {
      await receiver.close();
    }
  });
});
