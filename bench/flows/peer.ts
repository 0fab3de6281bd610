/**
 * Case 4: the same retried, traced task in flowtel and in Effect, in one process, on the SDK
 * `flowtel run` registered (so both export to the same receiver through the same span pipeline).
 * Each call fails its first attempt and succeeds on the second, at once (no delay), and makes three
 * spans: the task span and two attempt spans.
 */
import * as OtelTracer from '@effect/opentelemetry/OtelTracer';
import { Effect, ManagedRuntime, Schedule } from 'effect';
import { currentRun, flow, task } from 'flowtel';
import { sizesFrom } from '../sizes.ts';
import { benchOutput } from './output.ts';
import { timeRounds } from './rounds.ts';

const FLOW = 'bench-peer';
const figures = benchOutput();

/** The user's function: throws on its first attempt, answers on the second. */
async function flaky(n: number, attempt: number): Promise<number> {
  if (attempt === 1) throw new Error('flaky on the first attempt');
  return n * n;
}

const flowtelFlaky = task('flaky', (n: number) => flaky(n, currentRun()?.attempt ?? 1), {
  retries: 1,
  retryDelay: 0,
  jitter: 0,
});

export const peer = flow({ name: FLOW }, async () => {
  // Effect's tracer on the global OpenTelemetry tracer provider, which `flowtel run` has registered.
  const runtime = ManagedRuntime.make(OtelTracer.layerGlobal);
  const effectFlaky = (n: number) => {
    let attempt = 0;
    return runtime.runPromise(
      Effect.suspend(() => {
        const current = ++attempt;
        return Effect.annotateCurrentSpan('flowtel.attempt', current).pipe(
          Effect.andThen(Effect.tryPromise(() => flaky(n, current))),
        );
      }).pipe(
        Effect.withSpan('attempt flaky'),
        Effect.retry(Schedule.recurs(1)),
        Effect.withSpan('task flaky', {
          attributes: { 'cicd.pipeline.task.name': 'flaky', 'cicd.pipeline.name': FLOW },
        }),
      ),
    );
  };
  await runtime.runPromise(Effect.void); // build the layer before timing
  const { peerCalls, rounds } = sizesFrom(process.env);
  // Both retry through a timer (Node's shortest is 1 ms): 50 calls in flight overlap the waits.
  const options = { calls: peerCalls, rounds, concurrency: 50 };
  figures.set('perCallMicros', await timeRounds({ flowtel: flowtelFlaky, effect: effectFlaky }, options));
  await runtime.dispose();
});
