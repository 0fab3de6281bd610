import { type ChannelDefinition, missingSecrets, resolveSecret } from '../alerts/channels.ts';
import { EmailNotifier } from './email/notifier.ts';
import { SlackNotifier } from './slack/notifier.ts';
import type { Notifier } from './types.ts';
import { WebhookNotifier } from './webhook/notifier.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface NotifierOptions {
  /** Per request / SMTP phase. @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * One notifier per configured channel. A channel whose variables are unset gets none: what to do with
 * its alerts (print them, say which variables to set) is the CLI's decision, made where it wires delivery.
 */
export function createNotifiers(
  channels: Readonly<Record<string, ChannelDefinition>>,
  env: Env,
  options: NotifierOptions = {},
): Map<string, Notifier> {
  const notifiers = new Map<string, Notifier>();
  for (const [name, channel] of Object.entries(channels)) {
    if (missingSecrets(channel, env).length === 0) notifiers.set(name, createNotifier(channel, env, options));
  }
  return notifiers;
}

/** Call only for a configured channel (see `missingSecrets`). */
export function createNotifier(
  channel: ChannelDefinition,
  env: Env,
  options: NotifierOptions = {},
): Notifier {
  const secret = (ref: { env: string }) => resolveSecret(ref, env) ?? '';
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  switch (channel.type) {
    case 'slack':
      return new SlackNotifier(channel, secret(channel.webhookUrl), timeout);
    case 'email':
      return new EmailNotifier(channel, secret(channel.smtpUrl), timeout);
    case 'webhook': {
      const headers = Object.fromEntries(
        Object.entries(channel.headers ?? {}).map(([k, ref]) => [k, secret(ref)]),
      );
      return new WebhookNotifier(channel, secret(channel.url), headers, timeout);
    }
  }
}

/** How often a channel may be sent to and how many queued notifications one message may merge. */
export interface ChannelLimits {
  readonly minIntervalMs: number;
  readonly maxGroup: number;
}

/**
 * Slack allows about one message per second per webhook; what queues meanwhile goes as one grouped
 * message. Email groups what queued up (after an outage) but is not paced. A webhook receiver is a
 * program: one notification per request, unpaced.
 */
export function channelLimits(channel: ChannelDefinition | undefined): ChannelLimits {
  switch (channel?.type) {
    case 'slack':
      return { minIntervalMs: 1000, maxGroup: 20 };
    case 'email':
      return { minIntervalMs: 0, maxGroup: 50 };
    default:
      return { minIntervalMs: 0, maxGroup: 1 };
  }
}
