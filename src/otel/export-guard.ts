/**
 * A wrapper around an OTLP exporter that the processors talk to instead of the exporter itself:
 * - it caps the exports on the wire (the OTLP exporter fails every export past its own limit of 30 with
 *   "Concurrent export limit reached"; a flush of a full queue asks for a dozen at once), holding the
 *   rest in order;
 * - it counts what it was handed, what was exported and what failed, for the span backpressure and the
 *   drop report;
 * - `close()` settles everything still pending as failed, at once, so that no processor waits on a hung
 *   endpoint (and no processor timer keeps the process alive) after the shutdown deadline.
 */

/** `ExportResultCode` of `@opentelemetry/core`, which flowtel does not depend on directly. */
const SUCCESS = 0;
const FAILED = 1;

export interface ExportResult {
  code: number;
  error?: Error;
}

export interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export interface ExportHooks {
  /** `count` items were handed over (they left the processor's queue). */
  onHand?(count: number): void;
  /** `count` items were exported, or failed for `error`. */
  onSettle?(count: number, error: string | undefined): void;
}

interface Pending<T> {
  readonly items: T[];
  readonly done: (result: ExportResult) => void;
  settled: boolean;
}

/** Why an export failed when flowtel gave up on it at the shutdown deadline (or refused it after). */
export const SHUT_DOWN = 'not exported before the shutdown deadline';

/** Exports on the wire at once, per signal: well below the OTLP exporter's own limit of 30. */
const MAX_CONCURRENT_EXPORTS = 8;

export class ExportGuard<T> implements Exporter<T> {
  /** Whether the last export that settled failed (unset until one settles). */
  lastFailed = false;
  private readonly inFlight = new Set<Pending<T>>();
  private readonly waiting: Pending<T>[] = [];
  private closed = false;

  constructor(
    private readonly inner: Exporter<T>,
    private readonly hooks: ExportHooks = {},
  ) {}

  export(items: T[], done: (result: ExportResult) => void): void {
    this.hooks.onHand?.(items.length);
    const pending: Pending<T> = { items, done, settled: false };
    if (this.closed) this.settle(pending, new Error(SHUT_DOWN));
    else if (this.inFlight.size >= MAX_CONCURRENT_EXPORTS) this.waiting.push(pending);
    else this.send(pending);
  }

  /** Settles every pending export as failed (`SHUT_DOWN`); later exports fail at once. */
  close(): void {
    this.closed = true;
    const pending = [...this.inFlight, ...this.waiting.splice(0)];
    for (const entry of pending) this.settle(entry, new Error(SHUT_DOWN));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private send(pending: Pending<T>): void {
    this.inFlight.add(pending);
    try {
      this.inner.export(pending.items, (result) => {
        this.settle(
          pending,
          result.code === SUCCESS ? undefined : (result.error ?? new Error('export failed')),
        );
      });
    } catch (error) {
      this.settle(pending, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Exactly once per export, whichever comes first: the exporter's answer or `close()`. */
  private settle(pending: Pending<T>, error: Error | undefined): void {
    if (pending.settled) return;
    pending.settled = true;
    this.inFlight.delete(pending);
    this.lastFailed = error !== undefined;
    this.hooks.onSettle?.(pending.items.length, error === undefined ? undefined : describe(error));
    pending.done(error === undefined ? { code: SUCCESS } : { code: FAILED, error });
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) this.send(next);
  }
}

/** A short, header-free description of why an export failed: the message and the HTTP status if any. */
export function describe(error: Error): string {
  const status = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return typeof status === 'number' && !message.includes(String(status))
    ? `HTTP ${status} ${message}`
    : message;
}
