/**
 * `GET /api/v1/runs` without HTTP: `list()` of the SQLite run history with 1,000,000 runs stored, for
 * each filter shape the API has, p50/p99 in ms. Seeds the file in one transaction with a prepared
 * insert of the rows the history itself writes (`runRow`), then opens the history on it.
 *
 *   node --conditions=flowtel-source --import tsx bench/history-list.ts [runs] [samples]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunQuery } from '../src/history/types.ts';
import { openDatabase, SqliteRunHistory } from '../src/store/index.ts';
import { SEEDED_FLOWS as FLOWS, seededRunId, seedRuns, SEEDED_FROM as T0 } from './history-seed.ts';
import { quantile } from './stats.ts';

const RUNS = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = Number(process.argv[3] ?? 300);
const PAGE = 50;

const home = mkdtempSync(join(tmpdir(), 'flowtel-bench-history-'));
try {
  const db = await openDatabase({ home });
  const seedS = seedRuns(db, RUNS);
  let started = performance.now();
  const history = new SqliteRunHistory(db, { busyTimeoutMs: 5_000, log: (line) => console.error(line) });
  const openMs = performance.now() - started;

  const random = (n: number) => Math.floor(Math.random() * n);
  const day = () => T0 + random(29) * 86_400_000;
  const shapes: Record<string, () => RunQuery> = {
    'no filter': () => ({ limit: PAGE }),
    flow: () => ({ limit: PAGE, flow: FLOWS[random(FLOWS.length)]! }),
    'state type FAILED': () => ({ limit: PAGE, state: 'FAILED' }),
    'state name Crashed': () => ({ limit: PAGE, state: 'Crashed' }),
    'since/until (one day)': () => {
      const since = day();
      return { limit: PAGE, since, until: since + 86_400_000 };
    },
    'flow + state + since': () => ({
      limit: PAGE,
      flow: FLOWS[random(FLOWS.length)]!,
      state: 'FAILED',
      since: day(),
    }),
  };
  const lines = [
    `runs stored: ${history.count()}; seeded in ${seedS.toFixed(1)} s; opened in ${openMs.toFixed(0)} ms (${history.inFlight().length} in flight loaded)`,
  ];
  // Wall time, and the CPU time of the same calls: on a shared machine the wall time's tail is mostly
  // the process waiting for a core, which the CPU time leaves out.
  const cpu: number[] = [];
  const timed = (work: () => unknown): number => {
    const before = process.cpuUsage();
    const t = performance.now();
    work();
    const wall = performance.now() - t;
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
    return wall;
  };
  const ms = (values: number[], q: number) => quantile(values, q).toFixed(3);
  const report = (name: string, times: number[]) => {
    lines.push(
      `${name.padEnd(24)} wall p50 ${ms(times, 0.5)} p99 ${ms(times, 0.99)} ms; cpu p50 ${ms(cpu, 0.5)} p99 ${ms(cpu, 0.99)} ms (${times.length} samples)`,
    );
    cpu.length = 0;
  };
  for (const [name, query] of Object.entries(shapes)) {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const q = query();
      times.push(timed(() => history.list(q)));
    }
    report(name, times);
  }
  // Page 50: the cursor of page 49 taken by paging there, then page 50 timed.
  const deep: number[] = [];
  for (let i = 0; i < Math.min(SAMPLES, 60); i++) {
    const base = shapes[i % 2 === 0 ? 'no filter' : 'flow']!();
    let cursor: string | null = null;
    for (let page = 1; page < 50; page++)
      cursor = history.list({ ...base, ...(cursor ? { cursor } : {}) }).nextCursor;
    const last = { ...base, ...(cursor ? { cursor } : {}) };
    deep.push(timed(() => history.list(last)));
  }
  report('page 50 via cursor', deep);
  const details: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const id = seededRunId(random(RUNS));
    details.push(timed(() => history.get(id)));
  }
  report('get(id)', details);
  started = performance.now();
  history.lastStarts();
  lines.push(`lastStarts() once: ${(performance.now() - started).toFixed(0)} ms`);
  started = performance.now();
  const pruned = history.prune(T0 + 86_400_000);
  lines.push(`prune(first day): ${pruned} runs in ${(performance.now() - started).toFixed(0)} ms`);
  history.close();
  db.close();
  console.log(lines.join('\n'));
} finally {
  rmSync(home, { recursive: true, force: true });
}
