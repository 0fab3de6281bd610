/**
 * A `node:http` request handler for OTLP/HTTP exports: `POST /v1/traces`, `/v1/logs` and
 * `/v1/metrics`, in protobuf or JSON, optionally gzip-compressed. Decoded items go to callbacks;
 * answers follow the OTLP/HTTP specification, so exporters retry only what is worth retrying.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_BODY_BYTES, decompress, encodingOf, type OtlpEncoding } from './body.ts';
import { type DecodedBySignal, decodeRequest } from './decode.ts';
import { OtlpDecodeError, type OtlpDecodeProblem, preview } from './errors.ts';
import { type EncodedResponse, type PartialSuccess, statusResponse, successResponse } from './response.ts';
import type { OtlpSignal } from './schema.ts';

/** The request an export came in, passed to the callbacks along with the decoded items. */
export interface OtlpRequestInfo {
  signal: OtlpSignal;
  path: string;
  contentType: string;
  contentEncoding?: string;
}

/** The request body as it arrived (still compressed, if it was), for a forwarder. */
export interface AcceptedRequest extends OtlpRequestInfo {
  body: Uint8Array;
}

/** Why the handler refused a whole request (decoding problems, a wrong path or method, a failed consumer). */
export type RequestRejection = OtlpDecodeProblem | 'not-found' | 'method-not-allowed' | 'consumer-failed';

type Awaitable<T> = T | Promise<T>;

/**
 * A consumer may return how many of the items it refused (the answer then carries partial success),
 * or nothing, as one written `async () => {}` does.
 */
type Consumer<S extends OtlpSignal> = (
  items: DecodedBySignal[S],
  request: OtlpRequestInfo,
) => Awaitable<PartialSuccess | undefined> | Awaitable<void>;

export interface OtlpHttpHandlerOptions {
  /**
   * Receive the items of one accepted request. The answer waits for a returned promise; if the
   * callback throws or rejects, the sender gets 500 and may send again. A signal without a
   * callback is accepted and discarded, so exporters of unused signals do not log errors.
   */
  onSpans?: Consumer<'traces'>;
  onLogs?: Consumer<'logs'>;
  onMetrics?: Consumer<'metrics'>;
  /** Largest request body, before and after decompression, in bytes; larger ones get 413. @default 16 MiB */
  maxBodyBytes?: number;
  /**
   * Every accepted request (answered 200, partial success included), with its raw body, after the
   * consumer took its items. Must not throw; called before the answer is sent, so keep it quick.
   */
  onAccepted?: (request: AcceptedRequest) => void;
  /** Every request refused as a whole, with why (a client that went away is not counted). */
  onRejected?: (reason: RequestRejection, signal: OtlpSignal | undefined) => void;
}

/** Resolves once the answer is sent; never rejects. */
export type OtlpHttpHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

export const OTLP_PATHS: Readonly<Record<string, OtlpSignal>> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
};

const HTTP_STATUS: Readonly<Record<OtlpDecodeProblem, number>> = {
  'unsupported-media-type': 415,
  'too-large': 413,
  'bad-compression': 400,
  malformed: 400,
  'invalid-field': 400,
};

export function createOtlpHttpHandler(options: OtlpHttpHandlerOptions = {}): OtlpHttpHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return async (request, response) => {
    try {
      await handleExport(request, response, options, maxBodyBytes);
    } catch {
      // Not a decoding problem (those are answered inside): a bug or an I/O failure. Never let it
      // become an unhandled rejection that takes the process down.
      options.onRejected?.('consumer-failed', undefined);
      send(response, 500, statusResponse(500, 'the receiver failed to process the request', 'json'));
    }
  };
}

