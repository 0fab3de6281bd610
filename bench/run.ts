/**
 * `npm run bench`: what one task run costs, as ratios against baselines measured in the same run.
 *  - traced: a flowtel task run inside a flow vs a hand-written `startActiveSpan` with the same
 *    attributes and events, on the same SDK set-up;
 *  - untraced (no SDK registered): a flowtel task run vs a bare awaited call.
 */
import { randomUUID } from 'node:crypto';
import { type Histogram, metrics, trace } from '@opentelemetry/api';
import { flow, task } from 'flowtel';
import { Bench } from 'tinybench';
import { SECONDS_BUCKETS } from '../src/telemetry/keys.ts';
import { registerSdk } from './sdk.ts';

process.env.FLOWTEL_MAX_TASK_SPANS = '0'; // trace every task run: the budget would make later runs cheaper
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 2000);

const BATCH = 100; // calls per measured iteration, so the harness's own overhead is amortised
const work = async (n: number) => n + 1;
const flowtelTask = task('work', work);
const batch = (fn: (n: number) => Promise<unknown>) => async () => {
  for (let i = 0; i < BATCH; i++) await fn(i);
};
let histogram: Histogram | undefined;
const metricAttributes = {
  'cicd.pipeline.task.name': 'work',
  'cicd.pipeline.name': 'bench',
  'cicd.pipeline.task.run.result': 'success',
};

async function handWritten(n: number, withMetric = false): Promise<number> {
  const started = performance.now();
  const tracer = trace.getTracer('bench');
  return tracer.startActiveSpan(
    'task work',
    {
      attributes: {
        'cicd.pipeline.task.name': 'work',
        'cicd.pipeline.task.run.id': randomUUID(),
        'cicd.pipeline.name': 'bench',
      },
    },
    async (span) => {
      span.addEvent('flowtel.state', {
        'flowtel.state.type': 'PENDING',
        'flowtel.state.name': 'Pending',
        'flowtel.attempt': 1,
      });
      span.addEvent('flowtel.state', {
        'flowtel.state.type': 'RUNNING',
        'flowtel.state.name': 'Running',
        'flowtel.attempt': 1,
      });
      const result = await work(n);
      span.addEvent('flowtel.state', {
        'flowtel.state.type': 'COMPLETED',
        'flowtel.state.name': 'Completed',
        'flowtel.attempt': 1,
      });
      span.setAttribute('cicd.pipeline.task.run.result', 'success');
      span.setAttribute('flowtel.task.attempts', 1);
      span.end();
      if (withMetric) histogram!.record((performance.now() - started) / 1000, metricAttributes);
      return result;
    },
  );
}

/** Runs the cases inside one flow run, so task runs have a flow to belong to (as in real pipelines). */
async function measure(
  name: string,
  cases: Record<string, () => Promise<unknown>>,
): Promise<Map<string, number>> {
  const bench = new Bench({ name, time: TIME_MS, warmupTime: 300 });
  for (const [label, fn] of Object.entries(cases)) bench.add(label, fn);
  const host = flow({ name: 'bench' }, async () => {
    await bench.run();
  });
  await host();
  const means = new Map<string, number>();
  for (const t of bench.tasks) {
    const result = t.result as { latency?: { mean?: number } } | undefined;
    means.set(t.name, ((result?.latency?.mean ?? Number.NaN) * 1000) / BATCH); // µs per call
  }
  console.log(`\n${name}`);
  console.table(bench.table());
  return means;
}

const stopSdk = registerSdk();
histogram = metrics.getMeter('bench').createHistogram('flowtel.task.run.duration', {
  unit: 's',
  advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] },
});
const traced = await measure('traced (SDK registered), µs per call = latency / 100', {
  'hand-written span': batch((n) => handWritten(n)),
  'hand-written span + duration histogram': batch((n) => handWritten(n, true)),
  'flowtel task run': batch(flowtelTask),
});
await stopSdk();
const untraced = await measure('untraced (no SDK), µs per call = latency / 100', {
  'bare awaited call': batch(work),
  'flowtel task run': batch(flowtelTask),
});

const flowtel = traced.get('flowtel task run')!;
const span = traced.get('hand-written span')!;
const spanAndMetric = traced.get('hand-written span + duration histogram')!;
const bare = untraced.get('bare awaited call')!;
const untracedTask = untraced.get('flowtel task run')!;
console.log('\nsummary (µs per call)');
console.log(
  `hand-written span ${span.toFixed(2)}, + histogram ${spanAndMetric.toFixed(2)}, flowtel task run ${flowtel.toFixed(2)}`,
);
console.log(
  `traced:   flowtel / hand-written span with the same telemetry (span + histogram) = ${(flowtel / spanAndMetric).toFixed(2)}x (target <= 1.2x)`,
);
console.log(`traced:   flowtel / hand-written span alone = ${(flowtel / span).toFixed(2)}x`);
console.log(
  `untraced: bare ${bare.toFixed(3)}, flowtel ${untracedTask.toFixed(3)}: adds ${(untracedTask - bare).toFixed(3)} µs per task run (target < 1 µs)`,
);
