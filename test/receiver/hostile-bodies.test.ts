import { gzipSync } from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IngestReceiver, startIngestReceiver } from './ingest-harness.ts';
import { post, statusOf } from './requests.ts';

const RUNS = 300;

let receiver: IngestReceiver;
beforeEach(async () => {
  receiver = await startIngestReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** A pipeline exporting `RUNS` runs through the SDK's batch processor, in chunks, while other requests come in. */
async function validStream(): Promise<void> {
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.url}/v1/traces` }), {
        maxExportBatchSize: 32,
        scheduledDelayMillis: 10,
      }),
    ],
  });
  const tracer = provider.getTracer('ci');
  for (let i = 0; i < RUNS; i++) {
    tracer
      .startSpan('build', {
        attributes: { 'cicd.pipeline.name': 'stream', 'cicd.pipeline.run.id': `run-${i}` },
      })
      .end();
    if (i % 50 === 49) await provider.forceFlush();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/**
 * 10 MB of gzip that would inflate to 10 GiB: 10,000 gzip members of 1 MiB of zeros each (a gzip
 * stream may hold many members, and decoders read them all).
 */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 10_000 }, () => member));
}

async function answer(response: Response) {
  return { status: response.status, message: (await statusOf(response)).message };
}

describe('hostile request bodies', () => {
  it('are refused with the right status and a message while a concurrent valid stream loses nothing', async () => {
    const JSON_TYPE = { 'content-type': 'application/json' };
    const PROTOBUF = { 'content-type': 'application/x-protobuf' };
    const bomb = gzipBomb();
    expect(bomb.length).toBeLessThan(16 * 1024 * 1024);
    const rssBefore = process.memoryUsage().rss;

    const [, ...answers] = await Promise.all([
      validStream(),
      post(`${receiver.url}/v1/traces`, 'not protobuf at all', PROTOBUF).then(answer),
      post(`${receiver.url}/v1/logs`, '{"resourceLogs": [', JSON_TYPE).then(answer),
      post(`${receiver.url}/v1/traces`, 'hello', { 'content-type': 'text/plain' }).then(answer),
      post(`${receiver.url}/v1/traces`, new Uint8Array(17 * 1024 * 1024), PROTOBUF).then(answer),
      post(`${receiver.url}/v1/traces`, bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' }).then(answer),
      post(`${receiver.url}/v1/traces`, 'plain text', { ...JSON_TYPE, 'content-encoding': 'gzip' }).then(
        answer,
      ),
    ]);

    expect(answers).toEqual([
      {
        status: 400,
        message: expect.stringMatching(/^body is not a valid protobuf ExportTraceServiceRequest/),
      },
      { status: 400, message: 'body is not valid JSON' },
      { status: 415, message: expect.stringContaining('unsupported content type "text/plain"') },
      { status: 413, message: 'body is larger than 16777216 bytes' },
      { status: 413, message: 'body is larger than 16777216 bytes once decompressed' },
      { status: 400, message: 'body is not valid gzip data' },
    ]);
    // Inflating the bomb would take 10 GiB; refusing it at the limit takes a few dozen MB at most.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    const runIds = new Set(receiver.transitions.map((record) => record.flowRunId));
    expect(runIds.size).toBe(RUNS);
    expect(receiver.transitions).toHaveLength(2 * RUNS);
    expect(receiver.ingest.stats().rejected.requests).toEqual({
      malformed: 2,
      'unsupported-media-type': 1,
      'too-large': 2,
      'bad-compression': 1,
    });
    // By the signal each request was sent for, as serve's flowtel_serve_rejected_total labels them.
    expect(receiver.ingest.stats().rejected.bySignal).toEqual({
      traces: { malformed: 1, 'unsupported-media-type': 1, 'too-large': 2, 'bad-compression': 1 },
      logs: { malformed: 1 },
    });
  });
});
