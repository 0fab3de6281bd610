import type { IncomingWebhookSendArguments } from '@slack/webhook';
import type { SlackChannel } from '../../alerts/channels.ts';
import { redactor } from '../redact.ts';
import { postJson, prepareHttpClient } from '../transport/post-json.ts';
import type { Message, Notifier, SendOutcome } from '../types.ts';
import { buildSlackMessage } from './blocks.ts';

export interface SlackNotifierOptions {
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  /** Name of the variable the URL came from, for error messages (never the URL itself). */
  readonly urlVariable?: string;
}

/**
 * A Slack incoming webhook. `@slack/webhook` 8 gives the message contract (the body is typed as its
 * `IncomingWebhookSendArguments`, so a field Slack does not know fails to compile), but not the
 * transport: its `send` retries through p-retry, throws on a 429 without the `Retry-After` header, and
 * wraps network errors in its own classes; the outbox owns retries, and the shared `postJson` classifies
 * every HTTP receiver's answers the same way (redirects refused, errors named, the URL in none of them).
 */
export class SlackNotifier implements Notifier {
  readonly type = 'slack';
  readonly #url: string;
  readonly #channel: SlackChannel;
  readonly #timeoutMs: number;
  readonly #variable: string;
  readonly #redact: (text: string) => string;

  constructor(channel: SlackChannel, webhookUrl: string, options: SlackNotifierOptions = {}) {
    this.#url = webhookUrl;
    this.#channel = channel;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#variable = options.urlVariable ?? channel.webhookUrl.env;
    this.#redact = redactor([webhookUrl]);
    prepareHttpClient();
  }

  send(message: Message, options: { readonly signal?: AbortSignal } = {}): Promise<SendOutcome> {
    const { channel, username, iconEmoji } = this.#channel;
    const body: IncomingWebhookSendArguments = {
      ...(channel === undefined ? {} : { channel }),
      ...(username === undefined ? {} : { username }),
      ...(iconEmoji === undefined ? {} : { icon_emoji: iconEmoji }),
      ...buildSlackMessage(message),
    };
    return postJson({
      url: this.#url,
      urlVariable: this.#variable,
      body,
      timeoutMs: this.#timeoutMs,
      redact: this.#redact,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
}
