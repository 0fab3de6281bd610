import { useRef } from 'preact/hooks';
import type { GridRun } from '../api/types.ts';
import { useVirtualizer } from '../components/useVirtualizer.ts';
import { formatTime } from '../format.ts';
import { navigate, runHref } from '../router.tsx';
import { CELL_ICON, CELL_LABEL, STATE_ICON } from '../states.ts';

const CELL = 16;
const ROW = 20;
const HEAD = 120;
const LABEL = 150;

/**
 * The runs × tasks grid, virtualized on both axes: only the cells in view (plus a few) are in the DOM,
 * so 10,000 task columns × 200 runs scroll like 20 × 20. Header row and run column stay in place.
 */
export function TaskGrid({ tasks, runs }: { tasks: string[]; runs: GridRun[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: runs.length,
    estimateSize: () => ROW,
    getScrollElement: () => scroller.current,
    paddingStart: HEAD,
    overscan: 6,
  });
  const columns = useVirtualizer({
    count: tasks.length,
    estimateSize: () => CELL,
    getScrollElement: () => scroller.current,
    horizontal: true,
    paddingStart: LABEL,
    overscan: 8,
  });
  const visibleColumns = columns.getVirtualItems();
  const width = columns.getTotalSize();
  const height = rows.getTotalSize();
  return (
    <div
      ref={scroller}
      class="grid-scroller"
      data-testid="task-grid"
      role="grid"
      aria-label="Runs by task"
      aria-rowcount={runs.length + 1}
      aria-colcount={tasks.length + 1}
      tabIndex={0}
    >
      <div class="grid-canvas" style={{ width: `${width}px`, height: `${height}px` }}>
        <div class="grid-head" role="row" tabIndex={-1} aria-rowindex={1} style={{ width: `${width}px` }}>
          <div class="grid-corner" role="columnheader" tabIndex={-1} aria-colindex={1}>
            Run \ Task ({tasks.length})
          </div>
          {visibleColumns.map((col) => (
            <div
              key={col.index}
              class="grid-colhead"
              role="columnheader"
              tabIndex={-1}
              aria-colindex={col.index + 2}
              title={tasks[col.index]}
              style={{ transform: `translateX(${col.start}px)` }}
            >
              <span>{tasks[col.index]}</span>
            </div>
          ))}
        </div>
        {rows.getVirtualItems().map((row) => {
          const run = runs[row.index]!;
          return (
            <div
              key={run.id}
              class="grid-row"
              role="row"
              tabIndex={-1}
              aria-rowindex={row.index + 2}
              style={{ transform: `translateY(${row.start}px)`, width: `${width}px` }}
            >
              <div class="grid-runhead" role="rowheader" tabIndex={-1} aria-colindex={1}>
                <a
                  href={runHref(run.id)}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(runHref(run.id));
                  }}
                  title={`${run.state.name} · ${formatTime(run.startedAt ?? run.scheduledAt)}`}
                >
                  <span aria-hidden="true">{STATE_ICON[run.state.name]} </span>
                  {formatTime(run.startedAt ?? run.scheduledAt)}
                </a>
              </div>
              {visibleColumns.map((col) => {
                const char = run.cells[col.index] ?? '.';
                return (
                  <div
                    key={col.index}
                    class="cell"
                    role="gridcell"
                    tabIndex={-1}
                    aria-colindex={col.index + 2}
                    data-state={char}
                    title={`${tasks[col.index]} · ${CELL_LABEL[char] ?? char}`}
                    style={{ transform: `translateX(${col.start}px)` }}
                  >
                    {CELL_ICON[char]}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
