import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunDetail, RunSummary } from '../../history/types.ts';
import { isFinal } from '../../runtime/state.ts';
import type { ServeBackend } from '../backend.ts';
import { queryValues } from '../query.ts';
import type { Route } from '../router.ts';
import { withTraceUrl } from '../views.ts';
import type { LiveChange, LiveHub, LiveListener } from './hub.ts';

export interface EventStreamOptions {
  readonly hub: LiveHub;
  readonly backend: ServeBackend;
  /** At most one message per client per this many ms. @default 250 */
  readonly batchMs?: number;
  /** A comment line this often, so proxies keep the connection. @default 15000 */
  readonly keepaliveMs?: number;
  /** A client with more than this written and not read yet is dropped. @default 1 MiB */
  readonly maxBufferedBytes?: number;
}

const DEFAULTS = { batchMs: 250, keepaliveMs: 15_000, maxBufferedBytes: 1024 * 1024 } as const;

/** `GET /api/v1/events`: serve's live changes as server-sent events (see README "Serve's HTTP API"). */
export function eventStreamRoute(options: EventStreamOptions): Route {
  const settings = { ...DEFAULTS, ...options };
  return {
    method: 'GET',
    path: '/api/v1/events',
    handle: (request, response) => {
      const query = new URL(request.url ?? '/', 'http://api').searchParams;
      const { lastEventId } = queryValues(query, ['lastEventId']);
      const header = request.headers['last-event-id'];
      const resumeFrom = (typeof header === 'string' && header !== '' ? header : undefined) ?? lastEventId;
      openStream(request, response, settings, resumeFrom);
    },
  };
}

type Settings = Required<Omit<EventStreamOptions, 'hub' | 'backend'>> &
  Pick<EventStreamOptions, 'hub' | 'backend'>;

function openStream(
  request: IncomingMessage,
  response: ServerResponse,
  settings: Settings,
  resumeFrom: string | undefined,
): void {
  const { hub } = settings;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
    // Tells nginx and the like not to hold the stream back.
    'x-accel-buffering': 'no',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  response.socket?.setNoDelay(true);

  let cursor = hub.last;
  let timer: NodeJS.Timeout | undefined;
  let lastSentAt = 0;
  let closed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    hub.unlisten(listener);
    clearTimeout(timer);
    clearInterval(keepalive);
    response.end();
  };
  /** Writes a message; a client that stopped reading (too much unread) is dropped instead. */
  const send = (text: string): boolean => {
    if (closed) return false;
    if (response.writableLength > settings.maxBufferedBytes) {
      closed = true;
      hub.unlisten(listener);
      clearTimeout(timer);
      clearInterval(keepalive);
      response.destroy();
      return false;
    }
    response.write(text);
    return true;
  };
  const flush = () => {
    timer = undefined;
    if (closed) return;
    lastSentAt = Date.now();
    const changes = hub.since(cursor);
    const last = hub.last;
    if (changes === undefined) {
      // The client fell further behind than the ring reaches: it has to start over.
      cursor = last;
      send(`id: ${hub.idOf(last)}\nevent: reset\ndata: {}\n\n`);
      return;
    }
    if (changes.length === 0) return;
    cursor = last;
    const events = materialize(coalesce(changes), settings.backend);
    send(`id: ${hub.idOf(last)}\nevent: batch\ndata: ${JSON.stringify({ events })}\n\n`);
  };
  const listener: LiveListener = {
    wake() {
      if (timer !== undefined || closed) return;
      timer = setTimeout(flush, Math.max(0, lastSentAt + settings.batchMs - Date.now()));
    },
    close,
  };
  const keepalive = setInterval(() => send(': keepalive\n\n'), settings.keepaliveMs);
  keepalive.unref();
  response.on('close', close);

  if (!hub.listen(listener)) {
    response.end();
    return;
  }
  // The first message counts towards the client's window like any other.
  lastSentAt = Date.now();
  const from = resumeFrom === undefined ? undefined : hub.parseId(resumeFrom);
  if (resumeFrom !== undefined && (from === undefined || hub.since(from) === undefined)) {
    // From another serve process, or older than what is kept: the client refetches everything.
    send(`id: ${hub.idOf(cursor)}\nevent: reset\ndata: {}\n\n`);
  } else if (from !== undefined) {
    cursor = from;
    flush();
    if (cursor === from) send(`id: ${hub.idOf(cursor)}\nevent: batch\ndata: {"events":[]}\n\n`);
  } else {
    send(`id: ${hub.idOf(cursor)}\nevent: batch\ndata: {"events":[]}\n\n`);
  }
}

/** Repeated changes of the same run or task run keep only the latest, placed where the latest was. */
export function coalesce(changes: readonly LiveChange[]): LiveChange[] {
  const latest = new Map<string, LiveChange>();
  let unique = 0;
  for (const change of changes) {
    const key =
      change.kind === 'run'
        ? `r\u0000${change.runId}`
        : change.kind === 'task'
          ? `t\u0000${change.record.flowRunId ?? ''}\u0000${change.record.taskRunId ?? change.record.task}`
          : change.kind === 'flows'
            ? 'f'
            : `a\u0000${unique++}`;
    const before = latest.get(key);
    latest.delete(key);
    latest.set(key, change.kind === 'task' && before?.kind === 'task' ? keepStart(before, change) : change);
  }
  return [...latest.values()];
}

/** A task run's later change, with when it started as its earlier change said (coalescing keeps it). */
function keepStart(
  before: Extract<LiveChange, { kind: 'task' }>,
  after: Extract<LiveChange, { kind: 'task' }>,
): LiveChange {
  if (after.record.startedAt !== undefined) return after;
  const startedAt =
    before.record.startedAt ?? (before.record.state.type === 'RUNNING' ? before.record.at : undefined);
  return startedAt === undefined ? after : { kind: 'task', record: { ...after.record, startedAt } };
}

/** The events a batch carries: run summaries read now, task runs only of runs still in flight. */
function materialize(changes: readonly LiveChange[], backend: ServeBackend): unknown[] {
  const runs = new Map<string, RunSummary | undefined>();
  const runOf = (id: string) => {
    if (!runs.has(id)) {
      const detail = backend.run(id);
      runs.set(id, detail === undefined ? undefined : summaryOf(detail));
    }
    return runs.get(id);
  };
  const events: unknown[] = [];
  for (const change of changes) {
    if (change.kind === 'flows') events.push({ type: 'flows' });
    else if (change.kind === 'alert') events.push({ type: 'alert', event: change.event });
    else if (change.kind === 'run') {
      const run = runOf(change.runId);
      if (run !== undefined) events.push({ type: 'run', run: withTraceUrl(backend, run) });
    } else {
      const { record } = change;
      const run = record.flowRunId === undefined ? undefined : runOf(record.flowRunId);
      if (run === undefined || run.endedAt !== null) continue;
      const ended = isFinal(record.state.type);
      events.push({
        type: 'task',
        runId: run.id,
        flow: run.flow,
        task: record.task,
        taskRunId: record.taskRunId ?? null,
        state: record.state,
        attempts: record.attempt,
        startedAt: record.startedAt ?? (record.state.type === 'RUNNING' ? record.at : null),
        endedAt: ended ? record.at : null,
      });
    }
  }
  return events;
}

/** A run as `GET /api/v1/runs` lists it: its detail without what only `GET /api/v1/runs/:id` has. */
function summaryOf(detail: RunDetail): RunSummary {
  const { params: _p, parentRunId: _parent, taskRuns: _t, transitions: _tr, ...summary } = detail;
  return summary;
}
