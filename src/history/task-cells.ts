import type { StateName } from '../runtime/state.ts';

/**
 * The one-character cells of the runs × tasks grid (`GET /api/v1/flows/:name/grid`): the state of a task
 * name's task runs in one flow run, the worst of them when the task fans out. The run UI imports this
 * file too, so the cells it updates live are the ones the server stores.
 */

/** No task run of that task in the run. */
export const NO_CELL = '.';

/** Worst first: a fan-out group shows the worst state among its task runs. */
export const WORST_FIRST = 'xftkRrpsCc.';

/** The cell of one task run: its state name, and whether it took more than one attempt. */
export function cellOf(name: StateName, attempts: number): string {
  switch (name) {
    case 'Scheduled':
    case 'Late':
    case 'AwaitingRetry':
      return 's';
    case 'Pending':
      return 'p';
    case 'Running':
      return attempts > 1 ? 'R' : 'r';
    case 'Retrying':
      return 'R';
    case 'Completed':
      return attempts > 1 ? 'C' : 'c';
    case 'Cancelled':
      return 'k';
    case 'Failed':
      return 'f';
    case 'TimedOut':
      return 't';
    case 'Crashed':
      return 'x';
  }
}

/** The worse of two cells. */
export function worseCell(a: string, b: string): string {
  return WORST_FIRST.indexOf(a) <= WORST_FIRST.indexOf(b) ? a : b;
}
