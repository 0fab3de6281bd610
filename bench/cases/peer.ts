import { runFlowtel } from '../cli.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { profileRun } from '../profile.ts';
import { median, medianRatio } from '../stats.ts';
import {
  type BenchContext,
  EXAMPLE_RULES,
  exportTo,
  fmt,
  PROFILE_FLOWTEL_SIDE,
  profileMiss,
} from './context.ts';

export async function peerCase(ctx: BenchContext): Promise<CaseResult> {
  const setup = {
    env: {
      ...exportTo(ctx.sink),
      BENCH_PEER_CALLS: String(ctx.sizes.peerCalls),
      BENCH_ROUNDS: String(ctx.sizes.rounds),
    },
    rules: EXAMPLE_RULES,
  };
  const run = await runFlowtel('peer.ts', setup);
  const t = run.figures.perCallMicros as Record<'flowtel' | 'effect', number[]>;
  const faster: Figure = {
    label: 'Effect ÷ flowtel, retried traced task',
    value: medianRatio(t.effect, t.flowtel),
    unit: '×',
    target: { op: '>=', value: 2 },
    against: `flowtel ${fmt(median(t.flowtel))} µs, Effect ${fmt(median(t.effect))} µs per call`,
  };
  await profileMiss(ctx, faster, () =>
    profileRun('peer.ts', { ...setup, env: { ...setup.env, ...PROFILE_FLOWTEL_SIDE } }),
  );
  return {
    title: '4. Peer: Effect',
    method:
      "`flowtel run bench/flows/peer.ts --rules rules`, exporting OTLP/HTTP protobuf to the receiver process; both sides on the SDK `flowtel run` registered, alternating in one flow run, 50 calls in flight at a time (both retry through a timer, 1 ms at least in Node, so calls one by one would time the timer). The user function throws on its first attempt and answers on the second. **flowtel**: `task('flaky', fn, { retries: 1, retryDelay: 0, jitter: 0 })`: a task span and two attempt spans, with its state events, the error recorded on the first attempt span, the duration histogram and retry counter, a log record for the retry, and the example rules evaluated on every transition. **Effect** (`effect` 4, `@effect/opentelemetry` `OtelTracer.layerGlobal`, one `ManagedRuntime`): `Effect.tryPromise(fn)` annotated with its attempt inside `Effect.withSpan('attempt flaky')`, `Effect.retry(Schedule.recurs(1))`, inside `Effect.withSpan('task flaky', { attributes })`, run with `runtime.runPromise`: three spans, the failure recorded on the first attempt span; no metrics, logs or rules.",
    figures: [faster],
  };
}
