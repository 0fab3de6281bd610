/**
 * A receiver on loopback built from the production handler and ingest, for tests that send it real
 * exports: what it delivers is kept in arrival order, and the decoded items are kept too, so a test
 * can feed them to a fresh ingest in another order.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Forwarder } from '../../src/receiver/forward.ts';
import {
  createIngest,
  type Heartbeat,
  type Ingest,
  type IngestLimits,
} from '../../src/receiver/ingest/index.ts';
import type { DecodedLogRecord, DecodedSpan } from '../../src/receiver/otlp/index.ts';
import { createReceiverHandler } from '../../src/receiver/receiver.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';

export interface Delivered {
  transitions: TransitionRecord[];
  heartbeats: Heartbeat[];
}

export function collectingIngest(limits?: IngestLimits): Delivered & { ingest: Ingest } {
  const transitions: TransitionRecord[] = [];
  const heartbeats: Heartbeat[] = [];
  const ingest = createIngest({
    onTransition: (record) => void transitions.push(record),
    onHeartbeat: (heartbeat) => void heartbeats.push(heartbeat),
    ...(limits ? { limits } : {}),
  });
  return { ingest, transitions, heartbeats };
}

export interface IngestReceiver extends Delivered {
  url: string;
  ingest: Ingest;
  /** Every span and log record decoded, as it arrived. */
  spans: DecodedSpan[];
  logs: DecodedLogRecord[];
  close(): Promise<void>;
}

export async function startIngestReceiver(
  options: { limits?: IngestLimits; forwarder?: Forwarder; maxBodyBytes?: number } = {},
): Promise<IngestReceiver> {
  const delivered = collectingIngest(options.limits);
  const spans: DecodedSpan[] = [];
  const logs: DecodedLogRecord[] = [];
  const { ingest } = delivered;
  const kept: Ingest = {
    ...ingest,
    spans: (items) => {
      spans.push(...items);
      return ingest.spans(items);
    },
    logs: (items) => {
      logs.push(...items);
      return ingest.logs(items);
    },
  };
  const handle = createReceiverHandler({
    ingest: kept,
    ...(options.forwarder ? { forwarder: options.forwarder } : {}),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...delivered,
    url: `http://127.0.0.1:${port}`,
    spans,
    logs,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
