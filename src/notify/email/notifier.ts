import type { EmailChannel } from '../../alerts/channels.ts';
import { redactor, shorten } from '../redact.ts';
import type { DeliveryFailure, Message, Notifier, SendOutcome } from '../types.ts';
import { buildEmail } from './message.ts';
import { parseSmtpUrl, SmtpConfigError, type SmtpSettings } from './smtp-url.ts';

export interface EmailNotifierOptions {
  /** TCP connect, greeting and idle-socket limits (nodemailer's own defaults are minutes). @default 10000 */
  readonly timeoutMs?: number;
}

type Transport = {
  sendMail(mail: Record<string, unknown>): Promise<{ response?: string; messageId?: string }>;
  close(): void;
};

/** Email over SMTP with nodemailer (loaded on the first send). Failures are outcomes, scrubbed of the password. */
export class EmailNotifier implements Notifier {
  readonly type = 'email';
  readonly #channel: EmailChannel;
  readonly #smtpUrl: string;
  readonly #timeoutMs: number;
  readonly #redact: (text: string) => string;
  #transport: Transport | undefined;

  constructor(channel: EmailChannel, smtpUrl: string, options: EmailNotifierOptions = {}) {
    this.#channel = channel;
    this.#smtpUrl = smtpUrl;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    // The redactor also covers the URL's password alone, encoded and decoded.
    this.#redact = redactor([smtpUrl]);
  }

  async send(message: Message, options: { readonly signal?: AbortSignal } = {}): Promise<SendOutcome> {
    let settings: SmtpSettings;
    try {
      settings = parseSmtpUrl(this.#smtpUrl, this.#channel.smtpUrl.env);
    } catch (error) {
      const reason = error instanceof SmtpConfigError ? error.message : 'invalid SMTP URL';
      return { ok: false, failure: { kind: 'config', reason: this.#redact(reason) } };
    }
    const content = buildEmail(message, this.#channel.subjectPrefix);
    // nodemailer takes no signal: closing the connection is how a send is cut short.
    const cutShort = () => this.#dropTransport();
    options.signal?.addEventListener('abort', cutShort, { once: true });
    try {
      const transport = await this.#transportFor(settings);
      const info = await transport.sendMail({
        from: this.#channel.from,
        to: this.#channel.to.join(', '),
        subject: content.subject,
        text: content.text,
        html: content.html,
        headers: { 'X-Flowtel-Alert-Ids': alertIds(message) },
      });
      return { ok: true, status: 250, response: shorten(this.#redact(info.response ?? 'accepted'), 200) };
    } catch (error) {
      // A failed connection may be half-open: start afresh next time.
      this.#dropTransport();
      return { ok: false, failure: this.#classify(error) };
    } finally {
      options.signal?.removeEventListener('abort', cutShort);
    }
  }

  async close(): Promise<void> {
    this.#dropTransport();
  }

  #classify(error: unknown): DeliveryFailure {
    const e = error as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const text =
      typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(error);
    const reason = shorten(this.#redact(text), 200);
    if (typeof e.responseCode === 'number') return { kind: 'smtp', status: e.responseCode, reason };
    if (code === 'ETIMEDOUT') return { kind: 'timeout', reason };
    if (
      code === 'ETLS' ||
      code === 'EAUTH' ||
      code === 'ENOAUTH' ||
      code === 'ECONFIG' ||
      code === 'EENVELOPE'
    ) {
      return { kind: 'config', reason: `${code}: ${reason}` };
    }
    return { kind: 'network', reason: code === undefined ? reason : `${code}: ${reason}` };
  }

  async #transportFor(settings: SmtpSettings): Promise<Transport> {
    if (this.#transport !== undefined) return this.#transport;
    const nodemailer = await import('nodemailer');
    const create = (nodemailer.default?.createTransport ?? nodemailer.createTransport) as (
      options: Record<string, unknown>,
    ) => Transport;
    this.#transport = create({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTLS,
      ...(settings.auth === undefined ? {} : { auth: { ...settings.auth } }),
      connectionTimeout: this.#timeoutMs,
      greetingTimeout: this.#timeoutMs,
      socketTimeout: this.#timeoutMs,
      dnsTimeout: this.#timeoutMs,
      // nodemailer's logger prints the SMTP conversation (AUTH included): never on.
      logger: false,
      debug: false,
    });
    return this.#transport;
  }

  #dropTransport(): void {
    this.#transport?.close();
    this.#transport = undefined;
  }
}

function alertIds(message: Message): string {
  return message.notifications
    .flatMap((n) => n.alerts.map((a) => a.id))
    .join(', ')
    .slice(0, 900);
}
