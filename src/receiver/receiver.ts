/**
 * The OTLP receiver of `flowtel serve`, composed: the HTTP handler decodes, ingest turns what it
 * decoded into transitions and heartbeats (answering partial success for items it refused), the
 * forwarder (when `--forward` is given) gets a copy of every accepted request, and every refused
 * request is counted in ingest's stats.
 */
import type { Forwarder } from './forward.ts';
import type { Ingest } from './ingest/types.ts';
import { createOtlpHttpHandler, type OtlpHttpHandler } from './otlp/http-handler.ts';

export interface ReceiverOptions {
  ingest: Ingest;
  forwarder?: Forwarder;
  /** Largest request body, before and after decompression. @default 16 MiB */
  maxBodyBytes?: number;
}

export function createReceiverHandler({ ingest, forwarder, maxBodyBytes }: ReceiverOptions): OtlpHttpHandler {
  return createOtlpHttpHandler({
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    onSpans: (spans) => ingest.spans(spans),
    onLogs: (records) => ingest.logs(records),
    onMetrics: (metrics) => ingest.metrics(metrics),
    ...(forwarder ? { onAccepted: (request) => forwarder.forward(request) } : {}),
    onRejected: (reason, signal) => ingest.requestRejected(reason, signal),
  });
}
