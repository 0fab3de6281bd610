import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createForwarder, type Forwarder } from '../../src/receiver/forward.ts';
import { gate } from '../support/gates.ts';
import { type IngestReceiver, startIngestReceiver } from './ingest-harness.ts';
import { hexBytes, jsonTraceRequest, post, protobufRequest } from './requests.ts';
import { startUpstream, type Upstream } from './upstream.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

let receiver: IngestReceiver | undefined;
let forwarder: Forwarder | undefined;
const upstreams: Upstream[] = [];
afterEach(async () => {
  await forwarder?.close(1_000);
  await receiver?.close();
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
  forwarder = undefined;
  receiver = undefined;
});

async function upstreamAt(...args: Parameters<typeof startUpstream>) {
  const upstream = await startUpstream(...args);
  upstreams.push(upstream);
  return upstream;
}

async function forwardingTo(url: string, options: { maxQueueBytes?: number } = {}) {
  const warnings: string[] = [];
  forwarder = createForwarder({
    url,
    initialBackoffMs: 10,
    maxBackoffMs: 50,
    warn: (message) => void warnings.push(message),
    ...options,
  });
  receiver = await startIngestReceiver({ forwarder });
  return { receiver, forwarder, warnings };
}

const metricsRequest = JSON.stringify({
  resourceMetrics: [
    {
      scopeMetrics: [
        { metrics: [{ name: 'queue.depth', gauge: { dataPoints: [{ asInt: '7', timeUnixNano: '1' }] } }] },
      ],
    },
  ],
});

describe('--forward', () => {
  it('sends every accepted request upstream unchanged: bytes, content type and encoding', async () => {
    const upstream = await upstreamAt();
    const { receiver } = await forwardingTo(`${upstream.url}/otlp`);
    const traces = gzipSync(
      protobufRequest('traces', {
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
      }),
    );
    const logs = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' } }] }] }],
    });

    const answers = await Promise.all([
      post(`${receiver.url}/v1/traces`, traces, {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
      }),
      post(`${receiver.url}/v1/logs`, logs, JSON_TYPE),
      post(`${receiver.url}/v1/metrics`, metricsRequest, JSON_TYPE),
      post(`${receiver.url}/v1/traces`, 'not json', JSON_TYPE),
    ]);
    await upstream.waitForAccepted(3);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 400]);
    const byPath = Object.fromEntries(upstream.received.map((request) => [request.path, request]));
    expect(Object.keys(byPath).sort()).toEqual(['/otlp/v1/logs', '/otlp/v1/metrics', '/otlp/v1/traces']);
    expect(byPath['/otlp/v1/traces']).toMatchObject({
      contentType: 'application/x-protobuf',
      contentEncoding: 'gzip',
      body: Buffer.from(traces),
    });
    expect(byPath['/otlp/v1/logs']?.body.toString()).toBe(logs);
    expect(byPath['/otlp/v1/metrics']?.body.toString()).toBe(metricsRequest);
    expect(receiver.ingest.stats().received.metricPoints).toBe(1);
  });

  it('answers the exporter without waiting for the upstream', async () => {
    const release = gate();
    const upstream = await upstreamAt({ kind: 'hold', until: release.opened });
    const { receiver } = await forwardingTo(upstream.url);

    const answer = await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    expect(answer.status).toBe(200);
    expect(upstream.received).toEqual([]);

    release.open();
    await upstream.waitForAccepted(1);
  });

  it('survives the upstream being down: keeps what it accepted, in order, and sends it once it is back', async () => {
    const upstream = await upstreamAt({ kind: 'down' });
    const { receiver, forwarder, warnings } = await forwardingTo(upstream.url);
    const bodies = [1, 2, 3].map((n) => JSON.stringify(jsonTraceRequest({ name: `batch ${n}` })));
    for (const body of bodies)
      expect((await post(`${receiver.url}/v1/traces`, body, JSON_TYPE)).status).toBe(200);
    await expect.poll(() => forwarder.stats().retries).toBeGreaterThan(2);

    upstream.mode = { kind: 'status', status: 503, headers: { 'retry-after': '0' } };
    await expect.poll(() => upstream.attempts).toBeGreaterThan(upstream.attempts);
    upstream.mode = { kind: 'accept' };
    await upstream.waitForAccepted(3);

    expect(upstream.received.map((request) => request.body.toString())).toEqual(bodies);
    await expect.poll(() => forwarder.stats().forwarded).toBe(3);
    expect(forwarder.stats()).toMatchObject({ queued: 0, queuedBytes: 0 });
    expect(warnings).toEqual([]);
  });

  it('drops past its byte budget while the upstream is down, and says so once per episode', async () => {
    const upstream = await upstreamAt({ kind: 'down' });
    const body = JSON.stringify(jsonTraceRequest());
    const { receiver, forwarder, warnings } = await forwardingTo(upstream.url, {
      maxQueueBytes: body.length * 2,
    });
    for (let i = 0; i < 5; i++) await post(`${receiver.url}/v1/traces`, body, JSON_TYPE);

    expect(forwarder.stats().dropped['queue-full']).toBe(3);
    upstream.mode = { kind: 'accept' };
    await upstream.waitForAccepted(2);
    await expect.poll(() => warnings.length).toBe(2);
    expect(warnings).toEqual([
      `forward to ${upstream.url}: the queue holds ${body.length * 2} bytes and is full; dropping requests (queue-full)`,
      `forward to ${upstream.url}: sending again, after dropping 3 requests`,
    ]);
  });

  it('never follows a redirect, nor retries a request the upstream refused', async () => {
    const elsewhere = await upstreamAt();
    const redirecting = await upstreamAt({
      kind: 'status',
      status: 307,
      headers: { location: `${elsewhere.url}/v1/traces` },
    });
    const { receiver, forwarder } = await forwardingTo(redirecting.url);
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    await expect.poll(() => forwarder.stats().dropped.redirect).toBe(1);

    redirecting.mode = { kind: 'status', status: 400 };
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    await expect.poll(() => forwarder.stats().dropped.refused).toBe(1);

    expect(redirecting.attempts).toBe(2);
    expect(elsewhere.attempts).toBe(0);
  });

  it('sends the URL’s credentials as Basic authorization and never prints them', async () => {
    const upstream = await upstreamAt({ kind: 'status', status: 401 });
    const url = upstream.url.replace('http://', 'http://ingest:s3cret-pa55@');
    const { receiver, forwarder, warnings } = await forwardingTo(`${url}/?token=query-s3cret`);
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    await expect.poll(() => forwarder.stats().dropped.refused).toBe(1);
    upstream.mode = { kind: 'accept' };
    await post(`${receiver.url}/v1/traces`, JSON.stringify(jsonTraceRequest()), JSON_TYPE);
    await upstream.waitForAccepted(1);

    expect(upstream.received[0]).toMatchObject({
      path: '/v1/traces?token=query-s3cret',
      authorization: `Basic ${Buffer.from('ingest:s3cret-pa55').toString('base64')}`,
    });
    expect(warnings.join('\n')).not.toMatch(/s3cret|ingest:/);
    expect(warnings[0]).toBe(`forward to ${upstream.url}: answered 401; dropping requests (refused)`);
  });

  it('refuses a URL that is not http(s), without repeating it', () => {
    expect(() => createForwarder({ url: 'ftp://user:pw@host' })).toThrow(
      '--forward must start with http:// or https://',
    );
    expect(() => createForwarder({ url: 'not a url pw' })).toThrow(/^--forward must be an http\(s\) URL/);
  });
});
