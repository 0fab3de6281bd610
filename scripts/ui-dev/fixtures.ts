/**
 * Generated data for the run UI's dev server (never shipped, never used by tests): a failing flow whose
 * error is HTML, a flow with a live run, a flow of 10,000 tasks × 200 runs, a healthy one.
 */

export interface Run {
  id: string;
  flow: string;
  state: { type: string; name: string; at: string; message?: string };
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  traceId: string | null;
  traceUrl: string | null;
  source: 'schedule' | 'otlp' | 'api';
  tags: string[];
  error?: { type: string; message: string };
}
export interface TaskRun {
  id: string;
  task: number;
  state: { type: string; name: string };
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  error?: { type: string; message: string };
}

export const XSS = '<script>alert(1)</script>';
const MIN = 60_000;
export const now = Date.now();
let counter = 0;

export function newId(): string {
  counter += 1;
  return `${counter.toString(16).padStart(8, '0')}-7e57-4000-8000-${Math.floor(Math.random() * 1e12)
    .toString(16)
    .padStart(12, '0')}`;
}
function traceOf(id: string): string {
  return id.replace(/-/g, '').padEnd(32, '0').slice(0, 32);
}

const TYPE: Record<string, string> = {
  Completed: 'COMPLETED',
  Failed: 'FAILED',
  Crashed: 'CRASHED',
  Running: 'RUNNING',
  Pending: 'PENDING',
  Scheduled: 'SCHEDULED',
  Cancelled: 'CANCELLED',
  TimedOut: 'FAILED',
  Retrying: 'RUNNING',
};
export function state(name: string, at: number, message?: string) {
  return { type: TYPE[name]!, name, at: new Date(at).toISOString(), ...(message ? { message } : {}) };
}

export function makeRun(
  flow: string,
  name: string,
  start: number,
  ms: number | null,
  extra: Partial<Run> = {},
): Run {
  const id = newId();
  const ended = ms !== null && !['Running', 'Pending', 'Scheduled'].includes(name);
  const traceId = traceOf(id);
  return {
    id,
    flow,
    state: state(name, ended ? start + ms! : start),
    scheduledAt: new Date(start).toISOString(),
    startedAt: name === 'Scheduled' ? null : new Date(start).toISOString(),
    endedAt: ended ? new Date(start + ms!).toISOString() : null,
    durationMs: ended ? ms : null,
    traceId,
    traceUrl: `http://localhost:16686/trace/${traceId}`,
    source: 'schedule',
    tags: ['nightly'],
    ...extra,
  };
}

export const runs: Run[] = [];
export const timelines = new Map<string, { tasks: string[]; taskRuns: TaskRun[] }>();
export const flowTasks = new Map<string, string[]>();

// nightly-orders: completed for a while, then three failures in a row, the error carrying HTML.
const orderTasks = ['fetch-orders', 'validate', 'charge-cards', 'notify'];
flowTasks.set('nightly-orders', orderTasks);
for (let i = 30; i >= 1; i--) {
  const start = now - i * 60 * MIN;
  const bad = i <= 3;
  const run = makeRun('nightly-orders', bad ? 'Failed' : 'Completed', start, 40_000 + ((i * 7919) % 30_000), {
    ...(bad ? { error: { type: 'PaymentError', message: `card declined ${XSS} (order 4711)` } } : {}),
    tags: ['nightly', 'billing'],
  });
  runs.push(run);
  const taskRuns: TaskRun[] = orderTasks.map((_, t) => {
    const s = start + t * 8_000;
    const fail = bad && t === 2;
    return {
      id: newId(),
      task: t,
      state: fail ? { type: 'FAILED', name: 'Failed' } : { type: 'COMPLETED', name: 'Completed' },
      attempts: fail ? 3 : 1,
      startedAt: new Date(s).toISOString(),
      endedAt: new Date(s + 7_000 + t * 1000).toISOString(),
      ...(fail ? { error: { type: 'PaymentError', message: `card declined ${XSS} (order 4711)` } } : {}),
    };
  });
  timelines.set(run.id, { tasks: orderTasks, taskRuns: bad ? taskRuns.slice(0, 3) : taskRuns });
}

// reports: healthy, plus one cancelled run.
flowTasks.set('reports', ['query', 'render']);
for (let i = 12; i >= 1; i--) {
  const run = makeRun('reports', i === 5 ? 'Cancelled' : 'Completed', now - i * 120 * MIN, 5_000 + i * 300, {
    source: i % 3 === 0 ? 'api' : 'schedule',
  });
  runs.push(run);
  timelines.set(run.id, {
    tasks: ['query', 'render'],
    taskRuns: [0, 1].map((t) => ({
      id: newId(),
      task: t,
      state: { type: 'COMPLETED', name: 'Completed' },
      attempts: 1,
      startedAt: new Date(now - i * 120 * MIN + t * 2000).toISOString(),
      endedAt: new Date(now - i * 120 * MIN + t * 2000 + 1800).toISOString(),
    })),
  });
}

