/**
 * Caps how many runs of one task execute at once. Waiters queue in order; a waiter whose signal aborts
 * leaves the queue. The uncontended path takes no allocation beyond a counter.
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** True when a slot was free and is now taken; otherwise call `acquire`. */
  tryAcquire(): boolean {
    if (this.active < this.limit) {
      this.active++;
      return true;
    }
    return false;
  }

  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(grant);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active--;
  }
}
