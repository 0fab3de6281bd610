import { existsSync } from 'node:fs';
import { runFlowtel } from '../cli.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { profileRun } from '../profile.ts';
import { manyRulesFolder } from '../rules.ts';
import { median, medianRatio } from '../stats.ts';
import {
  type BenchContext,
  EXAMPLE_RULES,
  exportTo,
  fmt,
  NO_EXPORT,
  PROFILE_FLOWTEL_SIDE,
  profileMiss,
} from './context.ts';

const FLOW = 'task-cost.ts';
type PerCall = Record<'bare' | 'flowtel' | 'span' | 'spanAndHistogram', number[]>;

interface Setup {
  readonly env: Record<string, string>;
  readonly rules?: string;
}

async function taskCosts(ctx: BenchContext, setup: Setup): Promise<PerCall> {
  // The setup's own variables win (case 1 times longer windows).
  const run = await runFlowtel(FLOW, { ...setup, env: { ...sizeEnv(ctx), ...setup.env } });
  return run.figures.perCallMicros as PerCall;
}

/**
 * The sizes, and the span budget off: past it (10,000 by default) task runs that succeed at once are
 * counted instead of traced, and the flowtel side would stop doing what the hand-written side does.
 */
function sizeEnv({ sizes }: BenchContext): Record<string, string> {
  return {
    BENCH_CALLS: String(sizes.calls),
    BENCH_ROUNDS: String(sizes.rounds),
    FLOWTEL_MAX_TASK_SPANS: '0',
  };
}

/** On a miss: the same run, flowtel's side only, one timed round (enough samples), under the CPU profiler. */
function profileIfMissed(ctx: BenchContext, figure: Figure, setup: Setup): Promise<void> {
  return profileMiss(ctx, figure, () =>
    profileRun(FLOW, { ...setup, env: { ...sizeEnv(ctx), ...setup.env, ...PROFILE_FLOWTEL_SIDE } }),
  );
}

const micros = (values: readonly number[]) => `${fmt(median(values))} µs`;
/** Pairs of processes (one with the rules, one with alerting off) that case 3 runs, interleaved. */
const RULES_PAIRS = 3;

export async function untracedCase(ctx: BenchContext): Promise<CaseResult> {
  const setup = {
    env: { FLOWTEL_ALERTING: 'off', ...NO_EXPORT, BENCH_CALLS: String(ctx.sizes.untracedCalls) },
  };
  const t = await taskCosts(ctx, setup);
  const added: Figure = {
    label: 'added per task run, untraced',
    value: median(t.flowtel.map((value, i) => value - t.bare[i]!)),
    unit: 'µs',
    target: { op: '<', value: 1 },
    against: `flowtel ${micros(t.flowtel)}, bare awaited call ${micros(t.bare)} per call (${fmt(medianRatio(t.flowtel, t.bare))}×)`,
  };
  await profileIfMissed(ctx, added, setup);
  return {
    title: '1. Untraced task run',
    method:
      '`flowtel run bench/flows/task-cost.ts` with `FLOWTEL_ALERTING=off`, `OTEL_{TRACES,METRICS,LOGS}_EXPORTER=none` and `FLOWTEL_MAX_TASK_SPANS=0` (as in cases 2 and 3: every task run the same), in windows of `BENCH_UNTRACED_CALLS` calls. In the same flow run, alternating: `await square(i)` (bare) and `await squareTask(i)` (a flowtel task of the same function).',
    figures: [added],
  };
}

export async function tracedCase(ctx: BenchContext): Promise<CaseResult> {
  const setup = { env: exportTo(ctx.sink), rules: EXAMPLE_RULES };
  const t = await taskCosts(ctx, setup);
  const sameTelemetry: Figure = {
    label: 'traced task run ÷ hand-written span + histogram',
    value: medianRatio(t.flowtel, t.spanAndHistogram),
    unit: '×',
    target: { op: '<=', value: 1.2 },
    against: `flowtel ${micros(t.flowtel)}, hand-written span + duration histogram ${micros(t.spanAndHistogram)} per call`,
  };
  const spanAlone: Figure = {
    label: 'traced task run ÷ hand-written span alone',
    value: medianRatio(t.flowtel, t.span),
    unit: '×',
    against: `hand-written span without the histogram record ${micros(t.span)} per call`,
  };
  await profileIfMissed(ctx, sameTelemetry, setup);
  return {
    title: '2. Traced task run',
    method:
      '`flowtel run bench/flows/task-cost.ts --rules rules` (the example rules), exporting OTLP/HTTP protobuf to the receiver process on loopback, `FLOWTEL_MAX_TASK_SPANS=0` (past the span budget flowtel would stop tracing, and stop doing what the hand-written side does). In the same flow run, alternating: the flowtel task, and a hand-written `startActiveSpan` on the same global SDK with the same name, attributes (task name, a random run id, pipeline name, result, attempts) and the same three `flowtel.state` events, with and without the `flowtel.task.run.duration` histogram record. Each timed window ends with a flush of the span queue, so each side pays for exporting its spans.',
    figures: [sameTelemetry, spanAlone],
  };
}