async function handleExport(
  request: IncomingMessage,
  response: ServerResponse,
  options: OtlpHttpHandlerOptions,
  maxBodyBytes: number,
): Promise<void> {
  // The raw request target, not `new URL(...)`, which throws on some malformed targets.
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const signal = OTLP_PATHS[path];
  const rejected = (reason: RequestRejection) => options.onRejected?.(reason, signal);
  if (signal === undefined) {
    rejected('not-found');
    return refuse(request, response, 404, `no OTLP endpoint at ${preview(path)}`, 'json');
  }
  if (request.method !== 'POST') {
    rejected('method-not-allowed');
    return refuse(request, response, 405, `${path} accepts POST only`, 'json', { allow: 'POST' });
  }
  const contentType = request.headers['content-type'] ?? '';
  const contentEncoding = request.headers['content-encoding'];
  let encoding: OtlpEncoding;
  try {
    encoding = encodingOf(contentType);
  } catch (error) {
    rejected('unsupported-media-type');
    return refuse(request, response, 415, (error as Error).message, 'json');
  }
  const tooLarge = `body is larger than ${maxBodyBytes} bytes`;
  if (Number(request.headers['content-length'] ?? 0) > maxBodyBytes) {
    rejected('too-large');
    return refuseLarge(request, response, tooLarge, encoding, maxBodyBytes);
  }

  const body = await readBody(request, maxBodyBytes).catch(() => null);
  if (body === null) return; // the client went away; nobody is left to answer
  if (body === 'too-large') {
    rejected('too-large');
    return refuseLarge(request, response, tooLarge, encoding, maxBodyBytes);
  }

  let items: DecodedBySignal[typeof signal];
  try {
    const plain = await decompress(body, contentEncoding, maxBodyBytes);
    items = decodeRequest(signal, plain, contentType, undefined, { maxBodyBytes });
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    rejected(error.problem);
    const status = HTTP_STATUS[error.problem];
    return send(response, status, statusResponse(status, error.message, encoding));
  }
  const info: OtlpRequestInfo = {
    signal,
    path,
    contentType,
    ...(contentEncoding ? { contentEncoding } : {}),
  };
  let partial: PartialSuccess | undefined;
  try {
    partial = await deliver(options, signal, items, info);
  } catch {
    rejected('consumer-failed');
    return send(response, 500, statusResponse(500, 'the receiver failed to store the data', encoding));
  }
  options.onAccepted?.({ ...info, body });
  send(response, 200, successResponse(signal, encoding, partial));
}

async function deliver<S extends OtlpSignal>(
  options: OtlpHttpHandlerOptions,
  signal: S,
  items: DecodedBySignal[S],
  info: OtlpRequestInfo,
): Promise<PartialSuccess | undefined> {
  const consumers: { readonly [T in OtlpSignal]?: Consumer<T> | undefined } = {
    traces: options.onSpans,
    logs: options.onLogs,
    metrics: options.onMetrics,
  };
  return (await consumers[signal]?.(items, info)) ?? undefined;
}

/** The body, `'too-large'` as soon as it passes the limit, or a rejection if the client aborts. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  return new Promise((resolve, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return; // past the limit: the rest is read and dropped
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        resolve('too-large');
      } else chunks.push(chunk);
    });
    request.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
      done = true;
    });
    request.on('close', () => {
      if (!done) rejectBody(new Error('request aborted'));
    });
    request.on('error', rejectBody);
  });
}

function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  message: string,
  encoding: OtlpEncoding,
  headers: Record<string, string> = {},
): void {
  request.resume(); // discard any unread body so the connection can be reused (or closed cleanly)
  send(response, status, statusResponse(status, message, encoding), headers);
}

/** How much of a refused body is read (and dropped) so its sender hears the 413: four times the limit. */
const DRAIN_FACTOR = 4;

/**
 * 413 for a body over the limit. Answering while the sender is still writing and closing the
 * connection would cut it off mid-send: it would see a broken pipe, not the 413 (exporters log that as
 * a network error and retry). So the rest of the body is read and dropped first, up to a bound; a
 * sender that goes on past it is cut off.
 */
function refuseLarge(
  request: IncomingMessage,
  response: ServerResponse,
  message: string,
  encoding: OtlpEncoding,
  maxBodyBytes: number,
): void {
  let drained = 0;
  const answer = () => send(response, 413, statusResponse(413, message, encoding), { connection: 'close' });
  if (request.readableEnded) {
    answer();
    return;
  }
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_FACTOR * maxBodyBytes) {
      answer();
      request.destroy();
    }
  });
  request.once('end', answer);
  request.resume();
}

function send(
  response: ServerResponse,
  status: number,
  { contentType, body }: EncodedResponse,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': body.length });
  response.end(body);
}
