import { cpus, loadavg, totalmem } from 'node:os';
import { fmt } from './cases/context.ts';
import { type Figure, met, type Target } from './figures.ts';
import type { Sizes } from './sizes.ts';
import type { SuiteResult } from './suite.ts';

export interface ReportMeta {
  readonly command: string;
  readonly sizes: Sizes;
  /** 1-minute load average when the suite started: how busy the machine was. */
  readonly loadAtStart: number;
}

export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 1024 ** 3)} GB memory`;
}

export const currentLoad = (): number => loadavg()[0] ?? Number.NaN;

function value(figure: Figure): string {
  if (figure.value === undefined || Number.isNaN(figure.value)) return 'not available';
  return figure.unit === '×' ? `${fmt(figure.value)}×` : `${fmt(figure.value)} ${figure.unit}`;
}

function target({ op, value: limit }: Target, unit: string): string {
  const sign = { '<': '<', '<=': '≤', '>=': '≥', '=': '=' }[op];
  return unit === '×' ? `${sign} ${fmt(limit)}×` : `${sign} ${fmt(limit)} ${unit}`;
}

function verdict(figure: Figure): string {
  const ok = met(figure);
  return ok === undefined ? (figure.target ? '–' : '') : ok ? 'met' : '**missed**';
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function figureRow(figure: Figure): string {
  const against = [figure.against, figure.note].filter(Boolean).join('; ');
  const cells = [
    figure.label,
    value(figure),
    figure.target ? target(figure.target, figure.unit) : '',
    verdict(figure),
    against,
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

function missExplanation(figure: Figure): string[] {
  if (met(figure) !== false) return [];
  const lines = [`**${figure.label} misses its target.**`];
  const { profile } = figure;
  if (!profile) {
    lines.push(
      '',
      'No CPU profile: the figure is not a CPU cost of the flowtel process, or misses were not profiled; see its row above.',
      '',
    );
    return lines;
  }
  lines.push(
    '',
    `Why: CPU profile of ${profile.scope ?? 'the measured part of the flow body, the flowtel side alone'}; top frames by self time:`,
    '',
    ...profile.topFrames.map(({ frame, percent }) => `- ${fmt(percent)}% \`${frame}\``),
    '',
    `By part of the stack: ${profile.areas.map(({ area, percent }) => `${area} ${fmt(percent)}%`).join(', ')}.`,
    '',
    'What would close it:',
    '',
    ...profile.areas.map(({ area, lever }) => `- ${area}: ${lever}.`),
    '',
  );
  return lines;
}

/** BENCHMARKS.md: how it was measured, each figure against its target, and why for each miss. */
export function renderReport(result: SuiteResult, meta: ReportMeta): string {
  const all = result.cases.flatMap((c) => c.figures.map((figure) => ({ title: c.title, figure })));
  const targeted = all.filter(({ figure }) => figure.target);
  const metCount = targeted.filter(({ figure }) => met(figure)).length;
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); re-run it rather than editing. -->',
    '',
    `Measured ${result.startedAt.toISOString()} by \`${meta.command}\` in ${fmt(result.seconds)} s, on ${machineLine()}, Node ${process.version}; 1-minute load average at the start ${fmt(meta.loadAtStart)}.`,
    `Sizes: ${Object.entries(meta.sizes)
      .map(([name, size]) => `${name} ${size === undefined ? 'default' : size.toLocaleString('en-US')}`)
      .join(', ')}.`,
    '',
    `**${metCount} of ${targeted.length} targets met.**`,
    '',
    '| case | figure | value | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...targeted.map(
      ({ title, figure }) =>
        `| ${cell(title)} | ${cell(figure.label)} | ${value(figure)} | ${target(figure.target!, figure.unit)} | ${verdict(figure)} |`,
    ),
    '',
    '## How it measures',
    '',
    'Every case runs **through the path users run**. Cases 1–7: `flowtel run bench/flows/<case>.ts` as a child process',
    '(`node --expose-gc --conditions=flowtel-source --import tsx src/cli/bin.ts run …`), in a fresh working',
    'directory and `FLOWTEL_HOME`, with only the variables the case sets. Traced cases export OTLP/HTTP to a',
    'receiver in another process on loopback (`bench/receiver/otlp-sink.ts`: the production decoder behind a',
    'plain `http` server that answers 200 and counts spans). The flow body writes its figures as JSON to the',
    'file named by `BENCH_OUT`; the harness (`bench/suite.ts`) collects them and writes this file.',
    '',
    'Per-call costs are timed in the flow body against baselines **in the same process and flow run, on the',
    'same globally registered SDK**: each round runs every variant for a window of awaited calls, in an order',
    'rotated from round to round, after a forced GC, and ends the window with a flush of the span queue (each',
    'side pays for exporting its own spans). One untimed round warms up; ratios are the median of the per-round',
    'ratios, costs the median over the rounds. Nothing here is asserted in `npm test` (only a smoke run at tiny',
    'sizes, `test/bench/smoke.test.ts`, that checks every case still produces its figures).',
    '',
    'Cases 8–10 run **through `flowtel serve`** instead: `node --conditions=flowtel-source --import tsx',
    'src/cli/bin.ts serve --port 0 --otlp-port 0 …` as its own process in a fresh working directory and',
    '`FLOWTEL_HOME` (`bench/serve.ts`), driven from the harness over loopback HTTP: OTLP requests to its OTLP',
    'port, `GET` requests to its API, a webhook receiver for its alerts. The harness shares the two cores with',
    'it, so these figures include the client side of the traffic.',
    '',
    "Where a target is missed, the harness runs the case again with V8's CPU profiler (the one `--cpu-prof`",
    'drives, through `node:inspector`) started and stopped around the measured part of the flow body, the',
    'flowtel side alone, and lists the top frames by self time and the part of the stack they belong to.',
    '',
  ];
  for (const c of result.cases) {
    lines.push(`## ${c.title}`, '', c.method, '');
    lines.push('| figure | value | target | met | against (same run) |', '| --- | --- | --- | --- | --- |');
    lines.push(...c.figures.map(figureRow), '');
    for (const figure of c.figures) lines.push(...missExplanation(figure));
  }
  lines.push(
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    "npm run bench                       # every case at issue 9's sizes; rewrites BENCHMARKS.md",
    'BENCH_CASES=traced,rules npm run bench   # some cases (BENCH_REPORT=<file> writes elsewhere)',
    "BENCH_CASES=ingest,late,api npm run bench   # serve's cases; the others keep their earlier figures",
    'BENCH_QUICK=1 npm run bench         # tiny sizes: checks the harness, not the numbers',
    '```',
    '',
    'Sizes: `BENCH_CALLS`, `BENCH_UNTRACED_CALLS`, `BENCH_ROUNDS`, `BENCH_PEER_CALLS`, `BENCH_RULES`, `BENCH_ENGINE_TRANSITIONS`,',
    '`BENCH_EXPORT_TASKS`, `BENCH_MEMORY_TASKS`, `BENCH_FAILURES`, `BENCH_FAILURE_GAP_MS`, `BENCH_BURST`,',
    '`BENCH_INGEST_REQUESTS`, `BENCH_LATE_SCHEDULES`, `BENCH_API_RUNS`, `BENCH_API_SAMPLES`',
    '(see `bench/sizes.ts`). Absolute numbers move with the machine and its load; compare the ratios, which',
    'pair windows timed side by side.',
    '',
  );
  return lines.join('\n');
}
