/**
 * Micro-benchmark of the run history's ingest path: `SqliteRunHistory.record` plus the commits, one
 * run per turn, at TASKS first-attempt task runs per run (one final record each, as a task span gives), the
 * flow run's Running before them and its Completed after. Prints µs per task record.
 *
 * Run: node --expose-gc --conditions=flowtel-source --import tsx bench/micro/history-record.ts
 * With BENCH_BASE=<dir> (a checkout of the base commit's `src`, with node_modules reachable), that
 * history is measured in the same process, interleaved round by round, and the difference and ratio
 * are printed: e.g.
 *   mkdir -p /tmp/base && git archive 599e5b5 src | tar -x -C /tmp/base && cp package.json /tmp/base \
 *     && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   BENCH_BASE=/tmp/base node --expose-gc --conditions=flowtel-source --import tsx bench/micro/history-record.ts
 * RUNS (per round, default 100), TASKS (default 60) and ROUNDS (default 25) size it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const RUNS = Number(process.env.RUNS ?? 100);
const TASKS = Number(process.env.TASKS ?? 60);
const ROUNDS = Number(process.env.ROUNDS ?? 25);

interface History {
  record(record: unknown, source: string): unknown;
  flush(timeoutMs: number): Promise<boolean>;
  close(): void;
}

interface Subject {
  readonly label: string;
  readonly history: History;
  readonly home: string;
  next: number;
}

async function subject(label: string, root: string): Promise<Subject> {
  const url = (path: string) => pathToFileURL(join(root, path)).href;
  const { openDatabase } = (await import(
    url('src/store/sqlite.ts')
  )) as typeof import('../../src/store/sqlite.ts');
  const { SqliteRunHistory } = (await import(url('src/store/runs.ts'))) as {
    SqliteRunHistory: new (db: unknown, options: unknown) => History;
  };
  const home = mkdtempSync(join(tmpdir(), 'flowtel-micro-'));
  const db = await openDatabase({ home });
  const history = new SqliteRunHistory(db, { busyTimeoutMs: 5000, log: console.error, ownsDb: true });
  return { label, history, home, next: 0 };
}

const iso = (ms: number) => new Date(ms).toISOString();
const uuid = (n: number) => {
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
};

/** The records of one run, as ingest makes them (plain objects, `--record` field order). */
function runRecords(n: number): object[] {
  const start = Date.parse('2026-11-01T00:00:00Z') + n * 10_000;
  const flowRunId = uuid(n * 1000);
  const traceId = (n + 1).toString(16).padStart(32, '0');
  const common = { tags: ['bench'], scheduledAt: null };
  const flowRecord = (seq: number, at: number, type: string, name: string, startedAt?: string) => ({
    v: 1,
    seq,
    at: iso(at),
    flow: 'etl',
    flowRunId,
    attempt: 1,
    state: { type, name },
    traceId,
    ...common,
    ...(startedAt === undefined ? {} : { startedAt }),
  });
  const records: object[] = [flowRecord(1, start, 'RUNNING', 'Running')];
  for (let t = 0; t < TASKS; t++) {
    records.push({
      v: 1,
      seq: 0,
      at: iso(start + 10 + t * 20 + 15),
      flow: 'etl',
      flowRunId,
      task: `task-${t % 12}`,
      taskRunId: uuid(n * 1000 + t + 1),
      attempt: 1,
      state: { type: 'COMPLETED', name: 'Completed' },
      traceId,
      spanId: (t + 1).toString(16).padStart(16, '0'),
      ...common,
      startedAt: iso(start + 10 + t * 20),
    });
  }
  records.push(flowRecord(2, start + 5_000, 'COMPLETED', 'Completed', iso(start)));
  return records;
}

/**
 * One round: RUNS runs, each recorded in one turn and committed by the history's own commit on the next
 * (as serve's ingest does), then a flush of what is left, all counted. Answers CPU µs (this process's,
 * user + system: on a machine shared with other work, wall time mostly measures the others) per task
 * record.
 */
async function round(s: Subject): Promise<number> {
  const batches = Array.from({ length: RUNS }, () => runRecords(s.next++));
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.cpuUsage();
  for (const records of batches) {
    for (const record of records) s.history.record(record, 'otlp');
    await new Promise((resolve) => setImmediate(resolve)); // the commit, queued first, runs before this
  }
  await s.history.flush(5_000);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / (RUNS * TASKS);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const subjects = [await subject('this checkout', resolve(import.meta.dirname, '../..'))];
// BENCH_BASE=base-dir[,other-dir...]: the first is the base the others are compared with.
const others = (process.env.BENCH_BASE ?? '').split(',').filter((dir) => dir !== '');
for (const [i, dir] of others.entries()) subjects.push(await subject(i === 0 ? 'base' : dir, resolve(dir)));
const times = new Map<string, number[]>(subjects.map((s) => [s.label, []]));
for (const s of subjects) await round(s); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const s of r % 2 === 0 ? subjects : [...subjects].reverse()) times.get(s.label)!.push(await round(s));
}
console.log(
  `${RUNS} runs × ${TASKS} first-attempt task runs per round, ${ROUNDS} rounds; CPU µs per task record (record + commit)`,
);
for (const [label, xs] of times) {
  console.log(
    `  ${label.padEnd(14)} median ${median(xs).toFixed(2)}  [${xs.map((x) => x.toFixed(2)).join(' ')}]`,
  );
}
if (subjects.length > 1) {
  const base = median(times.get('base')!);
  for (const s of subjects.filter((s) => s.label !== 'base')) {
    const now = median(times.get(s.label)!);
    console.log(
      `  ${s.label} over base: +${(now - base).toFixed(2)} µs per task run; ratio ${(now / base).toFixed(2)}×`,
    );
  }
}
for (const s of subjects) {
  s.history.close();
  rmSync(s.home, { recursive: true, force: true });
}
