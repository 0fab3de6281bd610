import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, query } from '../api/client.ts';
import type { Grid, RunPage, RunSummary } from '../api/types.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatTime } from '../format.ts';
import { onBatch, onReset } from '../live/events.ts';
import { Link, runHref } from '../router.tsx';
import { CELL_ICON, CELL_LABEL, STATE_ICON } from '../states.ts';
import { pageTitle, pageWorst } from '../title.ts';
import { applyToGrid } from './gridLive.ts';
import { TaskGrid } from './TaskGrid.tsx';

const GRID_PAGE = 200;

/** A flow: its runs × tasks grid (live for runs in flight) and the strip of its recent scheduled runs. */
export function FlowPage({ name }: { name: string }) {
  const [grid, setGrid] = useState<Grid | null>(null);
  const [scheduled, setScheduled] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seen = useRef(new Map<string, Map<string, string>>());

  useEffect(() => {
    pageTitle.value = name;
    pageWorst.value = null;
    let alive = true;
    const load = () => {
      seen.current.clear();
      getJson<Grid>(`/api/v1/flows/${encodeURIComponent(name)}/grid${query({ limit: GRID_PAGE })}`).then(
        (g) => {
          if (!alive) return;
          setGrid(g);
          setError(null);
        },
        (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
      );
      getJson<RunPage>(`/api/v1/runs${query({ flow: name, limit: 100 })}`).then(
        (page) => alive && setScheduled(page.runs.filter((r) => r.source === 'schedule').slice(0, 40)),
        () => {},
      );
    };
    load();
    const offReset = onReset(load);
    const offBatch = onBatch((events) => {
      setGrid((g) => (g ? applyToGrid(g, events, seen.current) : g));
      const runs = events.flatMap((e) =>
        e.type === 'run' && e.run.flow === name && e.run.source === 'schedule' ? [e.run] : [],
      );
      if (runs.length > 0) {
        setScheduled((list) => {
          let next = list ?? [];
          for (const run of runs) {
            next = next.some((r) => r.id === run.id)
              ? next.map((r) => (r.id === run.id ? run : r))
              : [run, ...next];
          }
          return next.slice(0, 40);
        });
      }
    });
    return () => {
      alive = false;
      offReset();
      offBatch();
    };
  }, [name]);

  const loadMore = () => {
    if (!grid?.nextCursor) return;
    getJson<Grid>(
      `/api/v1/flows/${encodeURIComponent(name)}/grid${query({ limit: GRID_PAGE, cursor: grid.nextCursor })}`,
    ).then(
      (more) =>
        setGrid((g) =>
          g
            ? {
                ...g,
                tasks: more.tasks.length > g.tasks.length ? more.tasks : g.tasks,
                runs: [...g.runs, ...more.runs],
                nextCursor: more.nextCursor,
              }
            : g,
        ),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  useEffect(() => {
    if (grid?.runs[0]) pageWorst.value = grid.runs[0].state.name;
  }, [grid]);

  return (
    <>
      <h1>{name}</h1>
      <p>
        <Link href={`/runs?flow=${encodeURIComponent(name)}`}>All runs of {name}</Link>
      </p>
      <ErrorLine error={error} />
      <section>
        <h2>Recent scheduled runs</h2>
        <ol class="strip" data-testid="schedule-strip" aria-label="Recent scheduled runs, newest first">
          {scheduled?.map((run) => (
            <li key={run.id}>
              <Link
                href={runHref(run.id)}
                title={`${run.state.name} · ${formatTime(run.scheduledAt ?? run.startedAt)}`}
              >
                <span class="strip-mark" data-state={run.state.name} aria-hidden="true">
                  {STATE_ICON[run.state.name]}
                </span>
                <span class="sr-only">
                  {run.state.name} {formatTime(run.scheduledAt ?? run.startedAt)}
                </span>
              </Link>
            </li>
          ))}
          {scheduled?.length === 0 && <li class="muted">No scheduled runs yet.</li>}
        </ol>
        {scheduled?.[0] && (
          <p class="muted">
            Latest: <StateBadge name={scheduled[0].state.name} /> {formatTime(scheduled[0].scheduledAt)}
          </p>
        )}
      </section>
      <section>
        <h2>Runs × tasks</h2>
        <p class="legend">
          {Object.entries(CELL_LABEL)
            .filter(([c]) => c !== '.')
            .map(([c, label]) => (
              <span key={c} class="legend-item">
                <span class="cell-sample" data-state={c} aria-hidden="true">
                  {CELL_ICON[c]}
                </span>{' '}
                {label}
              </span>
            ))}
        </p>
        {grid &&
          (grid.runs.length === 0 ? <p>No runs yet.</p> : <TaskGrid tasks={grid.tasks} runs={grid.runs} />)}
        {grid?.nextCursor && (
          <button type="button" onClick={loadMore}>
            Load older runs
          </button>
        )}
      </section>
    </>
  );
}
