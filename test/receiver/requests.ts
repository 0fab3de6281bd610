/** Small helpers for tests that talk to the receiver directly, without an exporter. */
import { MESSAGES, messageType, type OtlpSignal, STATUS_MESSAGE } from '../../src/receiver/otlp/schema.ts';

/** A one-span OTLP/JSON traces request, as any OTLP/JSON sender would write it. */
export function jsonTraceRequest(span: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-etl' } }] },
        scopeSpans: [
          {
            scope: { name: 'flowtel' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'flow nightly-orders',
                kind: 2,
                startTimeUnixNano: '1544712660000000000',
                endTimeUnixNano: '1544712661000000000',
                ...span,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** Encodes a request object (protobufjs `fromObject` conventions: bytes as Uint8Array) to protobuf. */
export function protobufRequest(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const type = messageType(MESSAGES[signal].request);
  return type.encode(type.fromObject(request)).finish();
}

export function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The google.rpc.Status an error response carries, from either encoding. */
export async function statusOf(response: Response): Promise<{ code?: number; message?: string }> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.headers.get('content-type') === 'application/json')
    return JSON.parse(Buffer.from(body).toString());
  const type = messageType(STATUS_MESSAGE);
  return type.toObject(type.decode(body)) as { code?: number; message?: string };
}

export function post(
  url: string,
  body: Uint8Array | string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<Response> {
  return fetch(url, { method, headers, ...(method === 'GET' ? {} : { body }) });
}
