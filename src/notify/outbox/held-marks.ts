import { type RecordContext, recordOutcome } from './record-outcome.ts';
import type { OutboxEntry } from './store.ts';

interface Held {
  readonly channel: string;
  readonly entries: readonly OutboxEntry[];
  readonly at: number;
}

/**
 * Sends the receiver accepted but the store refused to mark (the file locked past its busy timeout, a
 * full disk): the mark is held here and written at the next chance, before the claim lapses and
 * another process sends the same message again. Failed sends need no such care: left claimed, they
 * are retried when the lease lapses, and the receiver never had them.
 */
export class HeldMarks {
  readonly #held: Held[] = [];
  readonly #ctx: Omit<RecordContext, 'now'>;

  constructor(ctx: Omit<RecordContext, 'now'>) {
    this.#ctx = ctx;
  }

  get size(): number {
    return this.#held.reduce((n, h) => n + h.entries.length, 0);
  }

  /** Marks these entries sent (an accepted send), or holds the mark when the store refuses it. */
  markSent(channel: string, entries: readonly OutboxEntry[], at: number): void {
    this.#held.push({ channel, entries, at });
    const refused = this.retry();
    if (refused === undefined) return;
    this.#ctx.log(
      `flowtel: could not mark ${entries.length} delivered notification(s) of channel '${channel}' sent (${refused}); holding the mark until the file takes writes again`,
    );
  }

  /** Writes the held marks, oldest first; the store's error when it still refuses one. */
  retry(): string | undefined {
    for (let next = this.#held[0]; next !== undefined; next = this.#held[0]) {
      try {
        recordOutcome(next.channel, next.entries, { ok: true }, { ...this.#ctx, now: next.at });
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
      this.#held.shift();
    }
    return undefined;
  }
}
