import type { ServerResponse } from 'node:http';
import { ApiError } from './errors.ts';

/** Headers of every API answer: JSON, never cached (runs change), never sniffed as something else. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** What a route answers: a status, a JSON body (none for 204) and extra headers. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export function sendReply(response: ServerResponse, reply: Reply): void {
  if (response.headersSent) return;
  const headers = { ...JSON_HEADERS, ...reply.headers };
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { ...headers, 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The `{ error, details? }` answer of a refusal. */
export function errorReply(error: ApiError): Reply {
  return {
    status: error.status,
    body:
      error.details === undefined
        ? { error: error.message }
        : { error: error.message, details: error.details },
    headers: error.headers,
  };
}

/** Anything a route throws that is not a refusal is the server's fault: 500, without a word of its own. */
export function internalErrorReply(): Reply {
  return errorReply(new ApiError(500, 'serve failed to answer this request; its log says why'));
}
