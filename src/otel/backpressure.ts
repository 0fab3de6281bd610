/**
 * Holds back new task runs while the span export queue is above a high-water mark, and lets them go,
 * a queue's worth at a time, once it has drained below the low-water mark: a burst of task runs then
 * goes as fast as the backend takes spans, instead of overflowing the queue.
 *
 * It never holds the runtime on a broken backend: while exports fail (or make no progress for
 * `stallMs`), it lets everything through, and the spans that do not fit are dropped and counted.
 * It only ever waits on the export queue, never on spans still open, so a task waiting here can never
 * be what keeps the queue from draining.
 */
export interface BackpressureOptions {
  /** Ended spans not yet handed to the exporter. */
  queued(): number;
  /** Hold new runs from this many queued spans... */
  high: number;
  /** ...until the queue is down to this many. */
  low: number;
  /** Give up waiting when no export settled for this long. */
  stallMs: number;
}

export class Backpressure {
  /** Exports are failing: let everything through until one succeeds. */
  private bypassed = false;
  private readonly waiters: (() => void)[] = [];
  private head = 0;
  private scheduled = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BackpressureOptions) {}

  /**
   * The `hub.backpressure` hook, called before every task run: `undefined` (go on) on the fast path,
   * which is a few field reads; else a promise that resolves when the run may start.
   */
  readonly gate = (): Promise<void> | undefined => {
    if (this.bypassed) return undefined;
    // Once some runs wait, later ones queue behind them, so they cannot overtake and refill the queue.
    if (this.head === this.waiters.length && this.options.queued() < this.options.high) return undefined;
    return this.wait();
  };

  /** An export left the queue or settled: maybe let waiting runs go. */
  drained(): void {
    if (this.head === this.waiters.length || this.scheduled) return;
    // Once per turn of the event loop: the runs let go start (and end their spans) before the next count.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.release();
    });
  }

  /** An export succeeded: the backend is there, apply backpressure again. */
  healthy(): void {
    this.bypassed = false;
    this.armStallTimer();
  }

  /** Exports fail (or a shutdown began): stop holding runs back, and let every waiting one go. */
  bypass(): void {
    this.bypassed = true;
    this.releaseAll();
  }

  private wait(): Promise<void> {
    const promise = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.stallTimer === undefined) this.armStallTimer();
    this.drained();
    return promise;
  }

  private release(): void {
    const { high, low } = this.options;
    const queued = this.options.queued();
    if (queued > low) return;
    // Each run ends at least one span: let as many go as fit below the high-water mark.
    let budget = high - queued;
    while (budget-- > 0 && this.head < this.waiters.length) this.next()();
    this.compact();
    // Runs that end no span (past the span budget, unsampled) bring no export to wake us: look again.
    this.drained();
  }

  private releaseAll(): void {
    while (this.head < this.waiters.length) this.next()();
    this.compact();
  }

  private next(): () => void {
    const resolve = this.waiters[this.head]!;
    this.waiters[this.head++] = noop; // let the closure go now, not when the array is compacted
    return resolve;
  }

  private compact(): void {
    if (this.head === this.waiters.length) {
      this.waiters.length = 0;
      this.head = 0;
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    } else if (this.head > 4096 && this.head * 2 > this.waiters.length) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.head === this.waiters.length) return;
    this.stallTimer = setTimeout(() => this.bypass(), this.options.stallMs);
    this.stallTimer.unref();
  }
}

function noop(): void {}
