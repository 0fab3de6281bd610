import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtlpHttpHandler, type OtlpHttpHandlerOptions } from '../../src/receiver/otlp/index.ts';
import { jsonTraceRequest, post, statusOf } from './requests.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(options: OtlpHttpHandlerOptions): Promise<string> {
  const handle = createOtlpHttpHandler(options);
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the OTLP/HTTP handler', () => {
  it('hands decoded spans to the consumer with the request they came in', async () => {
    const received: unknown[] = [];
    const url = await serve({
      onSpans: (spans, request) => void received.push({ names: spans.map((s) => s.name), request }),
    });

    await post(`${url}/v1/traces?tenant=a`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);

    expect(received).toEqual([
      {
        names: ['flow nightly-orders'],
        request: { signal: 'traces', path: '/v1/traces', contentType: 'application/json' },
      },
    ]);
  });

  it('answers 500 when the consumer fails, so the exporter may send the data again', async () => {
    const url = await serve({
      onLogs: async () => {
        throw new Error('disk full');
      },
    });
    const response = await post(`${url}/v1/logs`, JSON.stringify({ resourceLogs: [] }), JSON_TYPE);

    expect(response.status).toBe(500);
    expect((await statusOf(response)).message).toBe('the receiver failed to store the data');
  });

  it('accepts and discards a signal nobody consumes', async () => {
    const url = await serve({});
    const response = await post(`${url}/v1/metrics`, JSON.stringify({ resourceMetrics: [] }), JSON_TYPE);

    expect(response.status).toBe(200);
  });
});
