import { afterEach, describe, expect, it } from 'vitest';
import { MESSAGES, messageType } from '../../src/receiver/otlp/schema.ts';
import { type IngestReceiver, startIngestReceiver } from './ingest-harness.ts';
import { hexBytes, jsonTraceRequest, post, protobufRequest } from './requests.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const TRACE_ID = '5b8efff798038103d269b633813fc60c';

type Value = string | number | string[];

function keyValues(attributes: Record<string, Value>) {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value: Array.isArray(value)
      ? { arrayValue: { values: value.map((item) => ({ stringValue: item })) } }
      : typeof value === 'number'
        ? { intValue: value }
        : { stringValue: value },
  }));
}

/** A `flowtel.state` log record of a flow run, as flowtel exports it, with attributes to add or replace. */
function stateRecord(overrides: Record<string, Value> = {}, timeUnixNano = '1764640800000000000') {
  return {
    timeUnixNano,
    eventName: 'flowtel.state',
    traceId: TRACE_ID,
    spanId: 'eee19b7ec3c1b174',
    attributes: keyValues({
      'flowtel.seq': 1,
      'cicd.pipeline.name': 'nightly-orders',
      'cicd.pipeline.run.id': 'run-1',
      'flowtel.attempt': 1,
      'flowtel.state.type': 'PENDING',
      'flowtel.state.name': 'Pending',
      ...overrides,
    }),
  };
}

function logsRequest(records: unknown[]) {
  return JSON.stringify({
    resourceLogs: [{ scopeLogs: [{ scope: { name: 'flowtel' }, logRecords: records }] }],
  });
}

let receiver: IngestReceiver;
afterEach(async () => {
  await receiver.close();
});

describe('ingest limits and untrusted values', () => {
  it('accepts the rest of a request and answers partial success when some records pass a limit', async () => {
    receiver = await startIngestReceiver({ limits: { maxAttributes: 10, maxStringLength: 100 } });
    const tooMany = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`extra.${i}`, i]));
    const body = logsRequest([
      stateRecord({ 'flowtel.seq': 1 }),
      stateRecord({ 'flowtel.seq': 2, ...tooMany }),
      stateRecord({ 'flowtel.seq': 3, 'flowtel.state.message': 'x'.repeat(101) }),
    ]);
    const response = await post(`${receiver.url}/v1/logs`, body, JSON_TYPE);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      partialSuccess: {
        rejectedLogRecords: '2',
        errorMessage:
          '2 log records rejected, the first: log record "flowtel.state" has 18 attributes (limit 10)',
      },
    });
    expect(receiver.transitions.map((record) => record.seq)).toEqual([1]);
    expect(receiver.ingest.stats().rejected.items).toEqual({
      'too-many-attributes': 1,
      'string-too-long': 1,
    });
    expect(receiver.ingest.stats().rejected.bySignal).toEqual({
      logs: { 'too-many-attributes': 1, 'string-too-long': 1 },
    });
  });

  it('answers partial success in protobuf, counting the spans past the items-per-request limit', async () => {
    receiver = await startIngestReceiver({ limits: { maxItemsPerRequest: 2 } });
    const spans = ['01', '02', '03'].map((n) => ({
      traceId: hexBytes(TRACE_ID),
      spanId: hexBytes(`00000000000000${n}`),
      name: `span ${n}`,
    }));
    const body = protobufRequest('traces', { resourceSpans: [{ scopeSpans: [{ spans }] }] });
    const response = await post(`${receiver.url}/v1/traces`, body, {
      'content-type': 'application/x-protobuf',
    });

    expect(response.status).toBe(200);
    const type = messageType(MESSAGES.traces.response);
    const answer = type.toObject(type.decode(new Uint8Array(await response.arrayBuffer())), {
      longs: String,
    });
    expect(answer).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: '3 spans in one request (limit 2)' },
    });
    expect(receiver.ingest.stats().received.spans).toBe(3);
  });

  it('rejects a record whose fields do not hold what flowtel writes, naming the field and the value', async () => {
    receiver = await startIngestReceiver();
    const cases = [
      stateRecord({ 'flowtel.seq': 'seven' }),
      stateRecord({ 'flowtel.attempt': -1 }),
      stateRecord({ 'flowtel.state.name': 'Exploded' }),
      stateRecord({ 'flowtel.state.type': 'COMPLETED' }),
      stateRecord({ 'flowtel.flow.scheduled_time': 'tomorrow' }),
      stateRecord({ 'flowtel.flow.tags': 'orders' }),
      stateRecord({}, '0'),
    ];
    const messages: string[] = [];
    for (const record of cases) {
      const response = await post(`${receiver.url}/v1/logs`, logsRequest([record]), JSON_TYPE);
      expect(response.status).toBe(200);
      const { partialSuccess } = (await response.json()) as { partialSuccess: { errorMessage: string } };
      messages.push(partialSuccess.errorMessage);
    }

    expect(messages).toEqual([
      'flowtel.seq must be an integer of at least 0, got "seven"',
      'flowtel.attempt must be an integer of at least 1, got -1',
      'flowtel.state.name must be a state name such as Running or Failed, got "Exploded"',
      'flowtel.state.type must be PENDING for state Pending, got "COMPLETED"',
      'flowtel.flow.scheduled_time must be an ISO-8601 time, got "tomorrow"',
      'flowtel.flow.tags must be an array of strings, got "orders"',
      'timeUnixNano must be a time, got 0 ns',
    ]);
    expect(receiver.transitions).toEqual([]);
    expect(receiver.ingest.stats().rejected.items).toEqual({ 'invalid-record': 7 });
  });

  it('passes over log records and spans that are not flowtel state, accepting them', async () => {
    receiver = await startIngestReceiver();
    const logs = await post(
      `${receiver.url}/v1/logs`,
      logsRequest([
        { body: { stringValue: 'GET /health 200' }, attributes: keyValues({ 'http.status': 200 }) },
      ]),
      JSON_TYPE,
    );
    const spans = await post(
      `${receiver.url}/v1/traces`,
      JSON.stringify(jsonTraceRequest({ name: 'GET /' })),
      JSON_TYPE,
    );

    expect([logs.status, spans.status]).toEqual([200, 200]);
    expect([await logs.json(), await spans.json()]).toEqual([{}, {}]);
    expect(receiver.transitions).toEqual([]);
    expect(receiver.ingest.stats().received).toEqual({ spans: 1, logRecords: 1, metricPoints: 0 });
  });
});
