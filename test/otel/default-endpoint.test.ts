import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readOtelConfig } from '../../src/otel/config.ts';
import { skipAbsentDefaultEndpoint } from '../../src/otel/default-endpoint.ts';
import { refusedPort } from '../support/ports.ts';

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy()).listen(0, 'localhost', () => resolve(server));
  });
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

/** Nothing listens there, and the kernel never hands the port to another test meanwhile. */
const closedPort = refusedPort;

describe('telemetry with no endpoint configured', () => {
  it('is not exported, with one line saying how to send it, when nothing listens on the default port', async () => {
    const notices: string[] = [];
    const config = await skipAbsentDefaultEndpoint(
      readOtelConfig({}),
      {},
      (line) => notices.push(line),
      await closedPort(),
    );

    expect(Object.values(config.signals).map((s) => s.export)).toEqual([false, false, false]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('set OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('goes to the default port as usual when something listens there', async () => {
    const server = await listen();
    try {
      const notices: string[] = [];
      const config = await skipAbsentDefaultEndpoint(
        readOtelConfig({}),
        {},
        (l) => notices.push(l),
        portOf(server),
      );
      expect(Object.values(config.signals).map((s) => s.export)).toEqual([true, true, true]);
      expect(notices).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('names the signals without an endpoint when only the traces endpoint is set', async () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' };
    const notices: string[] = [];
    await skipAbsentDefaultEndpoint(
      readOtelConfig(env),
      env,
      (line) => notices.push(line),
      await closedPort(),
    );

    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^flowtel: logs and metrics have no OTLP endpoint of their own/);
    expect(notices[0]).not.toContain('no OTLP endpoint is set');
    expect(notices[0]).toContain('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  });

  it('leaves signals with an endpoint of their own alone', async () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' };
    const config = await skipAbsentDefaultEndpoint(readOtelConfig(env), env, () => {}, await closedPort());
    expect(config.signals.traces.export).toBe(true);
    expect(config.signals.logs.export).toBe(false);
  });
});
