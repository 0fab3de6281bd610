import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunPage } from '../../src/history/types.ts';
import { openDatabase } from '../../src/store/index.ts';
import type { CaseResult, Figure } from '../figures.ts';
import { SEEDED_FLOWS, SEEDED_FROM, SEEDED_SPAN_MS, seedRuns } from '../history-seed.ts';
import { homeIn, type ServeProcess, startServe } from '../serve.ts';
import { quantile } from '../stats.ts';
import { type BenchContext, fmt } from './context.ts';

const PAGE = 50;
const DAY_MS = 86_400_000;

const random = (n: number) => Math.floor(Math.random() * n);
const flow = () => SEEDED_FLOWS[random(SEEDED_FLOWS.length)]!;
const day = () => SEEDED_FROM + random(SEEDED_SPAN_MS / DAY_MS - 1) * DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();

/** The filter shapes of `GET /api/v1/runs`, each a fresh query string per request. */
const SHAPES: Record<string, () => string> = {
  'no filter': () => `limit=${PAGE}`,
  flow: () => `limit=${PAGE}&flow=${flow()}`,
  'state FAILED': () => `limit=${PAGE}&state=FAILED`,
  'state Crashed': () => `limit=${PAGE}&state=Crashed`,
  'since/until (one day)': () => {
    const since = day();
    return `limit=${PAGE}&since=${iso(since)}&until=${iso(since + DAY_MS)}`;
  },
  'flow + state + since': () => `limit=${PAGE}&flow=${flow()}&state=FAILED&since=${iso(day())}`,
};

/** One request, timed from sending to the whole body parsed: what a client of the API waits. */
async function timed(serve: ServeProcess, query: string): Promise<{ ms: number; page: RunPage }> {
  const started = performance.now();
  const page = await serve.get<RunPage>(`/api/v1/runs?${query}`);
  return { ms: performance.now() - started, page };
}

function figure(name: string, times: readonly number[], what: string): Figure {
  return {
    label: `GET /api/v1/runs, ${name}: p99`,
    value: quantile(times, 0.99),
    unit: 'ms',
    target: { op: '<', value: 20 },
    against: `p50 ${fmt(quantile(times, 0.5))} ms, max ${fmt(quantile(times, 1))} ms; ${times.length} sequential requests; ${what}`,
  };
}

export async function apiCase(ctx: BenchContext): Promise<CaseResult> {
  const { apiRuns, apiSamples } = ctx.sizes;
  const cwd = mkdtempSync(join(tmpdir(), 'flowtel-bench-api-'));
  const figures: Figure[] = [];
  try {
    const db = await openDatabase({ home: homeIn(cwd) });
    let seedS: number;
    try {
      seedS = seedRuns(db, apiRuns, { allEnded: true });
    } finally {
      db.close();
    }
    ctx.log(`  ${apiRuns.toLocaleString('en-US')} runs seeded in ${fmt(seedS)} s`);
    const startedAt = performance.now();
    // The seeded runs are dated from November 2026: kept whole, whatever today's date.
    const serve = await startServe({ args: [], cwd, env: { FLOWTEL_RETENTION: '3650d' } });
    const startS = (performance.now() - startedAt) / 1000;
    try {
      const stored = (await serve.get<{ runsStored: number }>('/healthz')).runsStored;
      if (stored !== apiRuns) throw new Error(`serve counts ${stored} runs stored, ${apiRuns} were seeded`);
      // Untimed: the first requests of each shape warm up serve's statements and the page cache.
      for (const query of Object.values(SHAPES)) for (let i = 0; i < 5; i++) await timed(serve, query());
      for (const [name, query] of Object.entries(SHAPES)) {
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < apiSamples; i++) {
          const { ms, page } = await timed(serve, query());
          times.push(ms);
          rows += page.runs.length;
        }
        figures.push(figure(name, times, `${fmt(rows / apiSamples)} runs per page`));
      }
      const next: number[] = [];
      for (let i = 0; i < apiSamples; i++) {
        const base = i % 2 === 0 ? SHAPES['no filter']!() : SHAPES.flow!();
        const { page } = await timed(serve, base);
        if (!page.nextCursor) throw new Error(`no next page for ${base}`);
        next.push((await timed(serve, `${base}&cursor=${encodeURIComponent(page.nextCursor)}`)).ms);
      }
      figures.push(
        figure('next page by cursor', next, 'no filter and flow alternating, the page after the first'),
      );
    } finally {
      await serve.stop();
    }
    figures.push({
      label: 'seeding, then serve started on the file',
      value: seedS + startS,
      unit: 's',
      against: `${apiRuns.toLocaleString('en-US')} runs seeded in ${fmt(seedS)} s; serve printed its URLs ${fmt(startS)} s after starting`,
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return {
    title: '10. serve: run history API',
    method: `FLOWTEL_HOME's SQLite file seeded with ${apiRuns.toLocaleString('en-US')} ended runs (\`bench/history-seed.ts\`: the rows the history itself writes, one transaction; 50 flows over 30 days, 90% Completed, 6% Failed, 2% TimedOut, 1% Crashed, 1% Cancelled), then \`flowtel serve\` (no flows, no rules) started on it as its own process (\`FLOWTEL_RETENTION=3650d\`, so none is pruned). ${apiSamples} sequential \`GET /api/v1/runs\` requests per filter shape over loopback (keep-alive), each with a fresh random flow or day, \`limit=${PAGE}\`, timed in the harness from sending to the parsed body, after 5 untimed requests per shape. "Next page by cursor": the \`cursor\` of a first page of the no-filter or flow shape, then that next page timed.`,
    figures,
  };
}
