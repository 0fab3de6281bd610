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

/**
 * Runs the cases inside one flow run, so task runs have a flow to belong to (as in real pipelines), and
 * answers with each case's median latency per call (µs): medians, because a GC pause of the SDK's span
 * queue lands on whichever case happens to be running.
 */
async function measure(
  name: string,
  cases: Record<string, () => Promise<unknown>>,
  print: boolean,
): Promise<Map<string, number>> {
  const bench = new Bench({ name, time: TIME_MS, warmupTime: 300 });
  for (const [label, fn] of Object.entries(cases)) bench.add(label, fn);
  await flow({ name: 'bench' }, async () => {
    await bench.run();
  })();
  const medians = new Map<string, number>();
  for (const t of bench.tasks) {
    const result = t.result as { latency?: { p50?: number } } | undefined;
    medians.set(t.name, ((result?.latency?.p50 ?? Number.NaN) * 1000) / BATCH);
  }
  if (print) {
    console.log(`\n${name}`);
    console.table(bench.table());
  }
  return medians;
}

interface Round {
  readonly span: number;
  readonly spanAndMetric: number;
  readonly traced: number;
  readonly bare: number;
  readonly untraced: number;
}

async function round(print: boolean): Promise<Round> {
  // Untraced first, on a quiet heap: what a user who only wraps functions pays.
  globalThis.gc?.();
  const untraced = await measure(
    'untraced (no SDK), latency per 100 calls',
    { 'bare awaited call': batch(work), 'flowtel task run': batch(flowtelTask) },
    print,
  );
  globalThis.gc?.();
  const stopSdk = registerSdk();
  histogram = metrics.getMeter('bench').createHistogram('flowtel.task.run.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] },
  });
  const traced = await measure(
    'traced (SDK registered), latency per 100 calls',
    {
      'hand-written span': batch((n) => handWritten(n)),
      'hand-written span + duration histogram': batch((n) => handWritten(n, true)),
      'flowtel task run': batch(flowtelTask),
    },
    print,
  );
  await stopSdk();
  return {
    span: traced.get('hand-written span')!,
    spanAndMetric: traced.get('hand-written span + duration histogram')!,
    traced: traced.get('flowtel task run')!,
    bare: untraced.get('bare awaited call')!,
    untraced: untraced.get('flowtel task run')!,
  };
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round(i === 0));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const of = (pick: (r: Round) => number) => median(rounds.map(pick));
const f = (n: number, digits = 2) => n.toFixed(digits);
console.log(`\nsummary: medians over ${ROUNDS} rounds, µs per call`);
console.log(
  `hand-written span ${f(of((r) => r.span))}, + histogram ${f(of((r) => r.spanAndMetric))}, flowtel task run ${f(of((r) => r.traced))}`,
);
console.log(
  `traced:   flowtel / hand-written span with the same telemetry (span + histogram) = ${f(of((r) => r.traced / r.spanAndMetric))}x (target <= 1.2x)`,
);
console.log(`traced:   flowtel / hand-written span alone = ${f(of((r) => r.traced / r.span))}x`);
console.log(
  `untraced: bare ${f(
    of((r) => r.bare),
    3,
  )}, flowtel ${f(
    of((r) => r.untraced),
    3,
  )}: adds ${f(
    of((r) => r.untraced - r.bare),
    3,
  )} µs per task run (target < 1 µs)`,
);
