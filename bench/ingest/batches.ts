/**
 * OTLP trace requests for the ingest case: real flowtel telemetry, recorded once in this process by
 * running a flow on the in-memory SDK of `flowtel/testing`, then copied with fresh trace, span and run
 * ids (so serve sees every copy as new runs, never as duplicates) and encoded by the serializers the
 * OTLP exporters use.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Attributes, AttributeValue, SpanContext } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { flow, task } from '../../src/index.ts';
import { Attr } from '../../src/telemetry/keys.ts';
import { setupTestTelemetry } from '../../src/testing/index.ts';

export type Encoding = 'http/protobuf' | 'http/json';

export const CONTENT_TYPE: Record<Encoding, string> = {
  'http/protobuf': 'application/x-protobuf',
  'http/json': 'application/json',
};

/** Task runs per recorded flow run: with the flow span and a retried task's two attempt spans, 64 spans. */
const PLAIN_TASKS = 60;

/**
 * One flow run `bench-ingest` of 64 spans: 60 tasks that complete at once and one that fails
 * its first attempt and completes on its retry (task span, two attempt spans, the exception event), as
 * `flowtel run` would export them (the SDK's spans, in the order they ended).
 */
export async function recordFlowRun(): Promise<ReadableSpan[]> {
  const telemetry = setupTestTelemetry();
  try {
    let calls = 0;
    const square = task('square', async (i: number) => i * i);
    const flaky = task(
      'flaky',
      async () => {
        if (calls++ === 0) throw new Error('connection reset');
        return 1;
      },
      { retries: 1, retryDelay: 0, jitter: 0 },
    );
    const run = flow({ name: 'bench-ingest', tags: ['bench'] }, async () => {
      for (let i = 0; i < PLAIN_TASKS; i++) await square(i);
      await flaky();
    });
    await run.run();
    return [...telemetry.spans()];
  } finally {
    await telemetry.shutdown();
  }
}

/** Attributes that hold a run id: renamed with the spans, so each copy is runs of its own. */
const RUN_ID_KEYS = [Attr.PIPELINE_RUN_ID, Attr.TASK_RUN_ID, Attr.FLOW_PARENT_RUN_ID];

/** A copy of the recorded spans with fresh trace, span and run ids, consistent across the copy. */
export function copyWithFreshIds(spans: readonly ReadableSpan[]): ReadableSpan[] {
  const fresh = new Map<string, string>();
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');
  const renamed = (id: string, make: () => string) => {
    const known = fresh.get(id);
    if (known !== undefined) return known;
    const next = make();
    fresh.set(id, next);
    return next;
  };
  const context = (ctx: SpanContext): SpanContext => ({
    ...ctx,
    traceId: renamed(ctx.traceId, () => hex(16)),
    spanId: renamed(ctx.spanId, () => hex(8)),
  });
  const attributes = (attrs: Attributes): Attributes => {
    const copy: Attributes = { ...attrs };
    for (const key of RUN_ID_KEYS) {
      const value: AttributeValue | undefined = attrs[key];
      if (typeof value === 'string') copy[key] = renamed(value, randomUUID);
    }
    return copy;
  };
  return spans.map((span) => {
    const ctx = context(span.spanContext());
    const parent = span.parentSpanContext === undefined ? undefined : context(span.parentSpanContext);
    return {
      name: span.name,
      kind: span.kind,
      spanContext: () => ctx,
      ...(parent === undefined ? {} : { parentSpanContext: parent }),
      startTime: span.startTime,
      endTime: span.endTime,
      status: span.status,
      attributes: attributes(span.attributes),
      links: span.links,
      events: span.events,
      duration: span.duration,
      ended: span.ended,
      resource: span.resource,
      instrumentationScope: span.instrumentationScope,
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    };
  });
}

export interface EncodedBatches {
  readonly bodies: Uint8Array[];
  readonly spans: number;
  readonly runs: number;
}

/**
 * `requests` request bodies, each `runsPerRequest` copies of the recorded flow run (about 512 spans
 * with the default 8), every copy with its own ids.
 */
export function encodeBatches(
  recorded: readonly ReadableSpan[],
  encoding: Encoding,
  requests: number,
  runsPerRequest = 8,
): EncodedBatches {
  const serializer = encoding === 'http/protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < requests; i++) {
    const spans = Array.from({ length: runsPerRequest }, () => copyWithFreshIds(recorded)).flat();
    const body = serializer.serializeRequest(spans);
    if (body === undefined) throw new Error(`the ${encoding} serializer produced no body`);
    bodies.push(body);
  }
  return {
    bodies,
    spans: requests * runsPerRequest * recorded.length,
    runs: requests * runsPerRequest,
  };
}
