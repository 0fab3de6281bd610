import type { ChannelDefinition } from '../../alerts/channels.ts';
import { missingSecrets } from '../../alerts/channels.ts';
import { createNotifier, type NotifierOptions } from '../notifiers.ts';
import { testNotification } from '../test-notification.ts';
import { describeFailure } from '../types.ts';

type Env = Readonly<Record<string, string | undefined>>;
interface Out {
  write(text: string): unknown;
}

export interface NotifyTestOptions {
  /** The channels of the rules (the CLI loads the folder). */
  readonly channels: Readonly<Record<string, ChannelDefinition>>;
  /** Trace link template for the test message's button (the CLI's `traceUrlTemplate`). */
  readonly traceUrlTemplate?: string;
  readonly env?: Env;
  readonly stdout?: Out;
  readonly stderr?: Out;
  readonly notifierOptions?: NotifierOptions;
}

/**
 * `flowtel notify test <channel>`: sends one test message straight through the channel's adapter (not
 * the outbox: the point is to see the receiver's answer now) and prints it. Exit code 0 when the receiver
 * accepted it, 1 when it did not (or the channel is unknown or unconfigured).
 */
export async function notifyTest(channelName: string, options: NotifyTestOptions): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const { channels } = options;
  const channel = channels[channelName];
  if (channel === undefined) {
    const known = Object.keys(channels);
    stderr.write(
      `no channel named '${channelName}'${known.length > 0 ? `; the rules define: ${known.join(', ')}` : '; the rules define no channels'}\n`,
    );
    return 1;
  }
  const missing = missingSecrets(channel, env);
  if (missing.length > 0) {
    stderr.write(`channel '${channelName}' (${channel.type}) is not configured: set ${missing.join(', ')}\n`);
    return 1;
  }
  const notifier = createNotifier(channel, env, options.notifierOptions);
  try {
    const notification = testNotification(channelName, new Date(), options.traceUrlTemplate);
    const outcome = await notifier.send({ channel: channelName, notifications: [notification] });
    if (outcome.ok) {
      const answer = outcome.response === undefined ? '' : `: ${outcome.response}`;
      stdout.write(
        `sent a test message to '${channelName}' (${channel.type}); the receiver answered ${outcome.status ?? 'ok'}${answer}\n`,
      );
      return 0;
    }
    stderr.write(
      `'${channelName}' (${channel.type}) did not accept the test message: ${describeFailure(outcome.failure)}\n`,
    );
    return 1;
  } finally {
    await notifier.close?.();
  }
}
