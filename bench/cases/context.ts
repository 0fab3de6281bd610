import { join } from 'node:path';
import { ROOT } from '../cli.ts';
import { type Figure, missed } from '../figures.ts';
import type { Profile } from '../profile.ts';
import type { OtlpSink } from '../receiver/otlp-sink-process.ts';
import type { Sizes } from '../sizes.ts';

export interface BenchContext {
  readonly sizes: Sizes;
  /** The OTLP receiver process every traced case exports to. */
  readonly sink: OtlpSink;
  /** Whether a missed target gets a CPU profile (a second run of its case). */
  readonly profileMisses: boolean;
  /** Progress lines for whoever runs the suite. */
  readonly log: (line: string) => void;
}

/** A profiling run of a flow that times variants: flowtel's side alone, one timed round. */
export const PROFILE_FLOWTEL_SIDE = { BENCH_VARIANTS: 'flowtel', BENCH_ROUNDS: '1' } as const;

/** On a missed target (when the suite profiles misses), `profile` runs the case again under the profiler. */
export async function profileMiss(ctx: BenchContext, figure: Figure, profile: () => Promise<Profile>) {
  if (!ctx.profileMisses || !missed(figure)) return;
  ctx.log(`  ${figure.label} missed its target: profiling`);
  figure.profile = await profile();
}

/** The repository's example rules (`rules/`): what `flowtel run examples/etl.ts` evaluates. */
export const EXAMPLE_RULES = join(ROOT, 'rules');

/** No exporter for any signal: the SDK is still set up, nothing leaves the process. */
export const NO_EXPORT = {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
} as const;

export function exportTo(sink: OtlpSink, protocol: 'http/protobuf' | 'http/json' = 'http/protobuf') {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol };
}

/** `12.34`, `0.123`: enough digits to compare, no more. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1_000 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

export const MB = 1024 * 1024;
