import type { WebhookChannel } from '../../alerts/channels.ts';
import { redactor } from '../redact.ts';
import { postJson, prepareHttpClient } from '../transport/post-json.ts';
import type { Message, Notifier, SendOutcome } from '../types.ts';
import { buildAlertmanagerPayload } from './alertmanager.ts';
import { cutStrings } from './limits.ts';
import { buildWebhookPayload } from './payload.ts';

export interface WebhookNotifierOptions {
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  /** Alertmanager's `externalURL` (e.g. the `serve` API). @default '' */
  readonly externalURL?: string;
}

/** A JSON POST of the notification. The URL and header values are secrets: no failure text carries them. */
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
    prepareHttpClient();
  }

  send(message: Message, options: { readonly signal?: AbortSignal } = {}): Promise<SendOutcome> {
    const body =
      this.#channel.format === 'alertmanager'
        ? buildAlertmanagerPayload(message, this.#options.externalURL)
        : buildWebhookPayload(message);
    return postJson({
      url: this.#url,
      urlVariable: this.#channel.url.env,
      body: cutStrings(body),
      headers: this.#headers,
      timeoutMs: this.#options.timeoutMs ?? 10_000,
      redact: this.#redact,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
