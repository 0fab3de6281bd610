import { flow, task } from 'flowtel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { disableBackpressure } from '../support/backpressure.ts';
import { liveHeapGrowth } from '../support/heap.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { setEnv } from './env.ts';

/**
 * The export queue is shrunk with the SDK's own variables, so that a burst twenty times its size is still
 * small enough to finish in seconds on a busy machine. Backpressure is sized from the queue (it holds
 * runs from half of it), so this is the mechanism that guards the default 32,768 spans, at a smaller scale.
 */
const QUEUE_SIZE = 500;
const TASK_RUNS = 10_000;
const SMALL_QUEUE = { OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE_SIZE), OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '125' };
/**
 * Measured on the live heap for this burst: 2–5 MB with the queue bounded, 21–24 MB when the queue is large
 * enough to hold every span of the burst at once (OTEL_BSP_MAX_QUEUE_SIZE=20000). The limit sits between.
 */
const HEAP_LIMIT_BYTES = 10 * 1024 * 1024;
/** Well inside the test's timeout, so that a flush that cannot finish fails with the report. */
const SHUTDOWN_DEADLINE_MS = 20_000;

let receiver: OtlpReceiver;
let restoreEnv: () => void = () => {};
/** Distinct task span ids received: counted, not kept, so the test's own memory stays small. */
let taskSpanIds: Set<string>;

beforeEach(async () => {
  taskSpanIds = new Set();
  receiver = await startOtlpReceiver({
    maxBodyBytes: 64 * 1024 * 1024,
    keepSpan: (span) => {
      if (span.name !== 'task noop') return true;
      taskSpanIds.add(span.spanId);
      return false;
    },
  });
  restoreEnv = setEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    FLOWTEL_MAX_TASK_SPANS: '0',
    ...SMALL_QUEUE,
  });
});
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
  await receiver.close();
});

const noop = task('noop', (i: number) => i);

const CHUNK = 1_000;
/**
 * Where the heap is measured, twice in the burst: each measure is a full collection, and they slow the
 * runs that follow far more than their own length (one every 250 ms made this burst ten times slower on
 * a busy machine). Spans that a broken bound would hold peak as the burst ends, where the second one is.
 */
const MEASURE_EVERY = 5_000;

/** The burst shapes; `measure` is called every `MEASURE_EVERY` runs. */
const inChunks = (measure = () => {}) =>
  flow({ name: 'burst' }, async () => {
    for (let start = 0; start < TASK_RUNS; start += CHUNK) {
      await Promise.all(Array.from({ length: CHUNK }, (_, i) => noop(start + i)));
      if ((start + CHUNK) % MEASURE_EVERY === 0) measure();
    }
  });
const oneAfterAnother = (measure = () => {}) =>
  flow({ name: 'burst' }, async () => {
    for (let i = 1; i <= TASK_RUNS; i++) {
      await noop(i);
      if (i % MEASURE_EVERY === 0) measure();
    }
  });
const allAtOnce = () =>
  flow({ name: 'burst' }, async () => {
    await Promise.all(Array.from({ length: TASK_RUNS }, (_, i) => noop(i)));
  });

describe(`a burst of ${TASK_RUNS.toLocaleString('en')} task runs, twenty times the export queue`, {
  timeout: 60_000,
}, () => {
  it('exports every span when the runs go in concurrent chunks, in bounded memory', async () => {
    await setupTelemetry();
    const growth = await liveHeapGrowth(async (measure) => {
      await inChunks(measure)();
      const report = await shutdownTelemetry(SHUTDOWN_DEADLINE_MS);
      expect(report).toEqual({ flushed: true, droppedSpans: 0 });
    });

    expect(taskSpanIds.size).toBe(TASK_RUNS);
    expect(receiver.spans.filter((span) => span.name === 'flow burst')).toHaveLength(1);
    expect(growth).toBeLessThan(HEAP_LIMIT_BYTES);
  });

  it('exports every span over OTLP/JSON as well', async () => {
    const restoreProtocol = setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      FLOWTEL_MAX_TASK_SPANS: '0',
      ...SMALL_QUEUE,
    });
    try {
      await setupTelemetry();
      await inChunks()();
      expect(await shutdownTelemetry(SHUTDOWN_DEADLINE_MS)).toEqual({ flushed: true, droppedSpans: 0 });
    } finally {
      restoreProtocol();
    }

    expect(taskSpanIds.size).toBe(TASK_RUNS);
    expect(receiver.requests.every((r) => r.contentType?.startsWith('application/json'))).toBe(true);
  });

  it('exports every span when the runs go one after another', async () => {
    await setupTelemetry();
    const growth = await liveHeapGrowth(async (measure) => {
      await oneAfterAnother(measure)();
      expect(await shutdownTelemetry(SHUTDOWN_DEADLINE_MS)).toEqual({ flushed: true, droppedSpans: 0 });
    });

    expect(taskSpanIds.size).toBe(TASK_RUNS);
    expect(growth).toBeLessThan(HEAP_LIMIT_BYTES);
  });

  it('exports every span even when all runs are started at once', async () => {
    await setupTelemetry();
    await allAtOnce()();
    expect(await shutdownTelemetry(SHUTDOWN_DEADLINE_MS)).toEqual({ flushed: true, droppedSpans: 0 });

    expect(taskSpanIds.size).toBe(TASK_RUNS);
  });

  // The burst overflows the queue when nothing holds it back: the tests above fail if backpressure stops.
  for (const [shape, burst] of [
    ['in concurrent chunks', inChunks],
    ['one after another', oneAfterAnother],
    ['all at once', allAtOnce],
  ] as const) {
    it(`overflows the queue without backpressure (${shape}), and counts every span it drops`, async () => {
      await setupTelemetry();
      disableBackpressure();
      await burst()();
      const report = await shutdownTelemetry(SHUTDOWN_DEADLINE_MS);

      expect(report.droppedSpans).toBeGreaterThan(0);
      const flowSpans = receiver.spans.filter((span) => span.name === 'flow burst').length;
      expect(taskSpanIds.size + flowSpans + report.droppedSpans).toBe(TASK_RUNS + 1);
    });
  }
});
