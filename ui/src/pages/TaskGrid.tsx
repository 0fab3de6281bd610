import { Component } from 'preact';
import { useRef, useState } from 'preact/hooks';
import type { GridRun } from '../api/types.ts';
import { useVirtualizer } from '../components/useVirtualizer.ts';
import { formatTime } from '../format.ts';
import { navigate, runHref } from '../router.tsx';
import { CELL_ICON, CELL_LABEL, STATE_ICON } from '../states.ts';

const CELL = 16;
const ROW = 20;
const HEAD = 120;
const LABEL = 150;
const ACTIVE_ID = 'task-grid-active';

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
  // The cell the arrow keys move (aria-activedescendant): focus stays on the grid, cells come and go.
  const [active, setActive] = useState({ row: 0, column: 0 });
  const rows = useVirtualizer({
    count: runs.length,
    estimateSize: () => ROW,
    getScrollElement: () => scroller.current,
    paddingStart: HEAD,
    scrollPaddingStart: HEAD,
    overscan: 3,
  });
  const columns = useVirtualizer({
    count: tasks.length,
    estimateSize: () => CELL,
    getScrollElement: () => scroller.current,
    horizontal: true,
    paddingStart: LABEL,
    scrollPaddingStart: LABEL,
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
      aria-activedescendant={ACTIVE_ID}
      tabIndex={0}
      onKeyDown={(event) => {
        const move: Record<string, [number, number]> = {
          ArrowUp: [-1, 0],
          ArrowDown: [1, 0],
          ArrowLeft: [0, -1],
          ArrowRight: [0, 1],
          PageUp: [-20, 0],
          PageDown: [20, 0],
          Home: [0, -tasks.length],
          End: [0, tasks.length],
        };
        const step = move[event.key];
        if (event.key === 'Enter' && runs[active.row]) navigate(runHref(runs[active.row]!.id));
        else if (step) {
          const next = {
            row: Math.max(0, Math.min(runs.length - 1, active.row + step[0])),
            column: Math.max(0, Math.min(tasks.length - 1, active.column + step[1])),
          };
          setActive(next);
          rows.scrollToIndex(next.row);
          columns.scrollToIndex(next.column);
        } else return;
        event.preventDefault();
      }}
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
            activeColumn={row.index === active.row ? active.column : -1}
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
  /** The active cell's column when it is in this row, else -1. */
  activeColumn: number;
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
      p.activeColumn !== next.activeColumn ||
      p.width !== next.width
    );
  }

  override render() {
    const { run, tasks, slots } = this.props;
    const cells = slots.map((i, slot) => {
      if (i < 0) return null;
      const char = run.cells[i] ?? '.';
      return (
        <Cell key={slot} column={i} char={char} task={tasks[i]!} active={i === this.props.activeColumn} />
      );
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
  active: boolean;
}

/** One recycled cell: re-renders only when its slot shows another column or the column's state changes. */
class Cell extends Component<CellProps> {
  override shouldComponentUpdate(next: CellProps): boolean {
    const p = this.props;
    return (
      next.column !== p.column || next.char !== p.char || next.task !== p.task || next.active !== p.active
    );
  }

  override render() {
    const { column, char, task, active } = this.props;
    return (
      <div
        {...(active ? { id: ACTIVE_ID } : {})}
        class={active ? 'cell active' : 'cell'}
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
