import { flow, task } from 'flowtel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { setEnv } from './env.ts';
import { liveHeapGrowth } from './heap.ts';

const TASK_RUNS = 100_000;
/**
 * Measured on the live heap: ~50 MB with the export queue bounded, ~175 MB when every span of the
 * burst is held at once. The limit sits between, with room for another machine's differences.
 */
const HEAP_LIMIT_BYTES = 120 * 1024 * 1024;

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
  restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, FLOWTEL_MAX_TASK_SPANS: '0' });
});
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
  await receiver.close();
});

const noop = task('noop', (i: number) => i);

describe('a burst of 100,000 task runs', () => {
  it('exports every span when the runs go in concurrent chunks, in bounded memory', async () => {
    const burst = flow({ name: 'burst' }, async () => {
      for (let start = 0; start < TASK_RUNS; start += 1_000) {
        await Promise.all(Array.from({ length: 1_000 }, (_, i) => noop(start + i)));
      }
    });

    const growth = await liveHeapGrowth(async () => {
      await setupTelemetry();
      await burst();
      const report = await shutdownTelemetry(30_000);
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
    });
    try {
      const burst = flow({ name: 'burst' }, async () => {
        for (let start = 0; start < TASK_RUNS; start += 1_000) {
          await Promise.all(Array.from({ length: 1_000 }, (_, i) => noop(start + i)));
        }
      });
      await setupTelemetry();
      await burst();
      expect(await shutdownTelemetry(30_000)).toEqual({ flushed: true, droppedSpans: 0 });
    } finally {
      restoreProtocol();
    }

    expect(taskSpanIds.size).toBe(TASK_RUNS);
    expect(receiver.requests.every((r) => r.contentType?.startsWith('application/json'))).toBe(true);
  });

  it('exports every span when the runs go one after another', async () => {
    const burst = flow({ name: 'burst' }, async () => {
      for (let i = 0; i < TASK_RUNS; i++) await noop(i);
    });

    const growth = await liveHeapGrowth(async () => {
      await setupTelemetry();
      await burst();
      expect(await shutdownTelemetry(30_000)).toEqual({ flushed: true, droppedSpans: 0 });
    });

    expect(taskSpanIds.size).toBe(TASK_RUNS);
    expect(growth).toBeLessThan(HEAP_LIMIT_BYTES);
  });

  it('exports every span even when all runs are started at once', async () => {
    const burst = flow({ name: 'burst' }, async () => {
      await Promise.all(Array.from({ length: TASK_RUNS }, (_, i) => noop(i)));
    });

    await setupTelemetry();
    await burst();
    expect(await shutdownTelemetry(30_000)).toEqual({ flushed: true, droppedSpans: 0 });

    expect(taskSpanIds.size).toBe(TASK_RUNS);
  });
});
