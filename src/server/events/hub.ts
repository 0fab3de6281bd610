import { randomBytes } from 'node:crypto';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { AlertEvent } from '../backend.ts';

/**
 * What changed, as serve's parts report it: only what identifies the change. What a client is sent
 * (a run's summary, a task run's state) is read when its batch goes out, so a transition costs the hub
 * one slot of its ring and nothing more while nobody listens.
 */
export type LiveChange =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'task'; readonly record: TransitionRecord }
  | { readonly kind: 'alert'; readonly event: AlertEvent }
  | { readonly kind: 'flows' };

/** Someone reading the hub (a connected event stream): told when there is something new. */
export interface LiveListener {
  wake(): void;
  close(): void;
}

/** The last 10,000 changes are kept for clients that reconnect. */
export const DEFAULT_RING_SIZE = 10_000;

/**
 * The live changes of one serve process, numbered 1, 2, … in a ring of the last `size`. An event id
 * on the wire is `<epoch>-<n>`: the epoch is new for each process, so an id from an earlier serve is
 * recognised as unknown (the client is told to start over) instead of meaning another event.
 */
export class LiveHub {
  readonly epoch: string;
  readonly #size: number;
  readonly #ring: (LiveChange | undefined)[];
  readonly #listeners = new Set<LiveListener>();
  #last = 0;
  #closed = false;

  constructor(options: { size?: number; epoch?: string } = {}) {
    this.#size = options.size ?? DEFAULT_RING_SIZE;
    this.#ring = new Array<LiveChange | undefined>(this.#size);
    this.epoch = options.epoch ?? `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  }

  /** Keeps a change; wakes the listeners, when there are any. */
  publish(change: LiveChange): void {
    this.#ring[++this.#last % this.#size] = change;
    if (this.#listeners.size > 0) for (const listener of this.#listeners) listener.wake();
  }

  /** The number of the newest change (0 before the first). */
  get last(): number {
    return this.#last;
  }

  /** The number of the oldest change still kept. */
  get oldest(): number {
    return Math.max(1, this.#last - this.#size + 1);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** The changes after `after`, oldest first; undefined when some of them are no longer kept. */
  since(after: number): LiveChange[] | undefined {
    if (after > this.#last || after < this.oldest - 1) return undefined;
    const changes: LiveChange[] = [];
    for (let n = after + 1; n <= this.#last; n++) changes.push(this.#ring[n % this.#size]!);
    return changes;
  }

  /** `<epoch>-<n>` */
  idOf(n: number): string {
    return `${this.epoch}-${n}`;
  }

  /** The `n` of an id this process gave out, or undefined (another process's, or not an id). */
  parseId(id: string): number | undefined {
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) !== this.epoch) return undefined;
    const text = id.slice(dash + 1);
    if (!/^\d{1,15}$/.test(text)) return undefined;
    const n = Number(text);
    return n <= this.#last ? n : undefined;
  }

  /** Registers a listener; false once the hub is closed. */
  listen(listener: LiveListener): boolean {
    if (this.#closed) return false;
    this.#listeners.add(listener);
    return true;
  }

  unlisten(listener: LiveListener): void {
    this.#listeners.delete(listener);
  }

  /** Serve stops: every stream is ended, none accepted after. */
  close(): void {
    this.#closed = true;
    for (const listener of [...this.#listeners]) listener.close();
    this.#listeners.clear();
  }
}
