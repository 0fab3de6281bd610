import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connections } from '../../src/otel/connections.ts';

afterEach(() => vi.restoreAllMocks());

/** The private shape `Connections.adopt` patches: an OTLP exporter's retrying transport. */
function exporterWithTransport(send: (data: Uint8Array, timeoutMillis: number) => Promise<unknown>) {
  const transport = {
    retry: (_data: Uint8Array, _timeoutMillis: number, _inMillis: number): Promise<unknown> =>
      Promise.resolve({}),
    _transport: { send },
  };
  return { exporter: { _delegate: { _transport: transport } }, transport };
}

describe("the exporters' retry waits", () => {
  it('wait no time, never a negative time, for `Retry-After: 0` (the exporter asks for -1 ms)', async () => {
    const sent: number[] = [];
    const { exporter, transport } = exporterWithTransport(async (_data, timeoutMillis) => {
      sent.push(timeoutMillis);
      return { status: 'success' };
    });
    const connections = new Connections();
    connections.adopt(exporter);
    const timers = vi.spyOn(globalThis, 'setTimeout');

    await transport.retry(new Uint8Array(), 10_000, -1);

    expect(timers.mock.calls.map((call) => call[1])).toEqual([0]);
    expect(sent).toEqual([10_000]);
    await connections.close();
  });
});
