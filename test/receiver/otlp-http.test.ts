import { gzipSync } from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { hexBytes, jsonTraceRequest, post, protobufRequest, statusOf } from './requests.ts';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver({ maxBodyBytes: 64 * 1024 });
});
afterEach(async () => {
  await receiver.close();
});

function nothingRecorded() {
  return { spans: receiver.spans.length, logs: receiver.logs.length, metrics: receiver.metrics.length };
}

describe('the OTLP/HTTP receiver', () => {
  it('answers a protobuf export with 200 and an empty protobuf response', async () => {
    const body = protobufRequest('traces', {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: hexBytes('5b8efff798038103d269b633813fc60c'),
                  spanId: hexBytes('eee19b7ec3c1b174'),
                  name: 'x',
                },
              ],
            },
          ],
        },
      ],
    });
    const response = await post(`${receiver.url}/v1/traces`, body, PROTOBUF);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await response.arrayBuffer()).byteLength).toBe(0);
    expect(receiver.spans.map((span) => span.name)).toEqual(['x']);
  });

  it('answers a JSON export with 200 and an empty JSON response', async () => {
    const response = await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({});
    expect(receiver.spans).toHaveLength(1);
  });

  it('accepts a gzip-compressed body', async () => {
    const body = gzipSync(JSON.stringify(jsonTraceRequest()));
    const response = await post(`${receiver.url}/v1/traces`, body, {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });

    expect(response.status).toBe(200);
    expect(receiver.spans.map((span) => span.name)).toEqual(['flow nightly-orders']);
  });

  it('refuses bytes that are not protobuf with 400 and a Status message, recording nothing', async () => {
    const response = await post(`${receiver.url}/v1/traces`, 'this is not protobuf', PROTOBUF);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await statusOf(response)).message).toMatch(
      /^body is not a valid protobuf ExportTraceServiceRequest/,
    );
    expect(nothingRecorded()).toEqual({ spans: 0, logs: 0, metrics: 0 });
  });

  it('refuses a truncated protobuf body with 400', async () => {
    const body = protobufRequest('logs', {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'fetched orders' } }] }] }],
    });
    const response = await post(`${receiver.url}/v1/logs`, body.subarray(0, body.length - 3), PROTOBUF);

    expect(response.status).toBe(400);
    expect(receiver.logs).toEqual([]);
  });

  it('refuses invalid JSON with 400, without repeating the body in the message', async () => {
    const response = await post(
      `${receiver.url}/v1/traces`,
      '{"resourceSpans": [ secret-token-123',
      JSON_TYPE,
    );

    expect(response.status).toBe(400);
    const { message } = await statusOf(response);
    expect(message).toMatch(/^body is not valid JSON/);
    expect(message).not.toContain('secret');
    expect(receiver.spans).toEqual([]);
  });

  it('refuses a span whose trace id is not 16 bytes with 400 naming the field', async () => {
    const body = JSON.stringify(jsonTraceRequest({ traceId: 'abcd' }));
    const response = await post(`${receiver.url}/v1/traces`, body, JSON_TYPE);

    expect(response.status).toBe(400);
    expect((await statusOf(response)).message).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a 16-byte id, got 2 bytes',
    );
  });

  it('refuses a content type OTLP does not define with 415', async () => {
    const response = await post(`${receiver.url}/v1/traces`, 'hello', { 'content-type': 'text/plain' });

    expect(response.status).toBe(415);
    expect((await statusOf(response)).message).toContain('unsupported content type "text/plain"');
    expect(receiver.spans).toEqual([]);
  });

  it('refuses a content encoding other than gzip with 415', async () => {
    const response = await post(`${receiver.url}/v1/traces`, 'hello', {
      ...JSON_TYPE,
      'content-encoding': 'br',
    });

    expect(response.status).toBe(415);
  });

  it('refuses a body that claims gzip but is not, with 400', async () => {
    const response = await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });

    expect(response.status).toBe(400);
    expect((await statusOf(response)).message).toBe('body is not valid gzip data');
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await post(`${receiver.url}/v1/traces`, 'x'.repeat(65 * 1024), JSON_TYPE);

    expect(response.status).toBe(413);
    expect(receiver.spans).toEqual([]);
  });

  it('refuses a streamed body without Content-Length once it passes the size limit, with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: JSON_TYPE,
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(receiver.spans).toEqual([]);
  });

  it('refuses a small gzip body that inflates past the size limit with 413', async () => {
    const padding = ' '.repeat(128 * 1024);
    const body = gzipSync(`${padding}${JSON.stringify(jsonTraceRequest())}`);
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await post(`${receiver.url}/v1/traces`, body, {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });

    expect(response.status).toBe(413);
    expect(receiver.spans).toEqual([]);
  });

  it('answers 404 for paths that are not OTLP endpoints, and 405 for methods other than POST', async () => {
    const notFound = await post(`${receiver.url}/v1/profiles`, '{}', JSON_TYPE);
    const wrongMethod = await post(`${receiver.url}/v1/traces`, '', JSON_TYPE, 'GET');

    expect(notFound.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('records every request with its path, content type and answer', async () => {
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    await post(`${receiver.url}/v1/logs`, 'nope', PROTOBUF);

    expect(receiver.requests).toEqual([
      { method: 'POST', path: '/v1/traces', contentType: 'application/json', status: 200 },
      { method: 'POST', path: '/v1/logs', contentType: 'application/x-protobuf', status: 400 },
    ]);
  });
});

describe('the test receiver', () => {
  it('can fail requests on purpose, so exporter retries can be tested', async () => {
    // One second, not 0: the exporter turns `Retry-After: 0` into a wait of -1 ms, which Node 24 warns about.
    receiver.respondWith(503, { retryAfterSeconds: 1 });
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }))],
    });
    provider.getTracer('flowtel').startSpan('flow nightly-orders').end();
    await provider.forceFlush();
    await provider.shutdown();

    expect(receiver.requests.map((request) => request.status)).toEqual([503, 200]);
    expect(receiver.spans.map((span) => span.name)).toEqual(['flow nightly-orders']);
  });

  it('waits for telemetry that arrives later', async () => {
    const arrived = receiver.waitFor(() => receiver.spans.length === 1);
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);

    await expect(arrived).resolves.toBeUndefined();
  });
});
