/**
 * Many listeners on one abort signal, through one real listener. A flow run's signal is shared by every
 * one of its task runs, and a wide run has thousands at once waiting for a concurrency slot, sitting in a
 * retry delay or running under a timeout; Node's `addEventListener` walks the signal's list of listeners
 * on every call, so one listener each made starting them quadratic (seconds for tens of thousands).
 */
export class AbortFanout {
  private readonly listeners = new Set<() => void>();
  private listening = false;

  constructor(readonly signal: AbortSignal) {}

  /** Calls `listener` once when the signal aborts; returns the function that stops listening. */
  listen(listener: () => void): () => void {
    if (!this.listening) {
      this.listening = true;
      this.signal.addEventListener('abort', () => this.fire(), { once: true });
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private fire(): void {
    for (const listener of this.listeners) {
      this.listeners.delete(listener);
      listener();
    }
  }
}
