import type { AbortFanout } from './abort-fanout.ts';

/**
 * Caps how many runs of one task execute at once. Waiters queue in order; a waiter whose run aborts
 * leaves the queue. The uncontended path takes no allocation beyond a counter.
 */
export class Semaphore {
  private active = 0;
  // A Set keeps arrival order and lets an aborted waiter leave in O(1): when a wide flow run fails, all
  // of its waiters leave at once.
  private readonly waiters = new Set<() => void>();

  constructor(private readonly limit: number) {}

  /** True when a slot was free and is now taken; otherwise call `acquire`. */
  tryAcquire(): boolean {
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    return false;
  }

  /** Resolves with a slot, or rejects with the abort reason when `aborts` fires first. */
  acquire(aborts: AbortFanout | undefined): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    const signal = aborts?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let stopListening: (() => void) | undefined;
      const grant = () => {
        stopListening?.();
        resolve();
      };
      stopListening = aborts?.listen(() => {
        this.waiters.delete(grant);
        reject(signal?.reason);
      });
      this.waiters.add(grant);
    });
  }

  release(): void {
    const next = this.waiters.values().next();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next.done) {
      this.active--;
    } else {
      this.waiters.delete(next.value);
      next.value();
    }
  }
}
