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
import type { RunFold } from '../src/history/fold.ts';
import type { RunQuery } from '../src/history/types.ts';
import type { StateName } from '../src/runtime/state.ts';
import { StateNames } from '../src/runtime/state.ts';
import { openDatabase, SqliteRunHistory } from '../src/store/index.ts';
import { runRow } from '../src/store/run-rows.ts';
import { quantile } from './stats.ts';

const RUNS = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = Number(process.argv[3] ?? 300);
const FLOWS = Array.from({ length: 50 }, (_, i) => `flow-${i}`);
const SPAN_MS = 30 * 86_400_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const PAGE = 50;

/** 90% Completed, 6% Failed, 2% TimedOut, 1% Crashed, 1% still Running; independent of the flow. */
function stateFor(i: number): StateName {
  const r = Math.floor(i / FLOWS.length) % 100;
  return r < 90 ? 'Completed' : r < 96 ? 'Failed' : r < 98 ? 'TimedOut' : r < 99 ? 'Crashed' : 'Running';
}

function fold(i: number): RunFold {
  const startedMs = T0 + Math.floor((i / RUNS) * SPAN_MS);
  const name = stateFor(i);
  const ended = name !== 'Running';
  const at = (ms: number) => new Date(ms).toISOString();
  return {
    id: `run-${String(i).padStart(7, '0')}`,
    flow: FLOWS[i % FLOWS.length]!,
    source: 'schedule',
    state: { type: StateNames[name], name, at: at(startedMs + 5_000) },
    scheduledAt: at(startedMs - 200),
    startedAt: at(startedMs),
    endedAt: ended ? at(startedMs + 5_000) : null,
    durationMs: ended ? 5_000 : null,
    traceId: `${i.toString(16).padStart(32, '0')}`,
    tags: ['bench'],
    error: name === 'Failed' ? { type: 'TypeError', message: 'boom' } : undefined,
    params: { day: at(startedMs).slice(0, 10) },
    parentRunId: null,
    firstHeardAt: startedMs - 200,
    lastHeardAt: startedMs + 5_000,
    heartbeatIntervalMs: undefined,
    highestSeq: 3,
    verdict: false,
    transitions: 4,
    seqs: new Set(),
    taskKeys: new Set(),
    taskRuns: new Map(),
  };
}

const home = mkdtempSync(join(tmpdir(), 'flowtel-bench-history-'));
try {
  const db = await openDatabase({ home });
  let started = performance.now();
  const insert = db.prepare(
    `INSERT INTO runs (id, flow, state_type, state_name, sort_at, started_at_ms, ended_at_ms, summary, extra)
     VALUES (@id, @flow, @state_type, @state_name, @sort_at, @started_at_ms, @ended_at_ms, @summary, @extra)`,
  );
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) insert.run(runRow(fold(i)));
  }).immediate();
  const seedS = (performance.now() - started) / 1000;
  started = performance.now();
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
    const id = `run-${String(random(RUNS)).padStart(7, '0')}`;
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
