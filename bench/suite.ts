import { alertsCase } from './cases/alerts.ts';
import { apiCase } from './cases/api.ts';
import type { BenchContext } from './cases/context.ts';
import { exportCase } from './cases/export.ts';
import { ingestCase } from './cases/ingest.ts';
import { lateCase } from './cases/late.ts';
import { memoryCase } from './cases/memory.ts';
import { peerCase } from './cases/peer.ts';
import { rulesCase, tracedCase, untracedCase } from './cases/task-cost.ts';
import type { CaseResult } from './figures.ts';
import { startOtlpSink } from './receiver/otlp-sink-process.ts';
import type { Sizes } from './sizes.ts';

/** Issue 9's cases, in its order, then issue 12's (serve); `BENCH_CASES=traced,rules` runs some of them. */
export const CASES: readonly { name: string; run: (ctx: BenchContext) => Promise<CaseResult> }[] = [
  { name: 'untraced', run: untracedCase },
  { name: 'traced', run: tracedCase },
  { name: 'rules', run: rulesCase },
  { name: 'peer', run: peerCase },
  { name: 'export', run: exportCase },
  { name: 'memory', run: memoryCase },
  { name: 'alerts', run: alertsCase },
  { name: 'ingest', run: ingestCase },
  { name: 'late', run: lateCase },
  { name: 'api', run: apiCase },
];

export interface SuiteResult {
  readonly cases: CaseResult[];
  readonly startedAt: Date;
  readonly seconds: number;
}

/**
 * Runs the cases one after the other (they would disturb each other's timings), all exporting to one
 * OTLP receiver process. A case that throws is reported as such, with its error; the others still run.
 */
export async function runSuite(
  sizes: Sizes,
  options: { only?: readonly string[]; profileMisses?: boolean; log?: (line: string) => void } = {},
): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const startedAt = new Date();
  const sink = await startOtlpSink();
  const cases: CaseResult[] = [];
  try {
    for (const { name, run } of CASES) {
      if (options.only && !options.only.includes(name)) continue;
      const started = performance.now();
      log(`case ${name}…`);
      cases.push(
        await run({ sizes, sink, log, profileMisses: options.profileMisses ?? true }).catch(
          (error: unknown) => failed(name, error),
        ),
      );
      log(`case ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await sink.stop();
  }
  return { cases, startedAt, seconds: (Date.now() - startedAt.getTime()) / 1000 };
}

function failed(name: string, error: unknown): CaseResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    title: `${name} (failed)`,
    method: 'The case did not complete.',
    figures: [{ label: `${name}: case failed`, value: undefined, unit: '', note: message }],
  };
}
