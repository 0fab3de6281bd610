/**
 * How big each case is. Defaults are issue 9's sizes; each can be set by its variable, and
 * `BENCH_QUICK=1` shrinks every default to a smoke run (seconds, for `test/bench/smoke.test.ts`).
 */
export interface Sizes {
  /** Awaited calls per variant per timed window (cases 2–3). */
  readonly calls: number;
  /**
   * The same for case 1, where a call costs a microsecond or two: a window must last long enough (here
   * about half a second) that the forced GC before it and the timer's resolution do not show.
   */
  readonly untracedCalls: number;
  /** Timed rounds per run, after one warm-up round. */
  readonly rounds: number;
  /** Calls per window of the retried task (case 4). */
  readonly peerCalls: number;
  /** Rules in case 3's generated folder. */
  readonly rules: number;
  /** Transitions for the engine alone (case 3), or the engine's own default. */
  readonly engineTransitions: number | undefined;
  /** Task runs of the export case, per encoding (case 5). */
  readonly exportTasks: number;
  /** Task runs of the memory case (case 6). */
  readonly memoryTasks: number;
  /** Failing flows of the webhook latency case (case 7), and the gap between two failures. */
  readonly failures: number;
  readonly failureGapMs: number;
  /** Failing flows in the Slack burst (case 7). */
  readonly burst: number;
  /** OTLP requests of 512 spans per encoding, posted to serve (case 8). */
  readonly ingestRequests: number;
  /** flow-late rules, each its own schedule, whose deadlines serve watches (case 9). */
  readonly lateSchedules: number;
  /** Runs seeded into serve's history, and timed requests per filter shape (case 10). */
  readonly apiRuns: number;
  readonly apiSamples: number;
}

const FULL = {
  BENCH_CALLS: 5_000,
  BENCH_UNTRACED_CALLS: 200_000,
  BENCH_ROUNDS: 7,
  BENCH_PEER_CALLS: 1_000,
  BENCH_RULES: 1_000,
  BENCH_EXPORT_TASKS: 100_000,
  BENCH_MEMORY_TASKS: 1_000_000,
  BENCH_FAILURES: 1_000,
  BENCH_FAILURE_GAP_MS: 5,
  BENCH_BURST: 100,
  BENCH_INGEST_REQUESTS: 400,
  BENCH_LATE_SCHEDULES: 10_000,
  BENCH_API_RUNS: 1_000_000,
  BENCH_API_SAMPLES: 300,
};
const QUICK: typeof FULL = {
  BENCH_CALLS: 200,
  BENCH_UNTRACED_CALLS: 2_000,
  BENCH_ROUNDS: 2,
  BENCH_PEER_CALLS: 100,
  BENCH_RULES: 1_000,
  BENCH_EXPORT_TASKS: 2_000,
  BENCH_MEMORY_TASKS: 20_000,
  BENCH_FAILURES: 20,
  BENCH_FAILURE_GAP_MS: 5,
  BENCH_BURST: 10,
  BENCH_INGEST_REQUESTS: 10,
  BENCH_LATE_SCHEDULES: 200,
  BENCH_API_RUNS: 20_000,
  BENCH_API_SAMPLES: 30,
};

export function sizesFrom(env: Readonly<Record<string, string | undefined>>): Sizes {
  const defaults = env.BENCH_QUICK === '1' ? QUICK : FULL;
  const optional = (name: string, min = 1) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`${name} must be an integer of at least ${min}, got '${raw}'`);
    }
    return value;
  };
  const size = (name: keyof typeof FULL, min = 1) => optional(name, min) ?? defaults[name];
  return {
    calls: size('BENCH_CALLS'),
    untracedCalls: size('BENCH_UNTRACED_CALLS'),
    rounds: size('BENCH_ROUNDS'),
    peerCalls: size('BENCH_PEER_CALLS'),
    rules: size('BENCH_RULES', 50),
    // The engine's own default unless set; a smoke run keeps it small.
    engineTransitions:
      env.BENCH_ENGINE_TRANSITIONS || env.BENCH_QUICK !== '1' ? optional('BENCH_ENGINE_TRANSITIONS') : 10_000,
    exportTasks: size('BENCH_EXPORT_TASKS'),
    memoryTasks: size('BENCH_MEMORY_TASKS', 10),
    failures: size('BENCH_FAILURES'),
    failureGapMs: size('BENCH_FAILURE_GAP_MS', 0),
    burst: size('BENCH_BURST'),
    ingestRequests: size('BENCH_INGEST_REQUESTS'),
    lateSchedules: size('BENCH_LATE_SCHEDULES'),
    apiRuns: size('BENCH_API_RUNS', 100),
    apiSamples: size('BENCH_API_SAMPLES'),
  };
}
