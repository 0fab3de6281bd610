import { useEffect, useState } from 'preact/hooks';
import { getJson, query } from '../api/client.ts';
import type { LogPage, LogRecord } from '../api/types.ts';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatTime } from '../format.ts';

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
const DEBOUNCE_MS = 300;

/** The run's logs; search runs on the server (debounced), like the level, task and attempt filters. */
export function Logs({ runId, tasks }: { runId: string; tasks: string[] }) {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [level, setLevel] = useState('');
  const [task, setTask] = useState('');
  const [attempt, setAttempt] = useState('');
  const [logs, setLogs] = useState<LogRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const timer = setTimeout(() => setSearch(q), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q]);

  const path = `/api/v1/runs/${encodeURIComponent(runId)}/logs`;
  const params = { q: search, level, task, attempt, limit: 200 };

  useEffect(() => {
    const controller = new AbortController();
    getJson<LogPage>(`${path}${query(params)}`, controller.signal).then(
      (page) => {
        setLogs(page.logs);
        setCursor(page.nextCursor);
        setDropped(page.dropped ?? 0);
        setError(null);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => controller.abort();
  }, [path, search, level, task, attempt, tick]);

  const more = () => {
    if (!cursor) return;
    getJson<LogPage>(`${path}${query({ ...params, cursor })}`).then(
      (page) => {
        setLogs((list) => [...(list ?? []), ...page.logs]);
        setCursor(page.nextCursor);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <section id="logs" tabIndex={-1}>
      <h2>Logs</h2>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search{' '}
          <input
            name="logq"
            type="search"
            value={q}
            placeholder="text in the message"
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </label>
        <label>
          Level{' '}
          <select name="level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
            <option value="">all</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l} and above
              </option>
            ))}
          </select>
        </label>
        <label>
          Task{' '}
          <select name="task" value={task} onChange={(e) => setTask(e.currentTarget.value)}>
            <option value="">all</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Attempt{' '}
          <input
            name="attempt"
            type="number"
            min={1}
            size={3}
            value={attempt}
            onInput={(e) => setAttempt(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </form>
      <ErrorLine error={error} />
      {dropped > 0 && <p class="muted">{dropped} log records were not kept (over the per-run limit).</p>}
      {logs?.length === 0 && (
        <p>No log records {search || level || task || attempt ? 'match' : 'for this run'}.</p>
      )}
      {logs && logs.length > 0 && (
        <ol class="logs">
          {logs.map((log) => (
            <li key={log.seq} data-level={log.level}>
              <time dateTime={log.at}>{formatTime(log.at)}</time>
              <span class="level">{log.level}</span>
              <span class="log-task">
                {log.task ?? '(flow)'}
                {log.attempt !== null && ` #${log.attempt}`}
              </span>
              <span class="body">{log.body}</span>
            </li>
          ))}
        </ol>
      )}
      {cursor && (
        <button type="button" onClick={more}>
          Load more logs
        </button>
      )}
    </section>
  );
}
