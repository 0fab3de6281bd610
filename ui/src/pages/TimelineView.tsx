import { useMemo, useRef, useState } from 'preact/hooks';
import type { Timeline } from '../api/types.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { useVirtualizer } from '../components/useVirtualizer.ts';
import { formatDuration } from '../format.ts';
import { flatten, groupTimeline, type Preset, type Row } from './timelineRows.ts';

const ROW = 28;

/** Span tree + waterfall of the run's task runs; repeated tasks fold into one row until expanded. */
export function TimelineView({ timeline, error }: { timeline: Timeline | null; error: string | null }) {
  const [preset, setPreset] = useState<Preset>('all');
  const [attempts, setAttempts] = useState<number | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [focus, setFocus] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const now = Date.now();
  const groups = useMemo(
    () => (timeline ? groupTimeline(timeline, preset, attempts, now) : []),
    [timeline, preset, attempts],
  );
  const rows = useMemo(() => flatten(groups, expanded, now), [groups, expanded]);
  const maxAttempts = timeline ? Math.max(1, ...timeline.taskRuns.map((t) => t.attempts)) : 1;
  const virtual = useVirtualizer({
    count: rows.length,
    estimateSize: () => ROW,
    getScrollElement: () => scroller.current,
  });

  const start = timeline?.startedAt
    ? Date.parse(timeline.startedAt)
    : Math.min(...groups.map((g) => g.start ?? now), now);
  const end = timeline?.endedAt
    ? Date.parse(timeline.endedAt)
    : Math.max(now, ...groups.map((g) => g.end ?? 0));
  const span = Math.max(1, end - start);

  const toggle = (task: string, open?: boolean) =>
    setExpanded((set) => {
      const next = new Set(set);
      if (open ?? !next.has(task)) next.add(task);
      else next.delete(task);
      return next;
    });

  const onKey = (event: KeyboardEvent) => {
    const row = rows[focus];
    if (event.key === 'ArrowDown') setFocus((f) => Math.min(f + 1, rows.length - 1));
    else if (event.key === 'ArrowUp') setFocus((f) => Math.max(f - 1, 0));
    else if (event.key === 'ArrowRight' && row?.level === 1) toggle(row.group.task, true);
    else if (event.key === 'ArrowLeft' && row) toggle(row.group.task, false);
    else if ((event.key === 'Enter' || event.key === ' ') && row?.level === 1) toggle(row.group.task);
    else return;
    event.preventDefault();
    virtual.scrollToIndex(Math.min(focus + 1, rows.length - 1));
  };

  return (
    <section>
      <h2>Timeline</h2>
      <div class="toolbar">
        <fieldset class="presets">
          <legend class="sr-only">Show</legend>
          {(['all', 'errors', 'slowest'] as const).map((p) => (
            <button key={p} type="button" aria-pressed={preset === p} onClick={() => setPreset(p)}>
              {p === 'all' ? 'All' : p === 'errors' ? 'Errors' : 'Slowest'}
            </button>
          ))}
        </fieldset>
        <label>
          Attempts{' '}
          <select
            name="attempt-filter"
            value={attempts === null ? '' : String(attempts)}
            onChange={(e) => setAttempts(e.currentTarget.value ? Number(e.currentTarget.value) : null)}
          >
            <option value="">any</option>
            {Array.from({ length: maxAttempts }, (_, i) => (
              <option key={i} value={String(i + 1)}>
                {i + 1}
              </option>
            ))}
          </select>
        </label>
        {timeline && (
          <span class="muted">
            {timeline.taskRuns.length} task runs of {timeline.tasks.length} tasks
            {timeline.truncated > 0 && ` (${timeline.truncated} more not kept)`}
          </span>
        )}
      </div>
      {!timeline && (error ? <p class="error-line">Timeline not available: {error}</p> : <p>Loading…</p>)}
      {timeline && rows.length === 0 && <p>No task runs {preset === 'all' ? 'yet' : 'match'}.</p>}
      <div ref={scroller} class="timeline-scroller" hidden={!timeline || rows.length === 0}>
        <div
          role="tree"
          aria-label="Task runs"
          tabIndex={0}
          class="timeline"
          onKeyDown={onKey}
          aria-activedescendant={rows[focus] ? `tl-${focus}` : undefined}
          style={{ height: `${virtual.getTotalSize()}px` }}
        >
          {virtual.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <TreeRow
                key={row.key}
                id={`tl-${item.index}`}
                row={row}
                focused={item.index === focus}
                top={item.start}
                expanded={expanded.has(row.group.task)}
                onToggle={() => {
                  setFocus(item.index);
                  toggle(row.group.task);
                }}
                position={(ms) => ((ms - start) / span) * 100}
                now={now}
              />
            );
          })}
        </div>
      </div>
    </section>
  );
}

function TreeRow(props: {
  id: string;
  row: Row;
  focused: boolean;
  top: number;
  expanded: boolean;
  onToggle: () => void;
  position: (ms: number) => number;
  now: number;
}) {
  const { row, position } = props;
  const group = row.group;
  const t = row.taskRun;
  const startMs = t ? (t.startedAt ? Date.parse(t.startedAt) : null) : group.start;
  const endMs = t ? (t.endedAt ? Date.parse(t.endedAt) : startMs === null ? null : props.now) : group.end;
  const folded = row.level === 1 && group.runs.length > 1;
  const left = startMs === null ? 0 : position(startMs);
  const width = startMs === null || endMs === null ? 0 : Math.max(0.3, position(endMs) - left);
  const state =
    t?.state.name ??
    (group.failed ? 'Failed' : group.runs.some((r) => r.state.type === 'RUNNING') ? 'Running' : 'Completed');
  return (
    <div
      id={props.id}
      role="treeitem"
      tabIndex={-1}
      aria-level={row.level}
      aria-selected={props.focused}
      {...(folded ? { 'aria-expanded': props.expanded } : {})}
      class={`tree-row level-${row.level}${props.focused ? ' focused' : ''}`}
      style={{ transform: `translateY(${props.top}px)` }}
    >
      <div class="tree-label">
        {folded ? (
          <button
            type="button"
            class="plain twisty"
            tabIndex={-1}
            aria-hidden="true"
            onClick={props.onToggle}
          >
            {props.expanded ? '▾' : '▸'}
          </button>
        ) : (
          <span class="twisty" />
        )}
        <span class="task-name" title={group.task}>
          {row.level === 2 ? `↳ ${t?.id.slice(0, 8)}` : group.task}
        </span>
        {folded && <span class="count">×{group.runs.length}</span>}
        <StateBadge name={state} />
        {t && t.attempts > 1 && <span class="muted">attempt {t.attempts}</span>}
      </div>
      <div class="waterfall" title={t?.error ? `${t.error.type}: ${t.error.message}` : undefined}>
        <div class="bar" data-state={state} style={{ left: `${left}%`, width: `${width}%` }} />
        <span class="bar-text">
          {formatDuration(startMs === null || endMs === null ? null : endMs - startMs)}
        </span>
      </div>
    </div>
  );
}
