import { z } from 'zod';

/**
 * Channel definitions: where a rule's notifications go. Only the definitions live here (the delivery
 * adapters in `src/notify/` import these schemas); secrets are references to environment variables and
 * never literal values, so a rules file can be committed and reviewed.
 */

/** A secret read from the environment when a message is sent, e.g. `{ env: 'SLACK_WEBHOOK_URL' }`. */
export const SecretRef = z.strictObject({
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable'),
});
export type SecretRef = z.infer<typeof SecretRef>;

export const SlackChannel = z.strictObject({
  type: z.literal('slack'),
  webhookUrl: SecretRef,
  /** Overrides the webhook's default channel, e.g. '#data-alerts'. */
  channel: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  iconEmoji: z.string().min(1).optional(),
});
export type SlackChannel = z.infer<typeof SlackChannel>;

export const EmailChannel = z.strictObject({
  type: z.literal('email'),
  to: z.array(z.email()).min(1),
  from: z.string().min(1),
  /** e.g. smtp://user:pass@host:587, or smtps://… */
  smtpUrl: SecretRef,
  subjectPrefix: z.string().optional(),
});
export type EmailChannel = z.infer<typeof EmailChannel>;

export const WebhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: SecretRef,
  /** Body format: flowtel's own JSON, or Alertmanager's webhook payload. @default 'flowtel' */
  format: z.enum(['flowtel', 'alertmanager']).default('flowtel'),
  /** Extra request headers (e.g. Authorization), each from the environment. */
  headers: z.record(z.string(), SecretRef).optional(),
});
export type WebhookChannel = z.infer<typeof WebhookChannel>;

export const ChannelDefinition = z.discriminatedUnion('type', [SlackChannel, EmailChannel, WebhookChannel]);
export type ChannelDefinition = z.infer<typeof ChannelDefinition>;

/** Input shapes (what a user writes: defaults may be omitted). */
export type SlackChannelInput = Omit<z.input<typeof SlackChannel>, 'type'>;
export type EmailChannelInput = Omit<z.input<typeof EmailChannel>, 'type'>;
export type WebhookChannelInput = Omit<z.input<typeof WebhookChannel>, 'type'>;

/** A Slack incoming webhook. */
export function slack(opts: SlackChannelInput): SlackChannel {
  return { type: 'slack', ...opts };
}

/** Email over SMTP. */
export function email(opts: EmailChannelInput): EmailChannel {
  return { type: 'email', ...opts };
}

/** An HTTP POST of the notification as JSON. */
export function webhook(opts: WebhookChannelInput): WebhookChannel {
  return { type: 'webhook', ...opts, format: opts.format ?? 'flowtel' };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The secret's value, or undefined when its variable is unset or empty. */
export function resolveSecret(ref: SecretRef, env: Env = process.env): string | undefined {
  const value = env[ref.env];
  return value === undefined || value === '' ? undefined : value;
}

/** Every secret reference of a channel. */
export function secretRefs(channel: ChannelDefinition): SecretRef[] {
  switch (channel.type) {
    case 'slack':
      return [channel.webhookUrl];
    case 'email':
      return [channel.smtpUrl];
    case 'webhook':
      return [channel.url, ...Object.values(channel.headers ?? {})];
  }
}

/** Names of the unset variables a channel needs; non-empty means the channel is "unconfigured". */
export function missingSecrets(channel: ChannelDefinition, env: Env = process.env): string[] {
  const missing = secretRefs(channel)
    .filter((ref) => resolveSecret(ref, env) === undefined)
    .map((ref) => ref.env);
  return [...new Set(missing)];
}
