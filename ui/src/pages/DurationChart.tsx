import type { RunStats, StateType } from '../api/types.ts';
import { formatDuration, formatTime } from '../format.ts';
import { STATE_ICON, STATE_TYPES, TYPE_NAME } from '../states.ts';

const W = 900;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

/**
 * Duration by state over time, from /api/v1/runs/stats: one glyph per bucket and state type at its average
 * duration (the state's icon, so shape tells states apart as well as colour), a thin line up to its max.
 */
export function DurationChart({ stats }: { stats: RunStats | null }) {
  if (!stats) return <div data-testid="duration-chart" class="chart empty" />;
  const since = Date.parse(stats.since);
  const until = Date.parse(stats.until);
  const span = Math.max(1, until - since);
  let top = 0;
  const present = new Set<StateType>();
  for (const bucket of stats.buckets) {
    for (const [type, cell] of Object.entries(bucket.states) as [
      StateType,
      NonNullable<(typeof bucket.states)[StateType]>,
    ][]) {
      present.add(type);
      top = Math.max(top, cell.maxMs ?? cell.avgMs ?? 0);
    }
  }
  top = top || 1000;
  const x = (iso: string) =>
    PAD.left + ((Date.parse(iso) + stats.bucketMs / 2 - since) / span) * (W - PAD.left - PAD.right);
  const y = (ms: number) => H - PAD.bottom - (ms / top) * (H - PAD.top - PAD.bottom);
  const ticks = [0, 0.5, 1].map((f) => f * top);
  const types = STATE_TYPES.filter((t) => present.has(t));
  return (
    <figure class="chart">
      <svg
        data-testid="duration-chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Run duration by state, ${formatTime(stats.since)} to ${formatTime(stats.until)}`}
        preserveAspectRatio="none"
      >
        {ticks.map((t) => (
          <g key={t} class="tick">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end">
              {formatDuration(t)}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={H - 8}>
          {formatTime(stats.since)}
        </text>
        <text class="axis" x={W - PAD.right} y={H - 8} text-anchor="end">
          {formatTime(stats.until)}
        </text>
        {stats.buckets.flatMap((bucket) =>
          types.flatMap((type) => {
            const cell = bucket.states[type];
            if (!cell || cell.avgMs === null) return [];
            const cx = x(bucket.start);
            return [
              <g key={`${bucket.start}-${type}`} class="point" data-type={type}>
                <title>
                  {`${TYPE_NAME[type]} · ${formatTime(bucket.start)} · ${cell.count} run(s), avg ${formatDuration(cell.avgMs)}, max ${formatDuration(cell.maxMs)}`}
                </title>
                {cell.maxMs !== null && <line x1={cx} x2={cx} y1={y(cell.avgMs)} y2={y(cell.maxMs)} />}
                <text x={cx} y={y(cell.avgMs) + 5} text-anchor="middle">
                  {STATE_ICON[TYPE_NAME[type]]}
                </text>
              </g>,
            ];
          }),
        )}
      </svg>
      <figcaption class="legend">
        Average duration per {formatDuration(stats.bucketMs)} (line up to the longest):{' '}
        {types.map((t) => (
          <span key={t} class="legend-item" data-type={t}>
            <span aria-hidden="true">{STATE_ICON[TYPE_NAME[t]]}</span> {TYPE_NAME[t]}
          </span>
        ))}
        {types.length === 0 && 'no runs in this span'}
      </figcaption>
    </figure>
  );
}
