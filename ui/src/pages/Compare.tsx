import { useEffect, useState } from 'preact/hooks';
import { getJson, query } from '../api/client.ts';
import type { RunDetail, RunPage, Timeline } from '../api/types.ts';
import { formatDuration, formatTime } from '../format.ts';
import { Link, runHref } from '../router.tsx';

const SHOWN = 50;

interface Good {
  run: RunDetail;
  timeline: Timeline | null;
}

/** Per task name: the summed duration of its task runs (ms), for task runs that started and ended. */
function durations(timeline: Timeline | null): Map<string, number> {
  const out = new Map<string, number>();
  if (!timeline) return out;
  for (const t of timeline.taskRuns) {
    if (!t.startedAt || !t.endedAt) continue;
    const name = timeline.tasks[t.task] ?? `#${t.task}`;
    out.set(name, (out.get(name) ?? 0) + Date.parse(t.endedAt) - Date.parse(t.startedAt));
  }
  return out;
}

/** This run against the newest COMPLETED run of its flow that started before it. */
export function Compare({ run, timeline }: { run: RunDetail; timeline: Timeline | null }) {
  const [good, setGood] = useState<Good | null | 'none'>(null);
  const until = run.startedAt ?? run.scheduledAt ?? run.state.at;

  useEffect(() => {
    let alive = true;
    getJson<RunPage>(`/api/v1/runs${query({ flow: run.flow, state: 'COMPLETED', until, limit: 1 })}`)
      .then(async (page) => {
        const last = page.runs.find((r) => r.id !== run.id);
        if (!last) return 'none' as const;
        const path = `/api/v1/runs/${encodeURIComponent(last.id)}`;
        const [detail, lastTimeline] = await Promise.all([
          getJson<RunDetail>(path),
          getJson<Timeline>(`${path}/timeline`).catch(() => null),
        ]);
        return { run: detail, timeline: lastTimeline };
      })
      .then(
        (g) => alive && setGood(g),
        () => alive && setGood('none'),
      );
    return () => {
      alive = false;
    };
  }, [run.id, run.flow, until]);

  const keys = [
    ...new Set([
      ...Object.keys(run.params),
      ...(good && good !== 'none' ? Object.keys(good.run.params) : []),
    ]),
  ];
  const mine = durations(timeline);
  const theirs = good && good !== 'none' ? durations(good.timeline) : new Map<string, number>();
  // Largest differences first, at most SHOWN rows: a run of 10,000 tasks must not lay out 10,000 rows.
  const all = [...new Set([...mine.keys(), ...theirs.keys()])];
  const gap = (t: string) => Math.abs((mine.get(t) ?? 0) - (theirs.get(t) ?? 0));
  const tasks = all.length > SHOWN ? [...all].sort((a, b) => gap(b) - gap(a)).slice(0, SHOWN) : all;
  return (
    <section>
      <h2>Compared with the last good run</h2>
      {good === null && <p>Loading…</p>}
      {good === 'none' && <p>No completed run of {run.flow} before this one.</p>}
      {good && good !== 'none' && (
        <>
          <p>
            <Link href={runHref(good.run.id)}>{good.run.id.slice(0, 8)}</Link> completed{' '}
            {formatTime(good.run.endedAt)} in {formatDuration(good.run.durationMs)} (this run:{' '}
            {formatDuration(run.durationMs)}).
          </p>
          <h3>Parameters</h3>
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">This run</th>
                <th scope="col">Last good run</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const a = JSON.stringify(run.params[k]);
                const b = JSON.stringify(good.run.params[k]);
                return (
                  <tr key={k} class={a === b ? undefined : 'differs'}>
                    <th scope="row">{k}</th>
                    <td class="mono">{a ?? '—'}</td>
                    <td class="mono">{b ?? '—'}</td>
                  </tr>
                );
              })}
              {keys.length === 0 && (
                <tr>
                  <td colSpan={3}>No parameters.</td>
                </tr>
              )}
            </tbody>
          </table>
          <h3>Task durations</h3>
          {all.length > SHOWN && (
            <p class="muted">
              The {SHOWN} tasks whose durations differ most, of {all.length}.
            </p>
          )}
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">This run</th>
                <th scope="col">Last good run</th>
                <th scope="col">Difference</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => {
                const a = mine.get(t);
                const b = theirs.get(t);
                const diff = a !== undefined && b !== undefined ? a - b : null;
                return (
                  <tr key={t}>
                    <th scope="row">{t}</th>
                    <td class="num">{formatDuration(a)}</td>
                    <td class="num">{formatDuration(b)}</td>
                    <td class="num">
                      {diff === null ? '—' : `${diff >= 0 ? '+' : '−'}${formatDuration(Math.abs(diff))}`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
