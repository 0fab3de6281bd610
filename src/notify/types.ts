import type { Notification } from '../alerts/types.ts';

/**
 * What one send carries: one or more notifications for one channel. More than one when several queued
 * up for the channel (an outage, a storm, Slack's one message per second): they go as one grouped
 * message rather than a burst.
 */
export interface Message {
  /** The channel's name in the rules (`data`, `oncall`). */
  readonly channel: string;
  /** At least one, oldest first. */
  readonly notifications: readonly Notification[];
}

/** Why a send did not succeed, as the receiver (or the network) said it; never holds a secret. */
export interface DeliveryFailure {
  /**
   * - `http`: the receiver answered with a non-2xx status (`status`, `reason` = its body, e.g. `no_service`)
   * - `smtp`: the mail server answered with an error code (`status` = the SMTP reply code)
   * - `timeout`: no answer within the timeout
   * - `network`: no connection (refused, DNS, reset)
   * - `config`: the channel cannot work as configured (bad URL, TLS required): retrying will not help
   */
  readonly kind: 'http' | 'smtp' | 'timeout' | 'network' | 'config';
  readonly status?: number;
  /** The receiver's own words, cut short and scrubbed of secrets. */
  readonly reason: string;
  /** From a `Retry-After` header, in milliseconds. */
  readonly retryAfterMs?: number;
}

export type SendOutcome =
  | { readonly ok: true; readonly status?: number; readonly response?: string }
  | { readonly ok: false; readonly failure: DeliveryFailure };

/** One receiver adapter (Slack, email, webhook). `send` never throws: failures are outcomes. */
export interface Notifier {
  readonly type: string;
  /** `signal` aborts when delivery shuts down: stop waiting for the receiver (the outcome is then ignored). */
  send(message: Message, options?: { readonly signal?: AbortSignal }): Promise<SendOutcome>;
  close?(): Promise<void>;
}

/** A short line for logs and `last_error`: `http 404 no_service`, `timeout: no answer within 10s`. */
export function describeFailure(failure: DeliveryFailure): string {
  const status = failure.status === undefined ? '' : ` ${failure.status}`;
  return `${failure.kind}${status}: ${failure.reason}`;
}