interface EngineAloneFigures {
  readonly nonMatchingPerSec: number;
  readonly mixedPerSec: number;
  readonly rules: number;
}
type EngineAlone = (options?: { transitions?: number }) => Promise<EngineAloneFigures>;

/** Helper "engine"'s `bench/engine-alone.ts`, when it is in this tree. */
async function loadEngineAlone(): Promise<EngineAlone | undefined> {
  const url = new URL('../engine-alone.ts', import.meta.url);
  if (!existsSync(url)) return undefined;
  const module = (await import(url.href)) as { engineAlone: EngineAlone };
  return module.engineAlone;
}

export async function rulesCase(ctx: BenchContext): Promise<CaseResult> {
  const manyRules = { env: exportTo(ctx.sink), rules: manyRulesFolder(ctx.sizes.rules, 'bench', 'square') };
  const offSetup = { env: { ...exportTo(ctx.sink), FLOWTEL_ALERTING: 'off' } };
  // Two processes differ in speed on a shared machine by more than the rules cost: the two sides run
  // as interleaved pairs of processes, and their rounds are pooled before the medians are compared.
  const runs: { withRules: PerCall; alertingOff: PerCall }[] = [];
  for (let pair = 0; pair < RULES_PAIRS; pair++) {
    runs.push({ withRules: await taskCosts(ctx, manyRules), alertingOff: await taskCosts(ctx, offSetup) });
  }
  const pooled = (side: 'withRules' | 'alertingOff', variant: keyof PerCall) =>
    runs.flatMap((run) => run[side][variant]);
  const withRules = {
    flowtel: pooled('withRules', 'flowtel'),
    spanAndHistogram: pooled('withRules', 'spanAndHistogram'),
  };
  const alertingOff = {
    flowtel: pooled('alertingOff', 'flowtel'),
    spanAndHistogram: pooled('alertingOff', 'spanAndHistogram'),
  };
  const rulesCost: Figure = {
    label: `task run with ${ctx.sizes.rules.toLocaleString('en-US')} rules ÷ alerting off`,
    value: median(withRules.flowtel) / median(alertingOff.flowtel),
    unit: '×',
    target: { op: '<=', value: 1.1 },
    against: `${micros(withRules.flowtel)} with the rules, ${micros(alertingOff.flowtel)} with alerting off (${RULES_PAIRS} interleaved pairs of runs, rounds pooled); the runs' own hand-written span + histogram: ${micros(withRules.spanAndHistogram)}, ${micros(alertingOff.spanAndHistogram)}`,
  };
  const offTraced: Figure = {
    label: 'alerting off: traced task run ÷ hand-written span + histogram',
    value: medianRatio(alertingOff.flowtel, alertingOff.spanAndHistogram),
    unit: '×',
    against: 'the same run as the "alerting off" side above',
  };
  await profileIfMissed(ctx, rulesCost, manyRules);
  return {
    title: '3. Rules',
    method: `Two runs of case 2's flow, exporting to the receiver: one with a generated folder of ${ctx.sizes.rules.toLocaleString('en-US')} rules (36 task-level rules for flow \`bench\`, task \`square\` or \`sq*\`: \`task-retrying\` with minAttempt 2–5 and \`task-failed\`; the rest for other flows, all seven condition types; see \`bench/rules.ts\`), one with \`FLOWTEL_ALERTING=off\`, as three interleaved pairs of processes (two processes differ in speed on a shared machine by more than the rules cost), their rounds pooled and the per-task medians compared. Then the rules engine alone with the SQLite store (\`bench/engine-alone.ts\`).`,
    figures: [rulesCost, offTraced, ...(await engineFigures(ctx))],
  };
}

async function engineFigures(ctx: BenchContext): Promise<Figure[]> {
  const engineAlone = await loadEngineAlone();
  const labels = ['engine alone, non-matching transitions', 'engine alone, mixed transitions'];
  if (!engineAlone) {
    const note = 'not available: bench/engine-alone.ts is not in this tree';
    return labels.map((label) => ({ label, value: undefined, unit: '/s', note }));
  }
  const transitions = ctx.sizes.engineTransitions;
  const result = await engineAlone(transitions === undefined ? {} : { transitions });
  const against = `${result.rules.toLocaleString('en-US')} rules, SQLite alert state store, in one process`;
  return [
    {
      label: labels[0]!,
      value: result.nonMatchingPerSec,
      unit: '/s',
      target: { op: '>=', value: 1e6 },
      against,
    },
    { label: labels[1]!, value: result.mixedPerSec, unit: '/s', target: { op: '>=', value: 5e5 }, against },
  ];
}
