import type { Notification } from '../../alerts/types.ts';
import type { Message, Notifier, SendOutcome } from '../types.ts';
import { consoleText } from './message.ts';

export interface ConsoleNotifierOptions {
  /** Where the text goes (the CLI's live view, or stderr). */
  readonly write: (text: string) => void;
  /** Channels it stands in for, by name → the variables they lack, named in each message. */
  readonly unconfigured: ReadonlyMap<string, readonly string[]>;
}

/**
 * Prints the message an alert would have produced, for channels that cannot send it (their variables
 * are unset) and for rules that notify no channel: `flowtel run` with nothing configured still shows
 * every alert. Each printed notification says, per channel, which variables to set. Never fails.
 */
export class ConsoleNotifier implements Notifier {
  readonly type = 'console';
  readonly #options: ConsoleNotifierOptions;

  constructor(options: ConsoleNotifierOptions) {
    this.#options = options;
  }

  async send(message: Message): Promise<SendOutcome> {
    this.#options.write(`${consoleText(message, (n) => this.#notes(n))}\n`);
    return { ok: true };
  }

  #notes(notification: Notification): string[] {
    if (notification.channels.length === 0) return ['(this rule notifies no channel)'];
    return notification.channels.flatMap((name) => {
      const missing = this.#options.unconfigured.get(name);
      return missing === undefined ? [] : [`channel '${name}' is not configured: set ${missing.join(', ')}`];
    });
  }
}
