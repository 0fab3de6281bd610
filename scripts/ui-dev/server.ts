/**
 * Dev-only fixture server for the run UI: answers the run UI contract's JSON from generated data
 * (fixtures.ts), streams a live `etl` run over SSE, and serves dist/ui with serve's headers (CSP included),
 * so the pages can be looked at without a real serve. Never shipped, never used by tests.
 *
 *   npm run build:ui && node --import tsx scripts/ui-dev/server.ts [port]   (UI_DEV_TOKEN=x asks for a token)
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  alertHistory,
  cellsOf,
  etlTasks,
  firing,
  flowTasks,
  makeRun,
  newId,
  now,
  paramsOf,
  type Run,
  runs,
  state,
  type TaskRun,
  timelines,
  XSS,
} from './fixtures.ts';

const port = Number(process.argv[2] ?? 4173);
const token = process.env.UI_DEV_TOKEN;
const dist = fileURLToPath(new URL('../../dist/ui/', import.meta.url));
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
const silences: { id: string; matchers: object; endsAt: string; comment?: string }[] = [
  {
    id: 'sil-1',
    matchers: { flow: 'reports' },
    endsAt: new Date(now + 3_600_000).toISOString(),
    comment: 'migration',
  },
];

// --- the event stream ---------------------------------------------------------------------------------
let eventId = 0;
const kept: { id: number; events: object[] }[] = [];
const clients = new Set<ServerResponse>();
function publish(events: object[]): void {
  eventId += 1;
  kept.push({ id: eventId, events });
  if (kept.length > 1000) kept.shift();
  for (const client of clients)
    client.write(`id: ${eventId}\nevent: batch\ndata: ${JSON.stringify({ events })}\n\n`);
}

// A live etl run: a task moves on every second; `transform` fans out into 6 task runs; then a new run.
let live: Run | null = null;
let step = 0;
function tick(): void {
  if (!live) {
    live = makeRun('etl', 'Running', Date.now(), null, { source: 'schedule' });
    runs.push(live);
    timelines.set(live.id, { tasks: [], taskRuns: [] });
    step = 0;
    publish([{ type: 'run', run: live }]);
    return;
  }
  const timeline = timelines.get(live.id)!;
  const taskIndex = Math.floor(step / 2);
  const name = etlTasks[taskIndex];
  const events: object[] = [];
  if (!name) {
    const ended = Date.now();
    live.state = state('Completed', ended);
    live.endedAt = new Date(ended).toISOString();
    live.durationMs = ended - Date.parse(live.startedAt!);
    events.push({ type: 'run', run: live });
    live = null;
    publish(events);
    return;
  }
  if (!timeline.tasks.includes(name)) timeline.tasks.push(name);
  const fan = name === 'transform' ? 6 : 1;
  for (let f = 0; f < fan; f++) {
    const started = step % 2 === 0;
    let taskRun = timeline.taskRuns.find(
      (t) => t.task === timeline.tasks.indexOf(name) && t.id.endsWith(`-${f}`),
    );
    if (!taskRun) {
      taskRun = {
        id: `${newId()}-${f}`,
        task: timeline.tasks.indexOf(name),
        state: { type: 'RUNNING', name: 'Running' },
        attempts: 1,
        startedAt: new Date().toISOString(),
        endedAt: null,
      } satisfies TaskRun;
      timeline.taskRuns.push(taskRun);
    }
    if (!started) {
      taskRun.state = { type: 'COMPLETED', name: 'Completed' };
      taskRun.endedAt = new Date().toISOString();
    }
    events.push({
      type: 'task',
      runId: live.id,
      flow: 'etl',
      task: name,
      taskRunId: taskRun.id,
      state: taskRun.state,
      attempts: taskRun.attempts,
      startedAt: taskRun.startedAt,
      endedAt: taskRun.endedAt,
    });
  }
  step += 1;
  publish(events);
}
setInterval(tick, 1000);

// --- JSON answers -------------------------------------------------------------------------------------
function sortTime(run: Run): number {
  return Date.parse(run.startedAt ?? run.scheduledAt ?? run.state.at);
}
function filtered(params: URLSearchParams): Run[] {
  const q = params.get('q')?.toLowerCase();
  const st = params.get('state')?.toLowerCase();
  const since = params.get('since');
  const until = params.get('until');
  return runs
    .filter((r) => !params.get('flow') || r.flow === params.get('flow'))
    .filter((r) => !st || r.state.type.toLowerCase() === st || r.state.name.toLowerCase() === st)
    .filter((r) => !params.get('tag') || r.tags.includes(params.get('tag')!))
    .filter(
      (r) => !q || `${r.error?.type} ${r.error?.message} ${r.state.message ?? ''}`.toLowerCase().includes(q),
    )
    .filter((r) => !since || sortTime(r) >= Date.parse(since))
    .filter((r) => !until || sortTime(r) < Date.parse(until))
    .sort((a, b) => sortTime(b) - sortTime(a));
}
function page<T>(
  list: T[],
  params: URLSearchParams,
  fallback: number,
): { items: T[]; nextCursor: string | null } {
  const offset = Number(params.get('cursor') ?? 0);
  const limit = Number(params.get('limit') ?? fallback);
  const items = list.slice(offset, offset + limit);
  return { items, nextCursor: offset + limit < list.length ? String(offset + limit) : null };
}
function flows() {
  return ['nightly-orders', 'etl', 'wide-grid', 'reports'].map((name) => {
    const mine = runs.filter((r) => r.flow === name).sort((a, b) => sortTime(b) - sortTime(a));
    const ended = mine.filter((r) => r.endedAt);
    let streak = 0;
    for (const r of ended) {
      if (r.state.type === 'CANCELLED') continue;
      if (r.state.type !== 'FAILED' && r.state.type !== 'CRASHED') break;
      streak += 1;
    }
    const failures = ended.filter((r) => r.state.type === 'FAILED' || r.state.type === 'CRASHED');
    const lastOk = ended.find((r) => r.state.type === 'COMPLETED');
    return {
      name,
      description: null,
      tags: [],
      schedules: [
        {
          id: 'cron',
          description: 'every hour',
          nextAt: new Date(Date.now() + 17 * 60_000).toISOString(),
          params: null,
        },
      ],
      overlap: 'skip',
      concurrency: null,
      running: mine.filter((r) => !r.endedAt).length,
      missedSlots: 0,
      lastRun: mine[0] ?? null,
      runnable: true,
      health: {
        failingSince: streak > 0 ? failures[streak - 1]!.startedAt : null,
        streak,
        lastSuccessAt: lastOk?.endedAt ?? null,
        late: name === 'reports' ? [mine[0]!.id] : [],
        stuck: [],
      },
    };
  });
}
function stats(params: URLSearchParams) {
  const list = filtered(params);
  const until = params.get('until') ? Date.parse(params.get('until')!) : Date.now();
  const since = params.get('since')
    ? Date.parse(params.get('since')!)
    : Math.min(until - 86_400_000, ...list.map(sortTime));
  const n = Number(params.get('buckets') ?? 60);
  const bucketMs = Math.ceil((until - since) / n);
  const buckets = new Map<
    number,
    Record<string, { count: number; sum: number; n: number; maxMs: number | null }>
  >();
  for (const r of list) {
    const b = Math.floor((sortTime(r) - since) / bucketMs);
    const cell = (buckets.get(b) ?? buckets.set(b, {}).get(b)!)[r.state.type] ?? {
      count: 0,
      sum: 0,
      n: 0,
      maxMs: null,
    };
    cell.count += 1;
    if (r.durationMs !== null) {
      cell.sum += r.durationMs;
      cell.n += 1;
      cell.maxMs = Math.max(cell.maxMs ?? 0, r.durationMs);
    }
    buckets.get(b)![r.state.type] = cell;
  }
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    bucketMs,
    buckets: [...buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([b, states]) => ({
        start: new Date(since + b * bucketMs).toISOString(),
        states: Object.fromEntries(
          Object.entries(states).map(([t, c]) => [
            t,
            { count: c.count, avgMs: c.n ? c.sum / c.n : null, maxMs: c.maxMs },
          ]),
        ),
      })),
  };
}
function timelineOf(run: Run) {
  if (run.flow === 'wide-grid') {
    const tasks = flowTasks.get('wide-grid')!;
    const start = Date.parse(run.startedAt!);
    const taskRuns = tasks.map((_, i) => ({
      id: `${run.id.slice(0, 8)}-${i}`,
      task: i,
      state: { type: 'COMPLETED', name: 'Completed' },
      attempts: 1,
      startedAt: new Date(start + i * 30).toISOString(),
      endedAt: new Date(start + i * 30 + 25).toISOString(),
    }));
    return { tasks, taskRuns };
  }
  return timelines.get(run.id) ?? { tasks: [], taskRuns: [] };
}
function logsOf(run: Run, params: URLSearchParams) {
  const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
  const tasks = timelineOf(run).tasks.slice(0, 20);
  const all = Array.from({ length: 300 }, (_, i) => {
    const level = i % 50 === 49 ? 'ERROR' : i % 10 === 9 ? 'WARN' : i % 3 === 0 ? 'DEBUG' : 'INFO';
    return {
      seq: i + 1,
      at: new Date(Date.parse(run.startedAt ?? run.state.at) + i * 100).toISOString(),
      level,
      body: level === 'ERROR' ? `charge failed: ${XSS}` : `processed batch ${i} of 300`,
      task: tasks[i % Math.max(1, tasks.length)] ?? null,
      taskRunId: null,
      attempt: (i % 3) + 1,
      attributes: { batch: i },
    };
  });
  const q = params.get('q')?.toLowerCase();
  const min = levels.indexOf(params.get('level') ?? 'DEBUG');
  const list = all
    .filter((l) => !q || l.body.toLowerCase().includes(q))
    .filter((l) => levels.indexOf(l.level) >= min)
    .filter((l) => !params.get('task') || l.task === params.get('task'))
    .filter((l) => !params.get('attempt') || l.attempt === Number(params.get('attempt')));
  const { items, nextCursor } = page(list, params, 200);
  return { logs: items, nextCursor, dropped: 0 };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<unknown> {
  const p = url.pathname;
  const params = url.searchParams;
  if (req.method !== 'GET' && token && req.headers.authorization !== `Bearer ${token}`) {
    res.statusCode = 401;
    return { error: 'this request needs the API token (Authorization: Bearer …)', details: [] };
  }
  const at = (pattern: RegExp) => pattern.exec(p);
  const notFound = (error: string) => {
    res.statusCode = 404;
    return { error };
  };
  let m: RegExpExecArray | null = null;
  if (p === '/api/v1/flows') return { flows: flows() };
  if (p === '/api/v1/runs') {
    const { items, nextCursor } = page(filtered(params), params, 50);
    return { runs: items, nextCursor };
  }
  if (p === '/api/v1/runs/stats') return stats(params);
  if (p === '/api/v1/alerts') return { alerts: firing };
  if (p === '/api/v1/alerts/history') {
    const { items, nextCursor } = page([...alertHistory].reverse(), params, 50);
    return { events: items, nextCursor };
  }
  if (p === '/api/v1/silences' && req.method === 'POST') {
    const input = (await body(req)) as { matchers: object; endsAt: string; comment?: string };
    const silence = { id: `sil-${silences.length + 1}`, ...input };
    silences.push(silence);
    res.statusCode = 201;
    return silence;
  }
  if (p === '/api/v1/silences') return { silences };
  m = at(/^\/api\/v1\/silences\/([^/]+)$/);
  if (m && req.method === 'DELETE') {
    silences.splice(
      silences.findIndex((s) => s.id === m![1]),
      1,
    );
    res.statusCode = 204;
    return null;
  }
  m = at(/^\/api\/v1\/alerts\/([^/]+)\/ack$/);
  if (m) {
    const alert = firing.find((a) => a.id === decodeURIComponent(m![1]!));
    if (!alert) return notFound('no such alert firing');
    alert.acknowledged = true;
    return alert;
  }
  m = at(/^\/api\/v1\/flows\/([^/]+)\/grid$/);
  if (m) {
    const flow = decodeURIComponent(m[1]!);
    const list = runs.filter((r) => r.flow === flow).sort((a, b) => sortTime(b) - sortTime(a));
    const { items, nextCursor } = page(list, params, 50);
    return {
      flow,
      tasks: flowTasks.get(flow) ?? [],
      runs: items.map((r) => ({
        id: r.id,
        state: r.state,
        startedAt: r.startedAt,
        scheduledAt: r.scheduledAt,
        durationMs: r.durationMs,
        cells: cellsOf(r),
      })),
      nextCursor,
    };
  }
  m = at(/^\/api\/v1\/flows\/([^/]+)\/runs$/);
  if (m && req.method === 'POST') {
    const run = makeRun(decodeURIComponent(m[1]!), 'Pending', Date.now(), null, { source: 'api' });
    runs.push(run);
    publish([{ type: 'run', run }]);
    res.statusCode = 201;
    return run;
  }
  m = at(/^\/api\/v1\/runs\/([^/]+)(\/[a-z]+)?$/);
  if (m) {
    const run = runs.find((r) => r.id === decodeURIComponent(m![1]!));
    if (!run) return notFound(`no run ${m[1]}`);
    const tail = m[2];
    if (tail === '/cancel') {
      run.state = state('Cancelled', Date.now());
      run.endedAt = run.state.at;
      publish([{ type: 'run', run }]);
      return run;
    }
    if (tail === '/timeline')
      return {
        runId: run.id,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        ...timelineOf(run),
        truncated: 0,
      };
    if (tail === '/logs') return logsOf(run, params);
    if (tail === '/alerts') return { events: alertHistory.filter((a) => a.runId === run.id) };
    const timeline = timelineOf(run);
    return {
      ...run,
      params: paramsOf(run),
      parentRunId: null,
      taskRuns: timeline.taskRuns
        .filter((t) => t.state.type !== 'COMPLETED' || t.attempts > 1)
        .map((t) => ({ ...t, task: timeline.tasks[t.task], state: { ...t.state, at: t.endedAt } })),
      transitions: [
        { seq: 1, at: run.scheduledAt, attempt: 1, state: { type: 'SCHEDULED', name: 'Scheduled' } },
        { seq: 2, at: run.startedAt, attempt: 1, state: { type: 'RUNNING', name: 'Running' } },
        ...(run.endedAt ? [{ seq: 3, at: run.endedAt, attempt: 1, state: run.state, error: run.error }] : []),
      ],
    };
  }
  res.statusCode = 404;
  return { error: `no route ${p}` };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (url.pathname === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const last = Number(req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? Number.NaN);
      if (Number.isNaN(last)) res.write(`id: ${eventId}\nevent: batch\ndata: {"events":[]}\n\n`);
      else if (kept[0] && last < kept[0].id - 1) res.write(`id: ${eventId}\nevent: reset\ndata: {}\n\n`);
      else
        for (const k of kept.filter((k) => k.id > last))
          res.write(`id: ${k.id}\nevent: batch\ndata: ${JSON.stringify({ events: k.events })}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const answer = await api(req, res, url);
      res.setHeader('content-type', 'application/json');
      res.end(answer === null ? '' : JSON.stringify(answer));
      return;
    }
    const asset = url.pathname.startsWith('/assets/')
      ? normalize(join(dist, url.pathname))
      : join(dist, 'index.html');
    if (!asset.startsWith(dist)) throw new Error('outside dist');
    const content = await readFile(asset);
    res.writeHead(200, {
      'content-type': TYPES[extname(asset)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': asset.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    res.end(content);
  } catch (error) {
    res.statusCode = 404;
    res.end(String(error));
  }
}).listen(port, '127.0.0.1', () => console.log(`ui-dev: http://127.0.0.1:${port}/`));
