import { useEffect, useState } from 'preact/hooks';
import { getJson, send } from '../api/client.ts';
import type { AlertEvent, RunDetail, RunSummary, Timeline } from '../api/types.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { onBatch, onReset } from '../live/events.ts';
import { flowHref, Link, navigate, runHref } from '../router.tsx';
import { failed, inFlight } from '../states.ts';
import { pageTitle, pageWorst } from '../title.ts';
import { Compare } from './Compare.tsx';
import { Logs } from './Logs.tsx';
import { RetryDialog } from './RetryDialog.tsx';
import { TimelineView } from './TimelineView.tsx';

/** The first task run that failed (earliest end), from the timeline when there is one, else the record. */
function firstFailure(run: RunDetail, timeline: Timeline | null) {
  const candidates = timeline
    ? timeline.taskRuns.map((t) => ({ ...t, task: timeline.tasks[t.task] ?? '?' }))
    : run.taskRuns.map((t) => ({ ...t }));
  const failures = candidates
    .filter((t) => failed(t.state) || t.state.name === 'TimedOut')
    .sort((a, b) => (a.endedAt ?? '\uffff').localeCompare(b.endedAt ?? '\uffff'));
  return failures[0] ?? null;
}

export function RunPage({ id }: { id: string }) {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [timelineError, setTimelineError] = useState<string | null>(null);
  const [alerts, setAlerts] = useState<AlertEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [retrying, setRetrying] = useState(false);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    let alive = true;
    pageTitle.value = `Run ${id.slice(0, 8)}`;
    pageWorst.value = null;
    const path = `/api/v1/runs/${encodeURIComponent(id)}`;
    const load = () => {
      getJson<RunDetail>(path).then(
        (r) => {
          if (!alive) return;
          setRun(r);
          setError(null);
        },
        (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
      );
      getJson<Timeline>(`${path}/timeline`).then(
        (t) => {
          if (!alive) return;
          setTimeline(t);
          setTimelineError(null);
        },
        (e: unknown) => alive && setTimelineError(e instanceof Error ? e.message : String(e)),
      );
      getJson<{ events: AlertEvent[] }>(`${path}/alerts`).then(
        (a) => alive && setAlerts(a.events),
        () => alive && setAlerts([]),
      );
    };
    load();
    const offReset = onReset(load);
    const offBatch = onBatch((events) => {
      let reload = false;
      for (const event of events) {
        if (event.type === 'run' && event.run.id === id) {
          setRun((r) => (r ? { ...r, ...event.run } : r));
          if (!inFlight(event.run.state)) reload = true;
        } else if (event.type === 'task' && event.runId === id) {
          setTimeline((t) => (t ? applyTask(t, event) : t));
        } else if (event.type === 'alert' && event.event.runId === id) {
          setAlerts((a) => [...(a ?? []), event.event]);
        }
      }
      if (reload) load();
    });
    return () => {
      alive = false;
      offReset();
      offBatch();
    };
  }, [id]);

  useEffect(() => {
    if (!run) return;
    pageTitle.value = `${run.flow} ${run.id.slice(0, 8)}`;
    pageWorst.value = run.state.name;
  }, [run]);

  if (!run) {
    return (
      <>
        <h1>Run {id}</h1>
        <ErrorLine error={error} />
        {!error && <p>Loading…</p>}
      </>
    );
  }

  const failure = firstFailure(run, timeline);
  const failureError = failure?.error ?? run.error;
  const cancel = () => {
    setActionError(null);
    send<RunSummary>('POST', `/api/v1/runs/${encodeURIComponent(run.id)}/cancel`).then(
      (r) => r && setRun((old) => (old ? { ...old, ...r } : old)),
      (e: unknown) => setActionError(e instanceof Error ? e.message : String(e)),
    );
  };
  const copyId = () => {
    navigator.clipboard?.writeText(run.id).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  return (
    <>
      <header class="run-head">
        <div class="run-title">
          <h1>{run.flow}</h1>
          <StateBadge name={run.state.name} />
          <span class="muted mono">{run.id}</span>
        </div>
        <p class="muted">
          <Link href={flowHref(run.flow)}>Task grid</Link> · {run.source} · started{' '}
          {formatTime(run.startedAt)} · ended {formatTime(run.endedAt)} · {formatDuration(run.durationMs)}
          {run.tags.length > 0 && ` · tags: ${run.tags.join(', ')}`}
          {run.parentRunId && (
            <>
              {' '}
              · parent <Link href={runHref(run.parentRunId)}>{run.parentRunId.slice(0, 8)}</Link>
            </>
          )}
        </p>
        {(failure || run.error || failed(run.state) || run.state.name === 'TimedOut') && (
          <div class="first-failure" data-testid="first-failure">
            <p>
              <span aria-hidden="true">✗ </span>First failure: task{' '}
              <strong data-testid="failed-task">{failure?.task ?? '(the flow itself)'}</strong>
              {failure && (
                <>
                  {' '}
                  · <StateBadge name={failure.state.name} /> · attempt{' '}
                  <span data-testid="failed-attempt">{failure.attempts}</span>
                </>
              )}
            </p>
            <pre class="error-text" data-testid="error-message">
              {failureError
                ? `${failureError.type}: ${failureError.message}`
                : (run.state.message ?? 'No error was reported.')}
            </pre>
          </div>
        )}
        {run.state.message && !failureError && <p>{run.state.message}</p>}
        <div class="actions">
          {run.traceUrl ? (
            <a
              class="button"
              data-testid="open-trace"
              href={run.traceUrl}
              data-trace-id={run.traceId ?? ''}
              target="_blank"
              rel="noreferrer noopener"
            >
              Open trace ↗
            </a>
          ) : (
            <span
              class="button disabled"
              data-testid="open-trace"
              data-trace-id={run.traceId ?? ''}
              title="No trace link: set FLOWTEL_TRACE_URL or links.trace in the rules"
            >
              Open trace (no link)
            </span>
          )}
          <a class="button" data-testid="open-logs" href="#logs">
            Logs
          </a>
          <button type="button" onClick={() => setRetrying(true)}>
            Retry
          </button>
          {inFlight(run.state) && (
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          )}
          <button type="button" onClick={copyId}>
            Copy id
          </button>
          {copied && <span role="status">Copied</span>}
        </div>
        <ErrorLine error={actionError} />
      </header>
      <TimelineView timeline={timeline} error={timelineError} />
      <Logs runId={run.id} tasks={timeline?.tasks ?? [...new Set(run.taskRuns.map((t) => t.task))]} />
      <section>
        <h2>Parameters</h2>
        <p class="muted">As given to the run, secrets redacted.</p>
        <pre class="params">{JSON.stringify(run.params, null, 2)}</pre>
      </section>
      <section>
        <h2>Transitions</h2>
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">At</th>
              <th scope="col">Task</th>
              <th scope="col">Attempt</th>
              <th scope="col">State</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {inTimeOrder(run.transitions).map((t, index) => (
              <tr key={index}>
                <td class="num">{t.seq}</td>
                <td>{formatTime(t.at)}</td>
                <td>{t.task ?? '(flow)'}</td>
                <td class="num">{t.attempt}</td>
                <td>
                  <StateBadge name={t.state.name} />
                </td>
                <td class="clip">{t.error ? `${t.error.type}: ${t.error.message}` : (t.message ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>Alerts</h2>
        {alerts === null ? (
          <p>Loading…</p>
        ) : alerts.length === 0 ? (
          <p>No alert fired for this run.</p>
        ) : (
          <ul class="plain-list">
            {alerts.map((a) => (
              <li key={a.id}>
                {formatTime(a.at)} · <strong>{a.kind}</strong> · {a.rule} · {a.summary}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Compare run={run} timeline={timeline} />
      {retrying && (
        <RetryDialog
          run={run}
          onClose={() => setRetrying(false)}
          onStarted={(next) => {
            setRetrying(false);
            navigate(runHref(next.id));
          }}
        />
      )}
    </>
  );
}

function applyTask(
  timeline: Timeline,
  event: Extract<import('../api/types.ts').LiveEvent, { type: 'task' }>,
): Timeline {
  let tasks = timeline.tasks;
  let index = tasks.indexOf(event.task);
  if (index < 0) {
    tasks = [...tasks, event.task];
    index = tasks.length - 1;
  }
  const taskRun = {
    id: event.taskRunId,
    task: index,
    state: event.state,
    attempts: event.attempts,
    startedAt: event.startedAt,
    endedAt: event.endedAt,
  };
  const at = timeline.taskRuns.findIndex((t) => t.id === event.taskRunId);
  const taskRuns =
    at >= 0
      ? timeline.taskRuns.map((t, i) => (i === at ? { ...t, ...taskRun } : t))
      : [...timeline.taskRuns, taskRun];
  return { ...timeline, tasks, taskRuns };
}

/**
 * Transitions in the order they happened: a task run's records derived from its span carry no seq of
 * their own (0), so seq alone would list them before the flow run's start.
 */
function inTimeOrder<T extends { readonly at: string; readonly seq: number }>(
  transitions: readonly T[],
): T[] {
  return [...transitions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
}
