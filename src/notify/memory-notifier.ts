import type { Message, Notifier, SendOutcome } from './types.ts';

/**
 * A notifier that records what it is given, for tests of everything above the adapters. Outcomes are
 * scripted: each send takes the next one, then `ok` once the script is used up.
 */
export class InMemoryNotifier implements Notifier {
  readonly type: string;
  readonly messages: Message[] = [];
  readonly #script: SendOutcome[];

  constructor(type = 'memory', script: readonly SendOutcome[] = []) {
    this.type = type;
    this.#script = [...script];
  }

  async send(message: Message): Promise<SendOutcome> {
    this.messages.push(structuredClone(message));
    return this.#script.shift() ?? { ok: true, status: 200 };
  }

  /** Queues outcomes for the next sends. */
  script(...outcomes: SendOutcome[]): void {
    this.#script.push(...outcomes);
  }
}
