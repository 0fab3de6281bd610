import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, query } from '../api/client.ts';
import type { FlowView, RunPage, RunStats, RunSummary } from '../api/types.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { onBatch, onReset } from '../live/events.ts';
import { flowHref, Link, location, navigate, runHref } from '../router.tsx';
import { STATE_NAMES, STATE_TYPES, worstState } from '../states.ts';
import { pageTitle, pageWorst } from '../title.ts';
import { DurationChart } from './DurationChart.tsx';
import { apiFilters, FILTER_NAMES, type Filters, filtersSearch, matches, readFilters } from './runFilters.ts';

const PAGE = 50;

/** Runs: every run, filtered (filters live in the URL), with the duration-by-state chart and live rows. */
export function RunsPage() {
  const search = location.value.search;
  const filters = readFilters(search);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [stats, setStats] = useState<RunStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState(0);
  const [flows, setFlows] = useState<string[]>([]);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  useEffect(() => {
    pageTitle.value = 'Runs';
    pageWorst.value = null;
    getJson<{ flows: FlowView[] }>('/api/v1/flows').then(
      (f) => setFlows(f.flows.map((x) => x.name)),
      () => {},
    );
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    const load = () => {
      setLoading(true);
      const params = apiFilters(readFilters(search));
      getJson<RunPage>(`/api/v1/runs${query({ ...params, limit: PAGE })}`, controller.signal).then(
        (page) => {
          setRuns(page.runs);
          setCursor(page.nextCursor);
          setSelected(0);
          setError(null);
          setLoading(false);
        },
        (e: unknown) => {
          if (!controller.signal.aborted) {
            setError(e instanceof Error ? e.message : String(e));
            setLoading(false);
          }
        },
      );
      getJson<RunStats>(`/api/v1/runs/stats${query({ ...params, buckets: 60 })}`, controller.signal).then(
        setStats,
        () => setStats(null),
      );
    };
    load();
    const offReset = onReset(load);
    return () => {
      controller.abort();
      offReset();
    };
  }, [search]);

  useEffect(
    () =>
      onBatch((events) => {
        const changed = events.flatMap((e) => (e.type === 'run' ? [e.run] : []));
        if (changed.length === 0) return;
        setRuns((list) => {
          let next = list;
          for (const run of changed) {
            const at = next.findIndex((r) => r.id === run.id);
            if (at >= 0) next = next.map((r) => (r.id === run.id ? run : r));
            else if (matches(run, filtersRef.current) && !filtersRef.current.until) next = [run, ...next];
          }
          return next;
        });
      }),
    [],
  );

  useEffect(() => {
    pageWorst.value = worstState(runs.map((r) => r.state.name));
  }, [runs]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) return;
      if (document.querySelector('dialog[open]') || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'j') setSelected((s) => Math.min(s + 1, runs.length - 1));
      else if (event.key === 'k') setSelected((s) => Math.max(s - 1, 0));
      else if (event.key === 'Enter' && runs[selected] && !(target instanceof HTMLAnchorElement)) {
        navigate(runHref(runs[selected].id));
      } else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [runs, selected]);

  useEffect(() => {
    document.querySelector(`[data-testid=run-row][aria-selected=true]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const loadMore = () => {
    if (!cursor) return;
    getJson<RunPage>(`/api/v1/runs${query({ ...apiFilters(filters), limit: PAGE, cursor })}`).then(
      (page) => {
        setRuns((list) => [...list, ...page.runs.filter((r) => !list.some((x) => x.id === r.id))]);
        setCursor(page.nextCursor);
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  return (
    <>
      <h1>Runs</h1>
      <FilterForm filters={filters} flows={flows} />
      <ErrorLine error={error} />
      <DurationChart stats={stats} />
      {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an ARIA grid: j/k move the selected row, Enter opens it */}
      <table role="grid" class="runs" aria-label="Runs" aria-rowcount={runs.length + 1}>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Flow</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Source</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run, i) => (
            <tr
              key={run.id}
              data-testid="run-row"
              data-run-id={run.id}
              aria-selected={i === selected}
              class={i === selected ? 'selected' : undefined}
              onClick={() => setSelected(i)}
            >
              <td>
                <StateBadge name={run.state.name} />
              </td>
              <td>
                <Link href={runHref(run.id)}>{run.flow}</Link>
              </td>
              <td>{formatTime(run.startedAt ?? run.scheduledAt)}</td>
              <td class="num">{formatDuration(run.durationMs)}</td>
              <td>{run.source}</td>
              <td class="clip">
                {run.error ? `${run.error.type}: ${run.error.message}` : (run.state.message ?? '')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && runs.length === 0 && <p>No runs match.</p>}
      {cursor && (
        <button type="button" onClick={loadMore}>
          Load more
        </button>
      )}
      {filters.flow && (
        <p>
          <Link href={flowHref(filters.flow)}>Task grid of {filters.flow}</Link>
        </p>
      )}
    </>
  );
}

/** How long the filters wait after the last keystroke before they go to the URL (and the rows reload). */
const TYPING_PAUSE_MS = 300;

function FilterForm({ filters, flows }: { filters: Filters; flows: string[] }) {
  const typing = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The query this form last put in the URL itself: that one must not reset the fields being typed in. */
  const ownSearch = useRef<string | null>(null);
  const generation = useRef(0);
  const shownSearch = useRef(filtersSearch(filters));
  const search = filtersSearch(filters);
  if (search !== shownSearch.current) {
    // The URL changed from elsewhere (back/forward, a link, Clear): the fields show its values again.
    if (search !== ownSearch.current) generation.current++;
    shownSearch.current = search;
    ownSearch.current = null;
  }
  useEffect(
    () => () => {
      if (typing.current !== null) clearTimeout(typing.current);
    },
    [],
  );
  const apply = (form: HTMLFormElement) => {
    if (typing.current !== null) clearTimeout(typing.current);
    typing.current = null;
    const data = new FormData(form);
    const next = Object.fromEntries(
      FILTER_NAMES.map((n) => [n, String(data.get(n) ?? '').trim()]),
    ) as Filters;
    ownSearch.current = filtersSearch(next);
    navigate(`/runs${ownSearch.current}`);
  };
  // The fields are mirrored in the URL as they change (after a pause in typing, one history entry per
  // pause), and at once on Enter; the form is remounted only when the URL changes from elsewhere.
  return (
    <form
      key={generation.current}
      class="filters"
      onInput={(event) => {
        const form = event.currentTarget;
        if (typing.current !== null) clearTimeout(typing.current);
        typing.current = setTimeout(() => apply(form), TYPING_PAUSE_MS);
      }}
      onSubmit={(event) => {
        event.preventDefault();
        apply(event.currentTarget);
      }}
    >
      <label>
        Flow
        <input name="flow" list="flow-names" defaultValue={filters.flow} size={14} placeholder="any" />
        <datalist id="flow-names">
          {flows.map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
      </label>
      <label>
        State
        <input name="state" list="state-names" defaultValue={filters.state} size={12} placeholder="any" />
        <datalist id="state-names">
          {[...STATE_TYPES, ...STATE_NAMES].map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </label>
      <label>
        Tag
        <input name="tag" defaultValue={filters.tag} size={10} />
      </label>
      <label>
        Error text
        <input name="q" type="search" defaultValue={filters.q} placeholder="error or message" />
      </label>
      <label>
        Since
        <input name="since" defaultValue={filters.since} placeholder="2026-12-01T08:00" size={16} />
      </label>
      <label>
        Until
        <input name="until" defaultValue={filters.until} placeholder="ISO or epoch ms" size={16} />
      </label>
      <button type="submit">Filter</button>
      <button type="button" onClick={() => navigate('/runs')}>
        Clear
      </button>
    </form>
  );
}
