import { type Context, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { Backpressure } from './backpressure.ts';
import type { SpanQueueConfig } from './config.ts';
import { DropLedger } from './drops.ts';
import { ExportGuard, SHUT_DOWN } from './export-guard.ts';

export interface SpanPipelineOptions {
  readonly exporter: SpanExporter;
  /** Builds the SDK's BatchSpanProcessor (loaded lazily by the caller) around our guarded exporter. */
  readonly batch: (exporter: SpanExporter, config: SpanQueueConfig) => SpanProcessor;
  readonly config: SpanQueueConfig;
  /** How long backpressure waits for an export to settle before it gives up. */
  readonly stallMs: number;
  /** Called with every drop as it happens (the `flowtel.telemetry.spans.dropped` counter). */
  readonly onDrop: (count: number) => void;
}

/**
 * The span processor flowtel registers: the SDK's BatchSpanProcessor, with exact counts around it.
 * Wrapping rather than subclassing lets the SDK stay lazily loaded and uses no private fields: the
 * processor's queue length is what we accepted minus what it handed to the exporter, as long as we
 * never pass it a span that would not fit (so it never drops one without our knowing).
 */
export class SpanPipeline implements SpanProcessor {
  readonly drops: DropLedger;
  readonly backpressure: Backpressure;
  private readonly guard: ExportGuard<ReadableSpan>;
  private readonly inner: SpanProcessor;
  private readonly maxQueueSize: number;
  private accepted = 0;
  private handed = 0;
  /** After shutdown began, spans that end are not exported. */
  private closing = false;
  /** After the deadline, the books are closed: late answers change nothing. */
  private final = false;

  constructor(options: SpanPipelineOptions) {
    const { config } = options;
    this.maxQueueSize = config.maxQueueSize;
    this.drops = new DropLedger(options.onDrop);
    this.backpressure = new Backpressure({
      queued: () => this.accepted - this.handed,
      high: Math.floor(config.maxQueueSize / 2),
      low: Math.min(config.maxExportBatchSize, Math.floor(config.maxQueueSize / 4)),
      stallMs: options.stallMs,
    });
    this.guard = new ExportGuard<ReadableSpan>(options.exporter, {
      onHand: (count) => {
        this.handed += count;
        this.backpressure.drained();
      },
      onSettle: (count, error) => {
        if (this.final) return;
        if (error === undefined) {
          this.backpressure.healthy();
        } else {
          this.drops.add(count, error === SHUT_DOWN ? error : `export failed: ${error}`);
          this.backpressure.bypass();
        }
      },
    });
    this.inner = options.batch(this.guard, config);
  }

  /** The hook for `hub.backpressure`. */
  get gate(): () => Promise<void> | undefined {
    return this.backpressure.gate;
  }

  /** Whether the last export that settled succeeded (true before any). */
  get healthy(): boolean {
    return !this.guard.lastFailed;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.closing) {
      this.drops.add(1, 'ended after telemetry was shut down');
    } else if (this.accepted - this.handed >= this.maxQueueSize) {
      this.drops.add(1, 'the export queue was full');
    } else {
      this.accepted++;
      this.inner.onEnd(span);
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  /** Flushes what is queued; `close()` at the deadline settles whatever this leaves pending. */
  shutdown(): Promise<void> {
    this.closing = true;
    this.backpressure.bypass();
    return this.inner.shutdown();
  }

  /** At the shutdown deadline: fail what is on the wire, count what never left the queue. */
  close(): void {
    this.closing = true;
    this.backpressure.bypass();
    this.guard.close();
    const queued = this.accepted - this.handed;
    if (queued > 0) this.drops.add(queued, 'still queued at the shutdown deadline');
    this.final = true;
  }
}
