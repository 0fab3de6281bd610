import { trace } from '@opentelemetry/api';
import { profiled } from './profiler.ts';

/** One way of making call number `i`: the flowtel task, or a baseline doing the same by hand. */
export type Variant = (i: number) => Promise<unknown>;

export interface RoundOptions {
  /** Awaited calls per variant per round. */
  readonly calls: number;
  /** Timed rounds (a first, untimed one warms the JIT up). */
  readonly rounds: number;
  /**
   * Calls in flight at once, started in batches of this many. Above 1 for work that waits on a timer
   * (a retry delay of 0 is still a timer, 1 ms at least): the waits overlap and the CPU cost shows.
   * @default 1
   */
  readonly concurrency?: number;
}

/**
 * Times the variants in alternating rounds, in one process and one flow run: each round runs every
 * variant for `calls` awaited calls, in an order rotated from round to round (no variant always runs
 * first, on the freshest heap), each after a forced GC. A timed window ends with a flush of the span
 * export queue, so each variant pays for exporting the spans it made and the next starts on an empty
 * queue. `BENCH_VARIANTS` (comma-separated) keeps only some variants: for profiling one side alone
 * (`BENCH_PROFILE`, see `profiled`).
 * Answers µs per call, per variant, one value per timed round.
 */
export async function timeRounds(
  variants: Readonly<Record<string, Variant>>,
  { calls, rounds, concurrency = 1 }: RoundOptions,
): Promise<Record<string, number[]>> {
  const only = process.env.BENCH_VARIANTS?.split(',');
  const names = Object.keys(variants).filter((name) => !only || only.includes(name));
  const perCall: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  await profiled(async () => {
    for (let round = 0; round <= rounds; round++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + round) % names.length]!;
        const micros = await timeWindow(variants[name]!, calls, concurrency);
        if (round > 0) perCall[name]!.push(micros);
      }
    }
  });
  return perCall;
}

async function timeWindow(variant: Variant, calls: number, concurrency: number): Promise<number> {
  await flushSpans();
  globalThis.gc?.();
  const started = performance.now();
  if (concurrency === 1) {
    for (let i = 0; i < calls; i++) await variant(i);
  } else {
    for (let first = 0; first < calls; first += concurrency) {
      const batch = [];
      for (let i = first; i < Math.min(calls, first + concurrency); i++) batch.push(variant(i));
      await Promise.all(batch);
    }
  }
  await flushSpans();
  return ((performance.now() - started) * 1000) / calls;
}

/** Flushes the globally registered tracer provider (the one `flowtel run` set up), if it can. */
async function flushSpans(): Promise<void> {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (proxy.getDelegate?.() ?? proxy) as { forceFlush?: () => Promise<void> };
  await provider.forceFlush?.();
}
