import type { SlackChannel } from '../../alerts/channels.ts';
import { isHttpUrl } from '../facts.ts';
import { redactor, shorten } from '../redact.ts';
import { parseRetryAfter } from '../retry-policy.ts';
import type { DeliveryFailure, Message, Notifier, SendOutcome } from '../types.ts';
import { buildSlackMessage } from './blocks.ts';

export interface SlackNotifierOptions {
  /** Per request. @default 10000 */
  readonly timeoutMs?: number;
  /** Name of the variable the URL came from, for error messages (never the URL itself). */
  readonly urlVariable?: string;
}

interface WebhookModule {
  IncomingWebhook: new (
    url: string,
    defaults: Record<string, unknown>,
  ) => { send(message: Record<string, unknown>): Promise<{ text: string }> };
}

/**
 * Sends through `@slack/webhook` 8, wrapped because the library, as shipped:
 * - retries nothing by default: we pass `retries: 0` explicitly, since the outbox owns retries;
 * - throws on 429 without the response headers: we give it our own `fetch`, which keeps `Retry-After`;
 * - puts a malformed URL into its error: we check the URL first and map every error to a
 *   `DeliveryFailure` whose text has passed through the redactor, so the URL reaches no log.
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
  }

  async send(message: Message, options: { readonly signal?: AbortSignal } = {}): Promise<SendOutcome> {
    if (!isHttpUrl(this.#url)) {
      return fail({ kind: 'config', reason: `${this.#variable} is not an http(s) URL` });
    }
    let retryAfter: string | null = null;
    const fetchKeepingHeaders = async (url: string | URL, init?: RequestInit) => {
      const signals = [init?.signal, options.signal].filter((s): s is AbortSignal => s != null);
      const response = await fetch(url, { ...init, signal: AbortSignal.any(signals) });
      retryAfter = response.headers.get('retry-after');
      return response;
    };
    try {
      const { IncomingWebhook } = await loadWebhookModule();
      const hook = new IncomingWebhook(this.#url, {
        fetch: fetchKeepingHeaders,
        timeout: this.#timeoutMs,
        retryConfig: { retries: 0 },
        ...(this.#channel.channel === undefined ? {} : { channel: this.#channel.channel }),
        ...(this.#channel.username === undefined ? {} : { username: this.#channel.username }),
        ...(this.#channel.iconEmoji === undefined ? {} : { icon_emoji: this.#channel.iconEmoji }),
      });
      const result = await hook.send({ ...buildSlackMessage(message) });
      return { ok: true, status: 200, response: shorten(this.#redact(result.text), 200) };
    } catch (error) {
      return fail(this.#classify(error, retryAfter));
    }
  }

  #classify(error: unknown, retryAfter: string | null): DeliveryFailure {
    const e = error as { statusCode?: unknown; body?: unknown; original?: unknown; message?: unknown };
    if (typeof e.statusCode === 'number') {
      const reason = typeof e.body === 'string' && e.body.trim() !== '' ? e.body : `HTTP ${e.statusCode}`;
      const retryAfterMs = parseRetryAfter(retryAfter);
      return {
        kind: 'http',
        status: e.statusCode,
        reason: shorten(this.#redact(reason), 200),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    const original = (e.original ?? error) as {
      name?: unknown;
      message?: unknown;
      cause?: { code?: unknown };
    };
    if (original.name === 'TimeoutError' || original.name === 'AbortError') {
      return { kind: 'timeout', reason: `no answer within ${this.#timeoutMs}ms` };
    }
    const code = typeof original.cause?.code === 'string' ? original.cause.code : undefined;
    const text = code ?? (typeof original.message === 'string' ? original.message : String(error));
    return { kind: 'network', reason: shorten(this.#redact(text), 200) };
  }
}

let webhookModule: Promise<WebhookModule> | undefined;

/** Loaded on the first Slack send only (a CommonJS package: its exports may sit on `default`). */
function loadWebhookModule(): Promise<WebhookModule> {
  webhookModule ??= import('@slack/webhook').then((m) => {
    const mod = m as unknown as Partial<WebhookModule> & { default?: WebhookModule };
    return (mod.IncomingWebhook === undefined ? mod.default : mod) as WebhookModule;
  });
  return webhookModule;
}

function fail(failure: DeliveryFailure): SendOutcome {
  return { ok: false, failure };
}
