/**
 * A real OTLP/HTTP receiver on loopback for tests: point any OTLP exporter at `url` and read what
 * arrived, decoded, from `spans`, `logs` and `metrics`. Built on the production handler, so what a
 * test sees is what `flowtel serve` would see.
 *
 *   const receiver = await startOtlpReceiver();
 *   // ... export to `${receiver.url}/v1/traces` ...
 *   await receiver.waitFor(() => receiver.spans.length === 3);
 *   await receiver.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createOtlpHttpHandler,
  type DecodedLogRecord,
  type DecodedMetric,
  type DecodedSpan,
} from '../../src/receiver/otlp/index.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  contentEncoding?: string;
  /** The HTTP status the receiver answered with. */
  status: number;
  /** The request headers named in `recordHeaders` (lowercase), when that option is given. */
  headers?: Record<string, string>;
}

export interface OtlpReceiverOptions {
  /** Bodies larger than this get 413. @default 16 MiB */
  maxBodyBytes?: number;
  /**
   * Called with every decoded span; spans it returns `false` for are not kept in `spans`. For tests
   * that receive more spans than they can hold (count them in the callback). @default keep all
   */
  keepSpan?: (span: DecodedSpan) => boolean;
  /** Request headers to record in `requests[].headers` (e.g. `['x-api-key']`). @default none */
  recordHeaders?: readonly string[];
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`; exporters post to `${url}/v1/traces` and so on. */
  url: string;
  spans: DecodedSpan[];
  logs: DecodedLogRecord[];
  metrics: DecodedMetric[];
  /** Every request, accepted or not, in the order their answers were sent. */
  requests: ReceivedRequest[];
  /** Resolves once `predicate()` holds (checked now and after every request); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Answer the next `times` requests (default 1) with `status` instead of accepting them, and record
   * nothing from them: for testing exporter retries. `retryAfterSeconds` adds a Retry-After header.
   */
  respondWith(status: number, options?: { times?: number; retryAfterSeconds?: number }): void;
  /** Forget everything received so far. */
  clear(): void;
  close(): Promise<void>;
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: DecodedSpan[] = [];
  const logs: DecodedLogRecord[] = [];
  const metrics: DecodedMetric[] = [];
  const requests: ReceivedRequest[] = [];
  const failures: { status: number; retryAfterSeconds?: number }[] = [];
  const waiters = new Set<() => void>();

  const handle = createOtlpHttpHandler({
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    onSpans: (items) => {
      const { keepSpan } = options;
      for (const span of items) if (!keepSpan || keepSpan(span)) spans.push(span);
    },
    onLogs: (items) => void logs.push(...items),
    onMetrics: (items) => void metrics.push(...items),
  });

  const server = createServer((request, response) => {
    response.on('finish', () => {
      requests.push(describe(request, response, options.recordHeaders));
      for (const check of [...waiters]) check();
    });
    const failure = failures.shift();
    if (failure) respondWithFailure(request, response, failure);
    else void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    logs,
    metrics,
    requests,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = `${spans.length} spans, ${logs.length} log records, ${metrics.length} metrics`;
          reject(new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (received ${seen})`));
        }, timeoutMs);
        function check() {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        waiters.add(check);
        check();
      });
    },
    respondWith(status, { times = 1, retryAfterSeconds } = {}) {
      for (let i = 0; i < times; i++) {
        failures.push({ status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
      }
    },
    clear() {
      spans.length = 0;
      logs.length = 0;
      metrics.length = 0;
      requests.length = 0;
    },
    close() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // exporters keep connections alive
      });
    },
  };
}

function describe(
  request: IncomingMessage,
  response: ServerResponse,
  recordHeaders: readonly string[] | undefined,
): ReceivedRequest {
  const contentEncoding = request.headers['content-encoding'];
  const headers: Record<string, string> = {};
  for (const name of recordHeaders ?? []) {
    const value = request.headers[name.toLowerCase()];
    if (value !== undefined) headers[name.toLowerCase()] = String(value);
  }
  return {
    method: request.method ?? '',
    path: new URL(request.url ?? '/', 'http://localhost').pathname,
    contentType: request.headers['content-type'] ?? '',
    ...(contentEncoding ? { contentEncoding } : {}),
    status: response.statusCode,
    ...(recordHeaders ? { headers } : {}),
  };
}

function respondWithFailure(
  request: IncomingMessage,
  response: ServerResponse,
  failure: { status: number; retryAfterSeconds?: number },
): void {
  // Read the whole body first, as a real overloaded server would, so the exporter sees an answer.
  request.resume();
  request.on('end', () => {
    const body = JSON.stringify({ code: 14, message: `test receiver answers ${failure.status}` });
    response.writeHead(failure.status, {
      'content-type': 'application/json',
      ...(failure.retryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(failure.retryAfterSeconds) }),
    });
    response.end(body);
  });
}
