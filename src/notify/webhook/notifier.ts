import type { WebhookChannel } from '../../alerts/channels.ts';
import { redactor, shorten } from '../redact.ts';
import { parseRetryAfter } from '../retry-policy.ts';
import type { Message, Notifier, SendOutcome } from '../types.ts';
import { buildAlertmanagerPayload } from './alertmanager.ts';
import { buildWebhookPayload } from './payload.ts';

export interface WebhookNotifierOptions {
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  /** Alertmanager's `externalURL` (e.g. the `serve` API). @default '' */
  readonly externalURL?: string;
}

/** A JSON POST with global fetch. The URL and header values are secrets: no failure text carries them. */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook';
  readonly #channel: WebhookChannel;
  readonly #url: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #options: WebhookNotifierOptions;
  readonly #redact: (text: string) => string;

  /** `headers`: the resolved values of `channel.headers`. */
  constructor(
    channel: WebhookChannel,
    url: string,
    headers: Readonly<Record<string, string>> = {},
    options: WebhookNotifierOptions = {},
  ) {
    this.#channel = channel;
    this.#url = url;
    this.#headers = headers;
    this.#options = options;
    this.#redact = redactor([url, ...Object.values(headers)]);
  }

  async send(message: Message, options: { readonly signal?: AbortSignal } = {}): Promise<SendOutcome> {
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    let url: URL;
    try {
      url = new URL(this.#url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      return {
        ok: false,
        failure: { kind: 'config', reason: `${this.#channel.url.env} is not an http(s) URL` },
      };
    }
    const body =
      this.#channel.format === 'alertmanager'
        ? buildAlertmanagerPayload(message, this.#options.externalURL)
        : buildWebhookPayload(message);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'flowtel', ...this.#headers },
        body: JSON.stringify(body),
        // A redirect would resend the body (and our headers) to a place nobody configured.
        redirect: 'error',
        signal: AbortSignal.any([
          AbortSignal.timeout(timeoutMs),
          ...(options.signal === undefined ? [] : [options.signal]),
        ]),
      });
      const text = await response.text().catch(() => '');
      if (response.ok)
        return { ok: true, status: response.status, response: shorten(this.#redact(text), 200) };
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      return {
        ok: false,
        failure: {
          kind: 'http',
          status: response.status,
          reason: shorten(
            this.#redact(text === '' ? response.statusText || `HTTP ${response.status}` : text),
            200,
          ),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        },
      };
    } catch (error) {
      const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { ok: false, failure: { kind: 'timeout', reason: `no answer within ${timeoutMs}ms` } };
      }
      const code = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
      const text = code ?? (typeof e.message === 'string' ? e.message : String(error));
      return { ok: false, failure: { kind: 'network', reason: shorten(this.#redact(text), 200) } };
    }
  }
}
