import { Component } from 'preact';
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
 * so 10,000 task columns × 200 runs scroll like 20 × 20. Cells are recycled through a fixed ring of slots
 * (column i lives in slot i % slots, each placed by its own transform): a horizontal scroll step rewrites
 * only the slots of the columns that came into view, and no DOM node moves. Header row and run column
 * stay in place (sticky).
 */

/** Column index shown in each slot, or -1: slot s holds the visible column i with i % slots === s. */
function slotColumns(first: number, last: number, slots: number): number[] {
  const out = new Array<number>(slots).fill(-1);
  for (let i = first; i <= last; i++) out[i % slots] = i;
  return out;
}

export function TaskGrid({ tasks, runs }: { tasks: string[]; runs: GridRun[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: runs.length,
    estimateSize: () => ROW,
    getScrollElement: () => scroller.current,
    paddingStart: HEAD,
    overscan: 3,
  });
  const columns = useVirtualizer({
    count: tasks.length,
    estimateSize: () => CELL,
    getScrollElement: () => scroller.current,
    horizontal: true,
    paddingStart: LABEL,
    overscan: 3,
  });
  const visible = columns.getVirtualItems();
  const first = visible[0]?.index ?? 0;
  const last = visible.at(-1)?.index ?? -1;
  // The ring only grows (a window resize), so slots keep their columns from one render to the next.
  const ring = useRef(32);
  while (ring.current < last - first + 1) ring.current *= 2;
  const slots = slotColumns(first, last, ring.current);
  const width = columns.getTotalSize();
  const height = rows.getTotalSize();
  const heads = slots.map((i, slot) =>
    i < 0 ? null : (
      <div
        key={slot}
        class="grid-colhead"
        role="columnheader"
        tabIndex={-1}
        aria-colindex={i + 2}
        title={tasks[i]}
        style={{ transform: `translateX(${LABEL + i * CELL}px)` }}
      >
        <span>{tasks[i]}</span>
      </div>
    ),
  );
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
          {heads}
        </div>
        {rows.getVirtualItems().map((row) => (
          <GridRow
            key={runs[row.index]!.id}
            run={runs[row.index]!}
            index={row.index}
            top={row.start}
            tasks={tasks}
            slots={slots}
            first={first}
            last={last}
            width={width}
          />
        ))}
      </div>
    </div>
  );
}

interface RowProps {
  run: GridRun;
  index: number;
  top: number;
  tasks: string[];
  slots: number[];
  first: number;
  last: number;
  width: number;
}

/** One run's row; re-renders only when its run, place or visible column range changes. */
class GridRow extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return (
      p.run !== next.run ||
      p.top !== next.top ||
      p.first !== next.first ||
      p.last !== next.last ||
      p.tasks !== next.tasks ||
      p.width !== next.width
    );
  }

  override render() {
    const { run, tasks, slots } = this.props;
    const cells = slots.map((i, slot) => {
      if (i < 0) return null;
      const char = run.cells[i] ?? '.';
      return <Cell key={slot} column={i} char={char} task={tasks[i]!} />;
    });
    const when = formatTime(run.startedAt ?? run.scheduledAt);
    return (
      <div
        class="grid-row"
        role="row"
        tabIndex={-1}
        aria-rowindex={this.props.index + 2}
        style={{ transform: `translateY(${this.props.top}px)`, width: `${this.props.width}px` }}
      >
        <div class="grid-runhead" role="rowheader" tabIndex={-1} aria-colindex={1}>
          <a
            href={runHref(run.id)}
            onClick={(e) => {
              e.preventDefault();
              navigate(runHref(run.id));
            }}
            title={`${run.state.name} · ${when}`}
          >
            <span aria-hidden="true">{STATE_ICON[run.state.name]} </span>
            {when}
          </a>
        </div>
        {cells}
      </div>
    );
  }
}

interface CellProps {
  column: number;
  char: string;
  task: string;
}

/** One recycled cell: re-renders only when its slot shows another column or the column's state changes. */
class Cell extends Component<CellProps> {
  override shouldComponentUpdate(next: CellProps): boolean {
    return (
      next.column !== this.props.column || next.char !== this.props.char || next.task !== this.props.task
    );
  }

  override render() {
    const { column, char, task } = this.props;
    return (
      <div
        class="cell"
        role="gridcell"
        tabIndex={-1}
        aria-colindex={column + 2}
        data-state={char}
        title={`${task} · ${CELL_LABEL[char] ?? char}`}
        style={{ transform: `translateX(${LABEL + column * CELL}px)` }}
      >
        {CELL_ICON[char]}
      </div>
    );
  }
}