// wide-grid: 10,000 task columns × 200 runs (cells generated on request).
const wide = Array.from({ length: 10_000 }, (_, i) => `step-${String(i).padStart(5, '0')}`);
flowTasks.set('wide-grid', wide);
for (let i = 200; i >= 1; i--) {
  runs.push(
    makeRun('wide-grid', i % 17 === 0 ? 'Failed' : 'Completed', now - i * 10 * MIN, 300_000, {
      tags: ['big'],
    }),
  );
}

// etl: finished runs; the live run is driven by server.ts.
export const etlTasks = ['extract', 'transform', 'load', 'publish'];
flowTasks.set('etl', etlTasks);
for (let i = 20; i >= 1; i--) {
  const run = makeRun('etl', i === 7 ? 'Crashed' : 'Completed', now - i * 30 * MIN, 20_000 + i * 500, {
    ...(i === 7 ? { error: { type: 'Crash', message: 'worker exited with code 137' } } : {}),
  });
  runs.push(run);
  timelines.set(run.id, {
    tasks: etlTasks,
    taskRuns: etlTasks.map((_, t) => ({
      id: newId(),
      task: t,
      state: { type: 'COMPLETED', name: 'Completed' },
      attempts: 1,
      startedAt: new Date(now - i * 30 * MIN + t * 4000).toISOString(),
      endedAt: new Date(now - i * 30 * MIN + t * 4000 + 3500).toISOString(),
    })),
  });
}

/** Cells string of a run: worst state of each task name's task runs. */
export function cellsOf(run: Run): string {
  const tasks = flowTasks.get(run.flow) ?? [];
  if (run.flow === 'wide-grid') {
    const seed = Number.parseInt(run.id.slice(0, 8), 16);
    let out = '';
    for (let i = 0; i < tasks.length; i++) {
      const h = (seed * 31 + i * 17) % 997;
      out +=
        run.state.name === 'Failed' && i === 9_000
          ? 'f'
          : h === 0
            ? 'C'
            : h === 1
              ? 'k'
              : h === 2
                ? 't'
                : 'c';
    }
    return out.slice(0, tasks.length - (seed % 50));
  }
  const timeline = timelines.get(run.id);
  if (!timeline) return '';
  const order = 'xftkRrpsCc.';
  const chars = Array.from({ length: tasks.length }, () => '.');
  for (const t of timeline.taskRuns) {
    const c = cellChar(t.state.name, t.attempts);
    const i = tasks.indexOf(timeline.tasks[t.task]!);
    if (i >= 0 && order.indexOf(c) < order.indexOf(chars[i]!)) chars[i] = c;
  }
  return chars.join('').replace(/\.+$/, '');
}

export function cellChar(name: string, attempts: number): string {
  const map: Record<string, string> = {
    Scheduled: 's',
    Pending: 'p',
    Running: attempts > 1 ? 'R' : 'r',
    Retrying: 'R',
    Completed: attempts > 1 ? 'C' : 'c',
    Cancelled: 'k',
    Failed: 'f',
    TimedOut: 't',
    Crashed: 'x',
  };
  return map[name] ?? '.';
}

export function paramsOf(run: Run): Record<string, unknown> {
  return { date: run.scheduledAt?.slice(0, 10), region: 'eu', dbPassword: '[REDACTED]', limit: 500 };
}

export const alertHistory = [
  {
    id: 1,
    at: new Date(now - 170 * MIN).toISOString(),
    fingerprint: 'fp-orders',
    rule: 'flow-failed',
    flow: 'nightly-orders',
    runId: runs.find((r) => r.flow === 'nightly-orders' && r.state.name === 'Failed')?.id ?? null,
    kind: 'firing' as const,
    severity: 'critical',
    summary: `nightly-orders failed: PaymentError: card declined ${XSS}`,
  },
];

export const firing = [
  {
    id: 'fp-orders',
    fingerprint: 'fp-orders',
    rule: 'flow-failed',
    status: 'firing',
    severity: 'critical',
    labels: { flow: 'nightly-orders', team: 'billing' },
    annotations: {},
    summary: `nightly-orders failed: PaymentError: card declined ${XSS}`,
    startsAt: new Date(now - 170 * MIN).toISOString(),
    acknowledged: false,
    facts: { flow: 'nightly-orders', flowRunId: alertHistory[0]!.runId },
    notified: true,
  },
];
