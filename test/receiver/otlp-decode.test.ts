import { describe, expect, it } from 'vitest';
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  OtlpDecodeError,
  OtlpSpanKind,
} from '../../src/receiver/otlp/index.ts';
import { hexBytes, jsonTraceRequest, protobufRequest } from './requests.ts';

const JSON_TYPE = 'application/json';
const PROTOBUF = 'application/x-protobuf';

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function attribute(key: string, value: Record<string, unknown>) {
  return { key, value };
}

function decodeError(decode: () => unknown): OtlpDecodeError {
  try {
    decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected an OtlpDecodeError');
}

describe('decoding OTLP requests', () => {
  it('reads 64-bit integers beyond 2^53 as bigint and smaller ones as numbers, in both encodings', () => {
    const attributes = [
      attribute('small', { intValue: '42' }),
      attribute('large', { intValue: '9007199254740993' }),
      attribute('negative', { intValue: '-9223372036854775808' }),
    ];
    const fromJson = decodeTraces(json(jsonTraceRequest({ attributes })), JSON_TYPE);
    const fromProtobuf = decodeTraces(
      protobufRequest('traces', {
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: hexBytes('5b8efff798038103d269b633813fc60c'),
                    spanId: hexBytes('eee19b7ec3c1b174'),
                    attributes,
                  },
                ],
              },
            ],
          },
        ],
      }),
      PROTOBUF,
    );

    const expected = { small: 42, large: 9007199254740993n, negative: -9223372036854775808n };
    expect(fromJson[0]?.attributes).toEqual(expected);
    expect(fromProtobuf[0]?.attributes).toEqual(expected);
  });

  it('keeps timestamps exact to the nanosecond', () => {
    const [span] = decodeTraces(
      json(jsonTraceRequest({ startTimeUnixNano: '1544712660123456789' })),
      JSON_TYPE,
    );

    expect(span?.startTimeUnixNano).toBe(1544712660123456789n);
  });

  it('reads bytes, nested arrays and key-value lists as plain values', () => {
    const attributes = [
      attribute('blob', { bytesValue: Buffer.from('flowtel').toString('base64') }),
      attribute('matrix', {
        arrayValue: { values: [{ arrayValue: { values: [{ intValue: 1 }, { doubleValue: 'Infinity' }] } }] },
      }),
      attribute('map', { kvlistValue: { values: [attribute('dryRun', { boolValue: true })] } }),
      attribute('empty', {}),
    ];
    const [span] = decodeTraces(json(jsonTraceRequest({ attributes })), JSON_TYPE);

    expect(span?.attributes).toEqual({
      blob: new Uint8Array(Buffer.from('flowtel')),
      matrix: [[1, Number.POSITIVE_INFINITY]],
      map: { dryRun: true },
      empty: null,
    });
  });

  it('treats an attribute named "__proto__" as an ordinary key', () => {
    const attributes = [attribute('__proto__', { stringValue: 'polluted?' })];
    const [span] = decodeTraces(json(jsonTraceRequest({ attributes })), JSON_TYPE);

    expect(Object.getPrototypeOf(span?.attributes)).toBe(Object.prototype);
    expect(Object.keys(span?.attributes ?? {})).toEqual(['__proto__']);
  });

  it('accepts JSON enums as names as well as numbers, and upper-case hex ids', () => {
    const [span] = decodeTraces(
      json(jsonTraceRequest({ kind: 'SPAN_KIND_CLIENT', spanId: 'EEE19B7EC3C1B174', status: { code: 2 } })),
      JSON_TYPE,
    );

    expect(span).toMatchObject({
      kind: OtlpSpanKind.CLIENT,
      spanId: 'eee19b7ec3c1b174',
      status: { code: 2 },
    });
  });

  it('refuses base64 trace ids in JSON, which OTLP/JSON writes as hex, naming the field', () => {
    const error = decodeError(() =>
      decodeTraces(json(jsonTraceRequest({ traceId: 'W47/95gDgQPSabYzgT/GDA==' })), JSON_TYPE),
    );

    expect(error.problem).toBe('invalid-field');
    expect(error.message).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a 16-byte id as hex',
    );
  });

  it('refuses a request whose shape is wrong, naming the field', () => {
    const error = decodeError(() => decodeLogs(json({ resourceLogs: [{ scopeLogs: {} }] }), JSON_TYPE));

    expect(error.message).toBe('resourceLogs[0].scopeLogs: expected an array');
  });

  it('decodes an empty request to no items, in both encodings', () => {
    expect(decodeMetrics(json({}), JSON_TYPE)).toEqual([]);
    expect(decodeMetrics(new Uint8Array(), PROTOBUF)).toEqual([]);
  });

  it('ignores content type parameters and letter case', () => {
    const spans = decodeTraces(json(jsonTraceRequest()), 'Application/JSON; charset=utf-8');

    expect(spans).toHaveLength(1);
  });

  it('reports an unsupported content type as its own problem', () => {
    const error = decodeError(() => decodeTraces(json({}), 'application/grpc'));

    expect(error.problem).toBe('unsupported-media-type');
  });

  it('refuses values nested too deeply to be real telemetry', () => {
    let value: Record<string, unknown> = { stringValue: 'bottom' };
    for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
    const error = decodeError(() =>
      decodeTraces(json(jsonTraceRequest({ attributes: [attribute('deep', value)] })), JSON_TYPE),
    );

    expect(error.problem).toBe('invalid-field');
  });
});
