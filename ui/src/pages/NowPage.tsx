import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api/client.ts';
import type { AlertView, FlowView, RunPage, RunSummary } from '../api/types.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatTime, relative } from '../format.ts';
import { onBatch, onReset } from '../live/events.ts';
import { flowHref, Link, runHref } from '../router.tsx';
import { inFlight, worstState } from '../states.ts';
import { pageTitle, pageWorst } from '../title.ts';

interface NowData {
  flows: FlowView[];
  alerts: AlertView[];
  inFlight: RunSummary[];
}

async function loadNow(): Promise<NowData> {
  const [flows, alerts, ...pages] = await Promise.all([
    getJson<{ flows: FlowView[] }>('/api/v1/flows'),
    getJson<{ alerts: AlertView[] }>('/api/v1/alerts'),
    ...['RUNNING', 'PENDING', 'SCHEDULED'].map((state) =>
      getJson<RunPage>(`/api/v1/runs?state=${state}&limit=50`),
    ),
  ]);
  return { flows: flows.flows, alerts: alerts.alerts, inFlight: pages.flatMap((p) => p.runs) };
}

function nextRun(flow: FlowView): string | null {
  const times = flow.schedules.map((s) => s.nextAt).filter((t): t is string => t !== null);
  return times.sort()[0] ?? null;
}

/** Now: for each flow, is it well, since when is it failing, what comes next; and what runs right now. */
/** How often the cards' relative times ("12 s ago") are brought up to date. */
const RELATIVE_TICK_MS = 5_000;

export function NowPage() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), RELATIVE_TICK_MS);
    return () => clearInterval(timer);
  }, []);
  const [data, setData] = useState<NowData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    pageTitle.value = 'Now';
    pageWorst.value = null;
    let alive = true;
    const load = () =>
      loadNow().then(
        (d) => {
          if (!alive) return;
          setData(d);
          setError(null);
        },
        (e: unknown) => alive && setError(String(e instanceof Error ? e.message : e)),
      );
    // Health (streaks, late, stuck) is computed by serve: refetch, at most every 2 s, when runs change.
    const soon = () => {
      refetchTimer.current ??= setTimeout(() => {
        refetchTimer.current = null;
        load();
      }, 2000);
    };
    load();
    const offBatch = onBatch((events) => {
      setData((d) => {
        if (!d) return d;
        let { flows, alerts, inFlight: running } = d;
        for (const event of events) {
          if (event.type === 'run') {
            const run = event.run;
            running = running.filter((r) => r.id !== run.id);
            if (inFlight(run.state)) running = [run, ...running];
            flows = flows.map((f) => (f.name === run.flow ? { ...f, lastRun: run } : f));
          } else if (event.type === 'alert') {
            soon();
          }
        }
        return { flows, alerts, inFlight: running };
      });
      if (events.some((e) => e.type === 'flows' || (e.type === 'run' && !inFlight(e.run.state)))) soon();
      if (events.some((e) => e.type === 'flows')) load();
    });
    const offReset = onReset(load);
    return () => {
      alive = false;
      offBatch();
      offReset();
      if (refetchTimer.current) clearTimeout(refetchTimer.current);
    };
  }, []);

  useEffect(() => {
    if (!data) return;
    pageWorst.value = worstState([
      ...data.flows.flatMap((f) => (f.lastRun ? [f.lastRun.state.name] : [])),
      ...data.inFlight.map((r) => r.state.name),
    ]);
  }, [data]);

  return (
    <>
      <h1>Now</h1>
      <ErrorLine error={error} />
      {data === null && !error && <p>Loading…</p>}
      {data && (
        <>
          {data.flows.length === 0 && <p>No flows yet: serve has none loaded and heard of none.</p>}
          <div class="cards">
            {data.flows.map((flow) => (
              <FlowCard
                key={flow.name}
                flow={flow}
                alerts={data.alerts.filter((a) => alertFlow(a) === flow.name)}
              />
            ))}
          </div>
          <section>
            <h2>Runs in flight ({data.inFlight.length})</h2>
            {data.inFlight.length === 0 ? (
              <p>Nothing is running.</p>
            ) : (
              <ul class="plain-list">
                {data.inFlight.map((run) => (
                  <li key={run.id}>
                    <StateBadge name={run.state.name} /> <Link href={runHref(run.id)}>{run.flow}</Link>{' '}
                    <span class="muted">
                      {run.startedAt
                        ? `started ${relative(run.startedAt)}`
                        : `scheduled ${relative(run.scheduledAt)}`}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}

function alertFlow(alert: AlertView): string | undefined {
  return alert.labels.flow ?? alert.facts?.flow;
}

function FlowCard({ flow, alerts }: { flow: FlowView; alerts: AlertView[] }) {
  const health = flow.health;
  const next = nextRun(flow);
  const firing = alerts.filter((a) => a.status === 'firing');
  return (
    <article class="card" data-testid="flow-card" data-flow={flow.name}>
      <header class="card-head">
        <h2>
          <Link href={flowHref(flow.name)}>{flow.name}</Link>
        </h2>
        {flow.lastRun ? (
          <StateBadge name={flow.lastRun.state.name} />
        ) : (
          <span class="muted">no runs yet</span>
        )}
      </header>
      {health?.failingSince && (
        <p class="failing" data-testid="failing-since">
          <span aria-hidden="true">✗ </span>
          Failing since <time dateTime={health.failingSince}>{formatTime(health.failingSince)}</time>
          <span class="streak">
            {health.streak} failed run{health.streak === 1 ? '' : 's'} in a row
          </span>
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>Last success</dt>
          <dd data-testid="last-success">
            {health?.lastSuccessAt ? (
              <time dateTime={health.lastSuccessAt} title={formatTime(health.lastSuccessAt)}>
                {relative(health.lastSuccessAt)}
              </time>
            ) : (
              'never'
            )}
          </dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd data-testid="next-run">
            {next ? (
              <time dateTime={next} title={formatTime(next)}>
                {relative(next)}
              </time>
            ) : (
              'not scheduled'
            )}
          </dd>
        </div>
        {flow.lastRun && (
          <div>
            <dt>Last run</dt>
            <dd>
              <Link href={runHref(flow.lastRun.id)}>
                {relative(flow.lastRun.startedAt ?? flow.lastRun.scheduledAt)}
              </Link>
            </dd>
          </div>
        )}
      </dl>
      {(health?.late.length ?? 0) > 0 && <RunLinks label="Late" ids={health!.late} />}
      {(health?.stuck.length ?? 0) > 0 && <RunLinks label="Stuck" ids={health!.stuck} />}
      {firing.length > 0 && (
        <ul class="plain-list alerts-inline" aria-label="Firing alerts">
          {firing.map((a) => (
            <li key={a.id}>
              <span aria-hidden="true">⚠ </span>
              <Link href="/alerts">{a.summary}</Link>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

function RunLinks({ label, ids }: { label: string; ids: string[] }) {
  return (
    <p class="warn-line">
      <span aria-hidden="true">◔ </span>
      {label}:{' '}
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <Link href={runHref(id)}>{id.slice(0, 8)}</Link>
        </span>
      ))}
    </p>
  );
}
