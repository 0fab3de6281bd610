import { useEffect, useState } from 'preact/hooks';
import { getJson, query, send } from '../api/client.ts';
import type { AlertEvent, AlertView, Silence } from '../api/types.ts';
import { ErrorLine } from '../components/useAsync.tsx';
import { formatTime, relative } from '../format.ts';
import { onBatch, onReset } from '../live/events.ts';
import { flowHref, Link, runHref } from '../router.tsx';
import { pageTitle, pageWorst } from '../title.ts';
import { type SilenceForm, silenceBody } from './silenceForm.ts';

const KIND_ICON: Record<AlertEvent['kind'], string> = {
  firing: '⚠',
  repeat: '↻',
  resolved: '✓',
  acknowledged: '☑',
};

export function AlertsPage() {
  const [firing, setFiring] = useState<AlertView[] | null>(null);
  const [history, setHistory] = useState<AlertEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [silences, setSilences] = useState<Silence[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const fail = (e: unknown) => setError(e instanceof Error ? e.message : String(e));
  const loadFiring = () =>
    getJson<{ alerts: AlertView[] }>('/api/v1/alerts').then((a) => setFiring(a.alerts), fail);
  const loadSilences = () =>
    getJson<{ silences: Silence[] }>('/api/v1/silences').then((s) => setSilences(s.silences), fail);
  const loadHistory = () =>
    getJson<{ events: AlertEvent[]; nextCursor: string | null }>('/api/v1/alerts/history?limit=50').then(
      (h) => {
        setHistory(h.events);
        setCursor(h.nextCursor);
      },
      fail,
    );

  useEffect(() => {
    pageTitle.value = 'Alerts';
    pageWorst.value = null;
    const all = () => {
      loadFiring();
      loadSilences();
      loadHistory();
    };
    all();
    const offReset = onReset(all);
    const offBatch = onBatch((events) => {
      const alerts = events.flatMap((e) => (e.type === 'alert' ? [e.event] : []));
      if (alerts.length === 0) return;
      setHistory((h) => [...alerts.reverse().filter((a) => !h.some((x) => x.id === a.id)), ...h]);
      loadFiring();
    });
    return () => {
      offReset();
      offBatch();
    };
  }, []);

  useEffect(() => {
    pageWorst.value =
      firing === null ? null : firing.some((a) => a.status === 'firing') ? 'Failed' : 'Completed';
  }, [firing]);

  const ack = (alert: AlertView) =>
    send('POST', `/api/v1/alerts/${encodeURIComponent(alert.id)}/ack`).then(loadFiring, fail);
  const expire = (silence: Silence) =>
    send('DELETE', `/api/v1/silences/${encodeURIComponent(silence.id)}`).then(loadSilences, fail);
  const more = () =>
    cursor &&
    getJson<{ events: AlertEvent[]; nextCursor: string | null }>(
      `/api/v1/alerts/history${query({ limit: 50, cursor })}`,
    ).then((h) => {
      setHistory((list) => [...list, ...h.events]);
      setCursor(h.nextCursor);
    }, fail);

  return (
    <>
      <h1>Alerts</h1>
      <ErrorLine error={error} />
      <section>
        <h2>Firing</h2>
        {firing === null && <p>Loading…</p>}
        {firing?.length === 0 && <p>Nothing is firing.</p>}
        <ul class="plain-list alert-list">
          {firing?.map((alert) => (
            <li key={alert.id} data-testid="firing-alert" data-fingerprint={alert.fingerprint}>
              <span aria-hidden="true">{alert.status === 'firing' ? '⚠' : '✓'} </span>
              <strong>{alert.status === 'firing' ? 'Firing' : 'Resolved'}</strong> · {alert.severity} ·{' '}
              {alert.rule}
              {alert.labels.flow && (
                <>
                  {' '}
                  · <Link href={flowHref(alert.labels.flow)}>{alert.labels.flow}</Link>
                </>
              )}{' '}
              · since {relative(alert.startsAt)}
              <div>{alert.summary}</div>
              {alert.facts?.flowRunId && <Link href={runHref(alert.facts.flowRunId)}>the run</Link>}{' '}
              {alert.acknowledged ? (
                <span class="muted">acknowledged</span>
              ) : (
                alert.status === 'firing' && (
                  <button type="button" onClick={() => ack(alert)}>
                    Acknowledge
                  </button>
                )
              )}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>History</h2>
        {history.length === 0 && <p>No alert events yet.</p>}
        <ol class="plain-list">
          {history.map((event) => (
            <li key={event.id}>
              <span aria-hidden="true">{KIND_ICON[event.kind]} </span>
              {formatTime(event.at)} · <strong>{event.kind}</strong> · {event.rule}
              {event.flow && ` · ${event.flow}`} · {event.summary}{' '}
              {event.runId && <Link href={runHref(event.runId)}>run</Link>}
            </li>
          ))}
        </ol>
        {cursor && (
          <button type="button" onClick={more}>
            Load more
          </button>
        )}
      </section>
      <section>
        <h2>Silences</h2>
        {silences?.length === 0 && <p>No silences.</p>}
        <ul class="plain-list">
          {silences?.map((s) => (
            <li key={s.id} data-testid="silence">
              {s.matchers.rule && `rule=${s.matchers.rule} `}
              {s.matchers.flow && `flow=${s.matchers.flow} `}
              {Object.entries(s.matchers.labels ?? {})
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}{' '}
              · until {formatTime(s.endsAt)}
              {s.comment && ` · ${s.comment}`}{' '}
              <button type="button" onClick={() => expire(s)}>
                Expire
              </button>
            </li>
          ))}
        </ul>
        <NewSilence onCreated={loadSilences} />
      </section>
    </>
  );
}

function NewSilence({ onCreated }: { onCreated: () => void }) {
  const empty: SilenceForm = { rule: '', flow: '', labels: '', duration: '2h', comment: '' };
  const [form, setForm] = useState(empty);
  const [problem, setProblem] = useState<string | null>(null);
  const field = (name: keyof SilenceForm) => ({
    name,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <form
      class="silence-form"
      aria-label="New silence"
      onSubmit={(event) => {
        event.preventDefault();
        const result = silenceBody(form);
        if ('problem' in result) {
          setProblem(result.problem);
          return;
        }
        send('POST', '/api/v1/silences', result.body).then(
          () => {
            setProblem(null);
            setForm(empty);
            onCreated();
          },
          (e: unknown) => setProblem(e instanceof Error ? e.message : String(e)),
        );
      }}
    >
      <h3>New silence</h3>
      <p class="muted">
        Matchers (every given one must match; globs allowed): rule, flow, labels as key=value.
      </p>
      <label>
        Rule <input {...field('rule')} placeholder="flow-failed or *" />
      </label>
      <label>
        Flow <input {...field('flow')} placeholder="nightly-*" />
      </label>
      <label>
        Labels <input {...field('labels')} placeholder="team=data, env=prod" />
      </label>
      <label>
        For <input {...field('duration')} size={5} placeholder="2h" />
      </label>
      <label>
        Comment <input {...field('comment')} />
      </label>
      <button type="submit">Add silence</button>
      {problem && (
        <p class="error-line" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
