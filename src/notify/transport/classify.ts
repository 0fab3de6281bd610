import { shorten } from '../redact.ts';
import { parseRetryAfter } from '../retry-policy.ts';
import type { DeliveryFailure, SendOutcome } from '../types.ts';

/**
 * How an HTTP receiver's answer, or the failure to get one, becomes a `SendOutcome`: pure functions of
 * what happened, shared by every HTTP notifier so they cannot drift (Alertmanager's `notify/util.go`).
 * Every text a receiver or the network produced passes through `redact` and is cut short: a receiver
 * that echoes its URL's token in an error body must not put it into `last_error` or a log line.
 */

/** The receiver's reason is kept (Slack's `no_service`), cut to what a log line holds. */
const MAX_REASON = 200;

export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
  /** The `Retry-After` header, as sent. */
  readonly retryAfter: string | null;
}

/** 2xx is sent; anything else is an `http` failure with the receiver's words and its `Retry-After`. */
export function outcomeOfAnswer(answer: HttpAnswer, redact: (text: string) => string): SendOutcome {
  const said = (text: string) => reasonText(redact(text));
  if (answer.status >= 200 && answer.status < 300) {
    return { ok: true, status: answer.status, response: said(answer.body) };
  }
  const body = answer.body.trim();
  const retryAfterMs = parseRetryAfter(answer.retryAfter);
  return {
    ok: false,
    failure: {
      kind: 'http',
      status: answer.status,
      reason: said(body !== '' ? body : answer.statusText || `HTTP ${answer.status}`),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  };
}

/** System error codes in words; the code stays in the text so it can be searched for. */
const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the receiver',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed for now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the receiver',
};

/** Certificate problems: the same answer every time, so retrying cannot help. */
const TLS_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|ERR_TLS_CERT_)/;

/**
 * A request that got no answer: `timeout` past `timeoutMs`, `config` for a redirect (flowtel does not
 * follow one: it would resend the body and its headers to a place nobody configured) or a certificate
 * the receiver will present again, else `network`, named by its system code (`connection refused
 * (ECONNREFUSED)`) rather than fetch's own `fetch failed`.
 */
export function failureOfRequest(
  error: unknown,
  timeoutMs: number,
  redact: (text: string) => string,
): DeliveryFailure {
  const e = error as { name?: unknown; message?: unknown; cause?: unknown };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return { kind: 'timeout', reason: `no answer within ${timeoutMs}ms` };
  }
  const cause = (e.cause ?? error) as { code?: unknown; message?: unknown; errors?: unknown };
  const nested = Array.isArray(cause.errors)
    ? (cause.errors[0] as { code?: unknown } | undefined)
    : undefined;
  const code = typeof cause.code === 'string' ? cause.code : stringOr(nested?.code);
  const message = stringOr(cause.message) ?? String(error);
  if (message === 'unexpected redirect') {
    return {
      kind: 'config',
      reason: 'the receiver answered with a redirect, which flowtel does not follow: configure the final URL',
    };
  }
  if (code !== undefined && TLS_CODES.test(code)) {
    return { kind: 'config', reason: reasonText(`TLS: ${redact(message)} (${code})`) };
  }
  const words = code === undefined ? undefined : NETWORK_WORDS[code];
  const text = words ?? redact(message);
  return { kind: 'network', reason: reasonText(code === undefined ? text : `${text} (${code})`) };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function reasonText(text: string): string {
  return shorten(text, MAX_REASON);
}
